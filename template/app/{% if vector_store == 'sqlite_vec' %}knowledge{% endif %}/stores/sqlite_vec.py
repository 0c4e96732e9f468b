"""SQLite + sqlite-vec, embedded: passages, vectors and keyword index in one local file.

Loaded through APSW because many Python builds (pyenv's, macOS's) ship an sqlite3 module
that cannot load extensions; APSW wheels can, on every platform.

Vectors live in a `vec0` table partitioned by owner, so a nearest-neighbour search (brute
force over the memory-mapped file) scans that owner's vectors only; keywords in an
FTS5 table ranked by BM25, joined to the owner's passages in the same query. The two rankings
are fused by reciprocal rank.
"""

import math
from array import array
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import apsw
import sqlite_vec  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.readiness import ReadinessCheck
from app.knowledge.stores.base import Hit, Passage, Query, VectorStore, fuse
from app.settings import Settings

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    owner_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    document_name TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_passages_document ON passages (owner_id, document_id, position);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_vectors USING vec0(
    owner_id TEXT PARTITION KEY,
    embedding float[{dimensions}]
);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(
    terms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_term_counts USING fts5vocab(passage_terms, 'row');
"""
MMAP_BYTES = 4 * 1024**3
# A term in more than this share of passages is left out of keyword queries: BM25 gives it
# next to no weight, but ranking every passage that holds it would cost the most time.
COMMON_TERM_SHARE = 0.1
RARE_TERMS_KEPT = 2  # ...unless the question has nothing rarer: then its rarest terms stay


def _vector(values: Sequence[float]) -> bytes:
    """float32, scaled to unit length: then the Euclidean distance ranks exactly as the
    cosine distance would, a fifth faster."""
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return array("f", [value / norm for value in values]).tobytes()


class SqliteVecStore:
    name = "sqlite_vec"

    def __init__(self, connection: apsw.Connection) -> None:
        self._connection = connection
        self._lock = anyio.Lock()  # one APSW connection: calls take turns in a worker thread

    @classmethod
    async def open(cls, path: str, *, dimensions: int) -> "SqliteVecStore":
        def connect() -> apsw.Connection:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            connection = apsw.Connection(path)
            connection.enable_load_extension(True)
            connection.load_extension(sqlite_vec.loadable_path())
            connection.enable_load_extension(False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=30000")
            # Searches read every vector of the owner: mapped, the file is read in place
            # rather than copied page by page through SQLite's cache (half the time at 100k).
            connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            with connection:
                connection.execute(SCHEMA.format(dimensions=dimensions))
                _check_dimensions(connection, path, dimensions)
            return connection

        return cls(await anyio.to_thread.run_sync(connect))

    async def _run(self, work: Callable[[apsw.Connection], T]) -> T:
        async with self._lock:
            return await anyio.to_thread.run_sync(work, self._connection)

    async def add(self, passages: Sequence[Passage]) -> None:
        def insert(connection: apsw.Connection) -> None:
            with connection:
                for passage in passages:
                    connection.execute(
                        "INSERT INTO passages (owner_id, document_id, document_name, position, "
                        "text) VALUES (?, ?, ?, ?, ?)",
                        (
                            passage.owner_id,
                            passage.document_id,
                            passage.document_name,
                            passage.position,
                            passage.text,
                        ),
                    )
                    rowid = connection.last_insert_rowid()
                    connection.execute(
                        "INSERT INTO passage_vectors (rowid, owner_id, embedding) VALUES (?, ?, ?)",
                        (rowid, passage.owner_id, _vector(passage.vector)),
                    )
                    connection.execute(
                        "INSERT INTO passage_terms (rowid, terms) VALUES (?, ?)",
                        (rowid, " ".join(passage.terms)),
                    )

        await self._run(insert)

    async def search(self, query: Query) -> list[Hit]:
        def search(connection: apsw.Connection) -> list[Hit]:
            nearest = [
                row[0]
                for row in connection.execute(
                    "SELECT rowid FROM passage_vectors "
                    "WHERE embedding MATCH ? AND k = ? AND owner_id = ? ORDER BY distance",
                    (_vector(query.vector), query.candidates, query.owner_id),
                )
            ]
            matching: list[int] = []
            selective = _selective_terms(connection, query.terms)
            if selective:
                expression = " OR ".join(f'"{term}"' for term in selective)
                matching = [
                    row[0]
                    for row in connection.execute(
                        "SELECT p.id FROM passage_terms JOIN passages AS p "
                        "ON p.id = passage_terms.rowid "
                        "WHERE passage_terms MATCH ? AND p.owner_id = ? "
                        "ORDER BY bm25(passage_terms) LIMIT ?",
                        (expression, query.owner_id, query.candidates),
                    )
                ]
            fused = fuse([nearest, matching], query.top_k)
            if not fused:
                return []
            marks = ",".join("?" * len(fused))
            rows = {
                row[0]: row[1:]
                for row in connection.execute(
                    "SELECT id, document_id, document_name, position, text "  # noqa: S608
                    f"FROM passages WHERE id IN ({marks}) AND owner_id = ?",  # placeholders only
                    (*(item for item, _ in fused), query.owner_id),
                )
            }
            return [
                Hit(document_id, name, position, text, score)
                for item, score in fused
                if item in rows
                for document_id, name, position, text in [rows[item]]
            ]

        return await self._run(search)

    async def passages(self, *, owner_id: str, document_id: str) -> list[str]:
        def select(connection: apsw.Connection) -> list[str]:
            return [
                row[0]
                for row in connection.execute(
                    "SELECT text FROM passages WHERE owner_id = ? AND document_id = ? "
                    "ORDER BY position",
                    (owner_id, document_id),
                )
            ]

        return await self._run(select)

    async def delete_document(self, *, owner_id: str, document_id: str) -> None:
        def delete(connection: apsw.Connection) -> None:
            with connection:
                ids = [
                    (row[0],)
                    for row in connection.execute(
                        "SELECT id FROM passages WHERE owner_id = ? AND document_id = ?",
                        (owner_id, document_id),
                    )
                ]
                connection.executemany("DELETE FROM passage_vectors WHERE rowid = ?", ids)
                connection.executemany("DELETE FROM passage_terms WHERE rowid = ?", ids)
                connection.executemany("DELETE FROM passages WHERE id = ?", ids)

        await self._run(delete)

    def readiness_check(self) -> ReadinessCheck:
        async def probe() -> dict[str, Any]:
            def version(connection: apsw.Connection) -> Any:
                row = connection.execute("SELECT vec_version()").fetchone()
                return row[0] if row else None

            return {"backend": self.name, "version": await self._run(version)}

        return ReadinessCheck("vector_store", probe)

    async def aclose(self) -> None:
        async with self._lock:
            await anyio.to_thread.run_sync(self._connection.close)


def _selective_terms(connection: apsw.Connection, terms: Sequence[str]) -> list[str]:
    """The query's terms that narrow the search down (see COMMON_TERM_SHARE)."""
    if not terms:
        return []
    marks = ",".join("?" * len(terms))
    counts = dict(
        connection.execute(
            f"SELECT term, doc FROM passage_term_counts WHERE term IN ({marks})",  # noqa: S608
            tuple(terms),
        )
    )
    present = sorted((term for term in terms if term in counts), key=counts.__getitem__)
    row = connection.execute("SELECT max(id) FROM passages").fetchone()
    total = row[0] if row and row[0] else 0
    selective = [term for term in present if counts[term] <= total * COMMON_TERM_SHARE]
    return selective or present[:RARE_TERMS_KEPT]


def _check_dimensions(connection: apsw.Connection, path: str, dimensions: int) -> None:
    connection.execute(
        "INSERT OR IGNORE INTO store_settings (key, value) VALUES ('dimensions', ?)",
        (str(dimensions),),
    )
    row = connection.execute("SELECT value FROM store_settings WHERE key = 'dimensions'").fetchone()
    stored = int(row[0]) if row else dimensions
    if stored != dimensions:
        raise RuntimeError(
            f"{path} holds {stored}-dimensional vectors but EMBEDDING_DIMENSIONS is "
            f"{dimensions}: set it back, or move the file away and upload the documents again"
        )


@asynccontextmanager
async def open_vector_store(settings: Settings, _engine: AsyncEngine) -> AsyncIterator[VectorStore]:
    """Its own files (or server), beside the service's database."""
    store = await SqliteVecStore.open(
        settings.vector_db_path, dimensions=settings.embedding_dimensions
    )
    try:
        yield store
    finally:
        await store.aclose()
