"""Request and response bodies of `/api/knowledge`."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.text import ClientModel, NumberOnly, Prompt
from app.knowledge.analysis import Analysis
from app.knowledge.models import Document
from app.knowledge.stores.base import Hit


class DocumentPublic(BaseModel):
    id: str
    name: str
    kind: str = Field(description="pdf, docx, markdown or text")
    size_bytes: int
    sha256: str
    status: str = Field(description="pending, processing, ready or failed")
    error: str | None = Field(default=None, description="Why ingestion failed")
    chunk_count: int
    flagged_passages: int = Field(
        description="Passages that look like prompt injection: withheld from the model "
        "(PROMPT_GUARD=block) or quoted with a warning (flag)"
    )
    prompt_guard: list[str] = Field(description="The attack families seen in those passages")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, document: Document) -> "DocumentPublic":
        return cls(
            id=document.id,
            name=document.name,
            kind=document.kind,
            size_bytes=document.size_bytes,
            sha256=document.sha256,
            status=document.status,
            error=document.error,
            chunk_count=document.chunk_count,
            flagged_passages=document.flagged_passages,
            prompt_guard=[name for name in document.prompt_guard.split(",") if name],
            created_at=document.created_at,
            updated_at=document.updated_at,
        )


class UploadReply(DocumentPublic):
    duplicate: bool = Field(description="This content was uploaded before: the same document")


class DocumentsPublic(BaseModel):
    items: list[DocumentPublic]
    count: int


class SearchRequest(ClientModel):
    query: Prompt = Field(max_length=2000)
    top_k: Annotated[int, Field(ge=1, le=50, strict=False), NumberOnly] = 5


class SearchHit(BaseModel):
    document_id: str
    document_name: str
    position: int = Field(description="The passage's place in its document, from 0")
    text: str
    score: float = Field(description="Reciprocal-rank fusion of vector and keyword rank")

    @classmethod
    def of(cls, hit: Hit) -> "SearchHit":
        return cls(
            document_id=hit.document_id,
            document_name=hit.document_name,
            position=hit.position,
            text=hit.text,
            score=round(hit.score, 6),
        )


class SearchReply(BaseModel):
    hits: list[SearchHit]


class AnalysisPublic(BaseModel):
    document_id: str
    summary: str
    key_points: list[str]
    model: str
    cached: bool = Field(description="Analysed before (same content): no model call this time")

    @classmethod
    def of(cls, document: Document, analysis: Analysis) -> "AnalysisPublic":
        return cls(
            document_id=document.id,
            summary=analysis.summary,
            key_points=analysis.key_points,
            model=analysis.model,
            cached=analysis.cached,
        )
