"""The app's knowledge base, analyst and embeddings (built at start-up), for their routes."""

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from app.knowledge.analysis import Analyst
from app.knowledge.embedding_service import EmbeddingService
from app.knowledge.service import KnowledgeBase


async def get_knowledge(connection: HTTPConnection) -> KnowledgeBase:
    return cast(KnowledgeBase, connection.app.state.resources.knowledge)


async def get_analyst(connection: HTTPConnection) -> Analyst:
    return cast(Analyst, connection.app.state.resources.analyst)


async def get_embeddings(connection: HTTPConnection) -> EmbeddingService:
    return cast(EmbeddingService, connection.app.state.resources.embeddings)


KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
AnalystDep = Annotated[Analyst, Depends(get_analyst)]
EmbeddingsDep = Annotated[EmbeddingService, Depends(get_embeddings)]
