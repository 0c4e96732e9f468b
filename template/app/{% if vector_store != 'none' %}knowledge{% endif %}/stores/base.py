"""What every vector store offers the knowledge base, whichever one this service chose."""

from typing import Protocol

from app.core.readiness import ReadinessCheck


class VectorStore(Protocol):
    name: str

    def readiness_check(self) -> ReadinessCheck: ...
