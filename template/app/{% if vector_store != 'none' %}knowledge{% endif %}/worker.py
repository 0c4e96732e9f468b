"""Background ingestion: a few workers take document jobs from the database, one at a time
each, so uploads answer at once and indexing never runs on a request.

Jobs are the document rows themselves, so they survive restarts: a job that was running when
a process died is taken up again once its lease lapses (workers renew it while they work),
and one interrupted by a clean shutdown is handed back at once. Workers poll for jobs (other
replicas queue them too) and are woken at once by an upload in this process.
"""

import logging

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.transactions import Transactions
from app.knowledge import store
from app.knowledge.extract import ExtractionError
from app.knowledge.ingest import Indexed, Indexer
from app.knowledge.models import FAILED, READY, Document
from app.llm.base import LLMError
from app.settings import Settings

logger = logging.getLogger(__name__)


class IngestionWorkers:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        transactions: Transactions,
        indexer: Indexer,
        settings: Settings,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._transactions = transactions
        self._indexer = indexer
        self._settings = settings
        self._wake = anyio.Event()
        self._active: set[str] = set()
        # Made here, not in `run`: a stop before the workers even started still stops them.
        self._scope = anyio.CancelScope()

    def notify(self) -> None:
        """A job was queued: idle workers look now rather than at their next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Runs the workers until `stop()`; then hands back the jobs they had started."""
        try:
            with self._scope:
                async with anyio.create_task_group() as group:
                    for _ in range(self._settings.knowledge_workers):
                        group.start_soon(self._work)
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(10):
                await self._release_active()

    def stop(self) -> None:
        self._scope.cancel()

    async def _work(self) -> None:
        lease = self._settings.knowledge_lease_seconds
        while True:
            try:
                document = await self._transactions.run(
                    lambda connection: store.claim_next(connection, lease_seconds=lease)
                )
            except Exception:
                logger.exception("claiming an ingestion job failed; trying again shortly")
                document = None
            if document is None:
                await self._idle()
                continue
            self._active.add(document.id)
            try:
                async with anyio.create_task_group() as group:
                    group.start_soon(self._renew_lease, document.id)
                    await self._process(document)
                    group.cancel_scope.cancel()
            except Exception:
                logger.exception("ingesting %s failed; its lease will lapse", document.id)
            # Not on cancellation: a stopping worker's job stays active to be handed back.
            self._active.discard(document.id)

    async def _idle(self) -> None:
        with anyio.move_on_after(self._settings.knowledge_poll_seconds):
            await self._wake.wait()
        if self._wake.is_set():
            self._wake = anyio.Event()

    async def _renew_lease(self, document_id: str) -> None:
        while True:
            await anyio.sleep(self._settings.knowledge_lease_seconds / 3)
            try:
                await self._transactions.run(
                    lambda connection: store.renew(connection, document_id=document_id)
                )
            except Exception:
                logger.warning("renewing the lease of %s failed", document_id, exc_info=True)

    async def _process(self, document: Document) -> None:
        if document.attempts > self._settings.knowledge_max_attempts:
            reason = f"gave up after {document.attempts - 1} attempts that never finished"
            await self._finish(document, FAILED, error=reason)
            return
        # Shielded: a statement cut short by `stop()` would cost its connection (SQLAlchemy
        # discards it), and on SQLite the driver's clean-up of that connection can wait forever.
        with anyio.CancelScope(shield=True):
            async with self._sessionmaker() as session:
                content = await store.file_content(session, document_id=document.id)
        if content is None:
            await self._finish(document, FAILED, error="the uploaded file is missing")
            return
        unexpected: Exception | None = None
        try:
            indexed = await self._indexer.index(document, content)
        except ExtractionError as exc:
            error = str(exc)
        except LLMError as exc:
            error = f"embedding failed: {exc.message}"
        except Exception as exc:
            error, unexpected = "indexing failed (see the service's log)", exc
        else:
            if not await self._finish(document, READY, indexed=indexed):
                logger.info("document %s was deleted while it was indexed", document.id)
            return
        still_there = await self._finish(document, FAILED, error=error)
        if unexpected is not None and still_there:
            logger.error("indexing %s failed", document.id, exc_info=unexpected)

    async def _finish(
        self,
        document: Document,
        status: str,
        *,
        indexed: Indexed | None = None,
        error: str | None = None,
    ) -> bool:
        """Records the outcome; a document deleted meanwhile loses its passages again."""
        indexed = indexed or Indexed(0)
        still_there = await self._transactions.run(
            lambda connection: store.finish(
                connection,
                document_id=document.id,
                status=status,
                chunk_count=indexed.passages,
                error=error,
                flagged_passages=indexed.flagged_passages,
                prompt_guard=",".join(indexed.attacks),
            )
        )
        if status != READY or not still_there:
            await self._indexer.store.delete_document(
                owner_id=document.owner_id, document_id=document.id
            )
        return still_there

    async def _release_active(self) -> None:
        if not self._active:
            return
        active = set(self._active)
        try:
            await self._transactions.run(
                lambda connection: store.release(connection, document_ids=active)
            )
        except Exception:
            logger.warning("handing back unfinished ingestion jobs failed", exc_info=True)
