"""One document from bytes to searchable passages: extract its text, cut it along its
structure, screen them for prompt injection, embed them in batches and store them with their
keyword terms."""

from dataclasses import dataclass

import anyio.to_thread

from app.knowledge.chunking import chunk_text
from app.knowledge.extract import ExtractionError, extract_text
from app.knowledge.models import Document
from app.knowledge.stores.base import Passage, VectorStore
from app.knowledge.terms import terms
from app.llm.embeddings import Embedder
from app.llm.prompt_guard import Attack, PromptGuard
from app.settings import Settings

STRUCTURED_KINDS = {"markdown", "docx"}


@dataclass(frozen=True, slots=True)
class Indexed:
    passages: int
    flagged_passages: int = 0
    attacks: tuple[Attack, ...] = ()  # the families the guard saw in the flagged ones


class Indexer:
    def __init__(
        self, *, embedder: Embedder, store: VectorStore, guard: PromptGuard, settings: Settings
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.guard = guard
        self.settings = settings

    def passages_of(self, kind: str, content: bytes) -> list[str]:
        """CPU-bound: run it in a worker thread."""
        text = extract_text(kind, content, max_seconds=self.settings.knowledge_extract_seconds)
        chunks = chunk_text(
            text,
            structured=kind in STRUCTURED_KINDS,
            max_chars=self.settings.knowledge_chunk_chars,
            overlap_chars=self.settings.knowledge_chunk_overlap_chars,
        )
        if not chunks:
            raise ExtractionError("no text found")
        limit = self.settings.knowledge_max_chunks
        if len(chunks) > limit:
            raise ExtractionError(
                f"too long: {len(chunks)} passages, more than KNOWLEDGE_MAX_CHUNKS ({limit})"
            )
        return chunks

    async def index(self, document: Document, content: bytes) -> Indexed:
        """Stores the document's passages (after any left by an interrupted attempt);
        says how many, and how many look like prompt injection."""
        chunks = await anyio.to_thread.run_sync(self.passages_of, document.kind, content)
        verdicts = await anyio.to_thread.run_sync(
            lambda: self.guard.screen(chunks, source="document", action="recorded")
        )
        flagged = [verdict for verdict in verdicts if verdict.flagged]
        seen = {attack for verdict in flagged for attack in verdict.attacks}
        await self.store.delete_document(owner_id=document.owner_id, document_id=document.id)
        size = self.settings.embedding_batch_size
        for start in range(0, len(chunks), size):
            batch = chunks[start : start + size]
            vectors = await self.embedder.embed(batch)
            await self.store.add(
                [
                    Passage(
                        owner_id=document.owner_id,
                        document_id=document.id,
                        document_name=document.name,
                        position=start + offset,
                        text=text,
                        terms=terms(text),
                        vector=vector,
                    )
                    for offset, (text, vector) in enumerate(zip(batch, vectors, strict=True))
                ]
            )
        return Indexed(len(chunks), len(flagged), tuple(a for a in Attack if a in seen))
