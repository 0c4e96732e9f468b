"""Document rows and their jobs: every query here is scoped to its owner, except the
workers' own (claiming, renewing and finishing a job), which go by document id.

Reads take an async session; writes are plain functions of a connection, run as one short
transaction by `app.db.transactions.Transactions`.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.db.base import table_of
from app.knowledge.models import (
    PENDING,
    PROCESSING,
    READY,
    Document,
    DocumentAnalysis,
    DocumentFile,
)


async def get_owned(session: AsyncSession, *, owner_id: str, document_id: str) -> Document | None:
    return (
        await session.scalars(
            select(Document).where(Document.id == document_id, Document.owner_id == owner_id)
        )
    ).one_or_none()


async def find_by_hash(session: AsyncSession, *, owner_id: str, sha256: str) -> Document | None:
    return (
        await session.scalars(
            select(Document).where(Document.owner_id == owner_id, Document.sha256 == sha256)
        )
    ).one_or_none()


@dataclass(frozen=True, slots=True)
class DocumentPage:
    rows: list[Document]
    count: int  # of all the owner's documents, not only this page's


async def list_owned(
    session: AsyncSession, *, owner_id: str, limit: int, offset: int
) -> DocumentPage:
    count = await session.scalar(
        select(func.count()).select_from(Document).where(Document.owner_id == owner_id)
    )
    rows = await session.scalars(
        select(Document)
        .where(Document.owner_id == owner_id)
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return DocumentPage(list(rows), int(count or 0))


def delete_owned(connection: Connection, *, owner_id: str, document_id: str) -> bool:
    result = connection.execute(
        delete(Document).where(Document.id == document_id, Document.owner_id == owner_id)
    )
    return bool(result.rowcount)


def insert_document(connection: Connection, document: Document, content: bytes) -> None:
    """The document and its file, in the caller's transaction (IntegrityError: a duplicate)."""
    # An attribute left unset takes its column's default.
    columns = {
        column.key: getattr(document, column.key)
        for column in table_of(Document).c
        if getattr(document, column.key) is not None or column.default is None
    }
    connection.execute(insert(Document), [columns])
    connection.execute(insert(DocumentFile), [{"document_id": document.id, "content": content}])


def requeue(connection: Connection, *, document_id: str, content: bytes) -> None:
    """A failed document uploaded again: its file back, its job pending again."""
    connection.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(
            status=PENDING,
            error=None,
            attempts=0,
            chunk_count=0,
            flagged_passages=0,
            prompt_guard="",
            updated_at=utcnow(),
        )
    )
    connection.execute(delete(DocumentFile).where(DocumentFile.document_id == document_id))
    connection.execute(insert(DocumentFile), [{"document_id": document_id, "content": content}])


async def ready_among(
    session: AsyncSession, *, owner_id: str, document_ids: Collection[str]
) -> set[str]:
    """Which of these documents still exist, fully indexed: a search never shows passages
    of a document deleted (or still being indexed) meanwhile."""
    if not document_ids:
        return set()
    rows = await session.scalars(
        select(Document.id).where(
            Document.owner_id == owner_id,
            Document.id.in_(document_ids),
            Document.status == READY,
        )
    )
    return set(rows)


# --- Jobs (writes: run them through app.db.transactions.Transactions) -----------------------


def claim_next(connection: Connection, *, lease_seconds: float) -> Document | None:
    """Takes the oldest pending document, or one whose worker stopped renewing its lease.

    On PostgreSQL the candidate row is locked with FOR UPDATE SKIP LOCKED, so two replicas
    claiming at once take different documents; SQLite runs the statement under its single
    write lock (and ignores the clause).
    """
    now = utcnow()
    candidate = (
        select(Document.id)
        .where(
            or_(
                Document.status == PENDING,
                (Document.status == PROCESSING)
                & (Document.claimed_at < now - timedelta(seconds=lease_seconds)),
            )
        )
        .order_by(Document.created_at, Document.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = connection.execute(
        update(Document)
        .where(Document.id == candidate)
        .values(status=PROCESSING, claimed_at=now, attempts=Document.attempts + 1, updated_at=now)
        .returning(*table_of(Document).c)
    ).one_or_none()
    return None if row is None else Document(**row._asdict())


def renew(connection: Connection, *, document_id: str) -> None:
    connection.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == PROCESSING)
        .values(claimed_at=utcnow())
    )


def finish(
    connection: Connection,
    *,
    document_id: str,
    status: str,
    chunk_count: int = 0,
    error: str | None = None,
    flagged_passages: int = 0,
    prompt_guard: str = "",
) -> bool:
    """Marks a claimed job ready or failed and drops its file; False if it was deleted."""
    result = connection.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == PROCESSING)
        .values(
            status=status,
            chunk_count=chunk_count,
            error=error,
            flagged_passages=flagged_passages,
            prompt_guard=prompt_guard,
            claimed_at=None,
            updated_at=utcnow(),
        )
    )
    connection.execute(delete(DocumentFile).where(DocumentFile.document_id == document_id))
    return bool(result.rowcount)


def release(connection: Connection, *, document_ids: Collection[str]) -> None:
    """Hands unfinished jobs back (a shutdown): the next worker to look starts them again."""
    connection.execute(
        update(Document)
        .where(Document.id.in_(document_ids), Document.status == PROCESSING)
        .values(status=PENDING, claimed_at=None, attempts=Document.attempts - 1)
    )


async def file_content(session: AsyncSession, *, document_id: str) -> bytes | None:
    return await session.scalar(
        select(DocumentFile.content).where(DocumentFile.document_id == document_id)
    )


# --- Analyses -----------------------------------------------------------------------------


async def get_analysis(
    session: AsyncSession, *, sha256: str, model: str
) -> DocumentAnalysis | None:
    return await session.get(DocumentAnalysis, (sha256, model))


def put_analysis(connection: Connection, analysis: DocumentAnalysis) -> None:
    """Keeps the first analysis of this content by this model (a concurrent one is dropped)."""
    exists = connection.scalar(
        select(func.count())
        .select_from(DocumentAnalysis)
        .where(DocumentAnalysis.sha256 == analysis.sha256, DocumentAnalysis.model == analysis.model)
    )
    if not exists:
        columns = {c.key: getattr(analysis, c.key) for c in table_of(DocumentAnalysis).c}
        connection.execute(insert(DocumentAnalysis), [columns])
