"""Documents of the knowledge base, the uploaded files waiting to be indexed, and analyses.

A document row is also its ingestion job: `status` says where it is, `claimed_at` when a
worker last showed it was still working on it (a lease: a worker that died lets it lapse),
`attempts` how often one started.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.ids import new_id
from app.db.base import Base, CreatedAtMixin

PENDING, PROCESSING, READY, FAILED = "pending", "processing", "ready", "failed"


class Document(CreatedAtMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (
        # The same content twice for one owner is one document.
        UniqueConstraint("owner_id", "sha256", name="uq_documents_owner_id_sha256"),
        Index("ix_documents_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_documents_status_created_at", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # pdf, docx, markdown or text
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    chunk_count: Mapped[int] = mapped_column(default=0)
    # Passages the prompt-injection guard flagged at indexing, and the attack families seen
    # (comma-separated): the document is kept, but such passages never reach a model as-is.
    flagged_passages: Mapped[int] = mapped_column(default=0, server_default="0")
    prompt_guard: Mapped[str] = mapped_column(String(200), default="", server_default="")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DocumentFile(Base):
    """The uploaded bytes, kept in the database (every replica can read them) until indexed."""

    __tablename__ = "document_files"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentAnalysis(CreatedAtMixin, Base):
    """A summary and key points, kept by content hash: the same file is analysed once."""

    __tablename__ = "document_analyses"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    summary: Mapped[str] = mapped_column(Text)
    key_points: Mapped[list[Any]] = mapped_column(JSON)
