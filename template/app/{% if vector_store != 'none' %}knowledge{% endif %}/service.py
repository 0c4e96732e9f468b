"""The knowledge base: uploads queued for ingestion, hybrid search, and deletion.

Chat uses it through `retrieve` (its `Retriever` protocol), so answers can quote the
owner's own documents.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

import anyio.to_thread
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.clock import utcnow
from app.core.ids import new_id
from app.db.transactions import Transactions
from app.knowledge import store
from app.knowledge.formats import FileLimits, detect
from app.knowledge.models import FAILED, PENDING, Document
from app.knowledge.stores.base import Hit, Query, VectorStore
from app.knowledge.terms import query_terms
from app.knowledge.worker import IngestionWorkers
from app.llm.embeddings import Embedder
from app.settings import Settings

NAME_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Upload:
    document: Document
    duplicate: bool


class KnowledgeBase:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        transactions: Transactions,
        store: VectorStore,
        embedder: Embedder,
        workers: IngestionWorkers,
        settings: Settings,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.transactions = transactions
        self.store = store
        self.embedder = embedder
        self.workers = workers
        self.settings = settings
        self.file_limits = FileLimits(
            max_unpacked_bytes=settings.knowledge_max_unpacked_mb * 1024 * 1024,
            max_zip_entries=settings.knowledge_max_zip_entries,
            max_pdf_pages=settings.knowledge_max_pdf_pages,
        )

    async def upload(self, *, owner_id: str, name: str, content: bytes) -> Upload:
        """Checks the file and queues it; the same content again is the document it already is
        (or, if that one failed, that document queued again).

        Raises `ApiError` (415/422) for a file the knowledge base cannot read.
        """
        name = clean_name(name)
        kind = await anyio.to_thread.run_sync(detect, name, content, self.file_limits)
        sha256 = hashlib.sha256(content).hexdigest()
        async with self.sessionmaker() as session:
            existing = await store.find_by_hash(session, owner_id=owner_id, sha256=sha256)
        if existing is not None and existing.status == FAILED:
            return await self._retry(existing, content)
        if existing is not None:
            return Upload(existing, duplicate=True)
        now = utcnow()
        document = Document(
            id=new_id(),
            owner_id=owner_id,
            name=name,
            kind=kind,
            size_bytes=len(content),
            sha256=sha256,
            status=PENDING,
            error=None,
            chunk_count=0,
            flagged_passages=0,
            prompt_guard="",
            attempts=0,
            claimed_at=None,
            created_at=now,
            updated_at=now,
        )
        try:
            await self.transactions.run(
                lambda connection: store.insert_document(connection, document, content)
            )
        except IntegrityError:  # the same file, uploaded twice at once
            async with self.sessionmaker() as session:
                existing = await store.find_by_hash(session, owner_id=owner_id, sha256=sha256)
            if existing is None:
                raise
            return Upload(existing, duplicate=True)
        self.workers.notify()
        return Upload(document, duplicate=False)

    async def _retry(self, document: Document, content: bytes) -> Upload:
        """Uploading a document that failed again tries again (the cause may be gone)."""
        await self.transactions.run(
            lambda connection: store.requeue(connection, document_id=document.id, content=content)
        )
        self.workers.notify()
        async with self.sessionmaker() as session:
            requeued = await store.get_owned(
                session, owner_id=document.owner_id, document_id=document.id
            )
        return Upload(requeued or document, duplicate=False)

    async def delete(self, *, owner_id: str, document_id: str) -> bool:
        """The row first: from then on no search shows the document, even while a worker
        still indexes it (the worker drops what it stored when it finds the row gone)."""
        deleted = await self.transactions.run(
            lambda connection: store.delete_owned(
                connection, owner_id=owner_id, document_id=document_id
            )
        )
        if deleted:
            await self.store.delete_document(owner_id=owner_id, document_id=document_id)
        return deleted

    async def search(self, *, owner_id: str, text: str, top_k: int) -> list[Hit]:
        (vector,) = await self.embedder.embed([text])
        hits = await self.store.search(
            Query(owner_id=owner_id, text=text, terms=query_terms(text), vector=vector, top_k=top_k)
        )
        async with self.sessionmaker() as session:
            ready = await store.ready_among(
                session, owner_id=owner_id, document_ids={hit.document_id for hit in hits}
            )
        return [hit for hit in hits if hit.document_id in ready]

    async def retrieve(self, *, owner_id: str, query: str) -> list[Hit]:
        """For chat: the passages that best answer `query`."""
        return await self.search(
            owner_id=owner_id, text=query, top_k=self.settings.knowledge_chat_top_k
        )


def clean_name(name: str) -> str:
    """The file's own name, safe to show and to store: without any folders a client put in
    front of it, control and invisible formatting characters (a right-to-left override can
    make `evil\u202etxt.exe` look like `evilexe.txt`), or more than NAME_LENGTH characters
    (cut before the extension, which is kept)."""
    visible = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    base = PurePath(visible.replace("\\", "/")).name.strip()
    if base in ("", ".", ".."):
        return "untitled"
    if len(base) <= NAME_LENGTH:
        return base
    suffix = PurePath(base).suffix
    suffix = suffix if len(suffix) <= 16 else ""
    return base[: NAME_LENGTH - len(suffix)] + suffix
