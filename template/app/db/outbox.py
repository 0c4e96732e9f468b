"""Writes that must never be lost, kept on local disk while the database cannot take them.

A model call costs money whether or not its usage row reaches the database. When it cannot
(the database is down), the row is appended to a file of this process's own under the outbox
folder, flushed to disk, and written to the database by `replay` once it answers again
(every OUTBOX_REPLAY_SECONDS, and at start-up, which also picks up what a stopped process left).

Each process appends to its own file and replays only files no live process writes to, so
several workers may share the folder without locks.
"""

import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import Column, DateTime, Table

from app.db.base import Base, UTCDateTime
from app.db.operations import Insert

logger = logging.getLogger(__name__)


class Outbox:
    def __init__(self, folder: str) -> None:
        self._folder = Path(folder)
        self._own = self._folder / f"{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        self._lock = anyio.Lock()

    async def keep(self, inserts: Sequence[Insert]) -> None:
        lines = "".join(
            json.dumps({"table": i.table.name, "rows": i.rows}, default=_encode) + "\n"
            for i in inserts
        )
        async with self._lock:
            await anyio.to_thread.run_sync(self._append, lines)
        logger.warning("database unavailable: %d row(s) kept in the outbox", len(inserts))

    async def pending(self) -> int:
        """How many inserts wait in this folder (all processes' files)."""
        return await anyio.to_thread.run_sync(self._count)

    async def replay(self, write: Callable[[Insert], Awaitable[object]]) -> int:
        """Writes what waits in the files no live process appends to; returns how many
        inserts were stored. A file is removed once everything in it is stored."""
        stored = 0
        async with self._lock:
            files = await anyio.to_thread.run_sync(self._replayable)
            for path in files:
                inserts = await anyio.to_thread.run_sync(_read, path)
                for insert in inserts:
                    await write(insert)
                    stored += 1
                await anyio.to_thread.run_sync(path.unlink)
        if stored:
            logger.info("outbox: %d kept row set(s) written to the database", stored)
        return stored

    def _append(self, lines: str) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        with self._own.open("a", encoding="utf-8") as file:
            file.write(lines)
            file.flush()
            os.fsync(file.fileno())

    def _replayable(self) -> list[Path]:
        """Our own file (renamed, so new rows go to a fresh one), and files of processes that
        are gone."""
        if not self._folder.is_dir():
            return []
        found: list[Path] = []
        for path in sorted(self._folder.glob("*.jsonl")):
            if path == self._own:
                closed = path.with_name(f"{path.stem}-{secrets.token_hex(4)}.replay.jsonl")
                path.rename(closed)
                found.append(closed)
            elif not _writer_alive(path):
                found.append(path)
        return found

    def _count(self) -> int:
        if not self._folder.is_dir():
            return 0
        return sum(
            1 for path in self._folder.glob("*.jsonl") for line in path.open() if line.strip()
        )


def _writer_alive(path: Path) -> bool:
    pid = path.name.split("-", 1)[0]
    if not pid.isdigit() or path.name.endswith(".replay.jsonl"):
        return False
    if int(pid) == os.getpid():
        return False  # a file of an earlier process that had our pid: ours is `self._own`
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot keep a {type(value).__name__} in the outbox")


def _read(path: Path) -> list[Insert]:
    inserts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        table = Base.metadata.tables[entry["table"]]
        inserts.append(Insert(table, [_decode(table, row) for row in entry["rows"]]))
    return inserts


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: datetime.fromisoformat(value)
        if isinstance(value, str) and _holds_datetimes(table.c[key])
        else value
        for key, value in row.items()
    }


def _holds_datetimes(column: Column[Any]) -> bool:
    return isinstance(column.type, DateTime | UTCDateTime)
