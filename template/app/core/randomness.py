"""Random hex strings for ids, drawn from the OS's generator a few kilobytes at a time.

`os.urandom` is one system call per call, and on a busy virtual machine a system call costs
microseconds; every request needs two ids (its request id and, for a chat turn, a
conversation id). Reading 4 KiB at a time makes that one call per ~150 requests. The bytes
are the same cryptographic randomness, handed out once each: the buffer is locked across
threads and dropped in a forked child, so two processes never share it.
"""

import os
import threading


class RandomBytes:
    def __init__(self, chunk_size: int = 4096) -> None:
        self._chunk_size = chunk_size
        self._lock = threading.Lock()
        self._buffer = b""
        self._position = 0
        os.register_at_fork(after_in_child=self._drop)

    def hex(self, size: int) -> str:
        """`size` random bytes as 2 * `size` hex digits."""
        if size > self._chunk_size:
            return os.urandom(size).hex()
        with self._lock:
            start = self._position
            if start + size > len(self._buffer):
                self._buffer, start = os.urandom(self._chunk_size), 0
            self._position = start + size
            return self._buffer[start : start + size].hex()

    def _drop(self) -> None:
        self._lock = threading.Lock()
        self._buffer, self._position = b"", 0


random_hex = RandomBytes().hex
