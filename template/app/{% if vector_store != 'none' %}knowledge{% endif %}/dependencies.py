"""The app's knowledge base and analyst (built at start-up), for the knowledge routes."""

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.knowledge.analysis import Analyst
from app.knowledge.service import KnowledgeBase


async def get_knowledge(connection: HTTPConnection) -> KnowledgeBase:
    return cast(KnowledgeBase, connection.app.state.resources.knowledge)


async def get_analyst(connection: HTTPConnection) -> Analyst:
    return cast(Analyst, connection.app.state.resources.analyst)


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
AnalystDep = Annotated[Analyst, Depends(get_analyst)]
