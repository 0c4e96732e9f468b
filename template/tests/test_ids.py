"""Ids: unique, unguessable, time-ordered (so new rows append to the index), and never shared
between a process and its forked children."""

import os
import re
import time
import warnings

from app.core.ids import new_id
from app.core.randomness import RandomBytes, random_hex

HEX_32 = re.compile(r"^[0-9a-f]{32}$")


def test_ids_are_32_hex_digits_and_unique() -> None:
    ids = {new_id() for _ in range(20_000)}
    assert len(ids) == 20_000
    assert all(HEX_32.match(value) for value in ids)


def test_ids_sort_by_creation_time() -> None:
    earlier = [new_id() for _ in range(50)]
    time.sleep(0.002)  # the time part has millisecond resolution
    later = new_id()
    assert all(value < later for value in earlier)
    assert abs(int(later[:12], 16) / 1000 - time.time()) < 5  # milliseconds since the epoch


def test_random_hex_draws_fresh_bytes_across_refills() -> None:
    source = RandomBytes(chunk_size=64)
    draws = [source.hex(10) for _ in range(100)]  # ~16 refills of the 64-byte buffer
    assert len(set(draws)) == 100
    assert all(len(draw) == 20 for draw in draws)
    assert len(source.hex(100)) == 200  # more than one buffer: read directly
    assert len(random_hex(16)) == 32


def test_a_forked_child_never_repeats_its_parents_bytes() -> None:
    random_hex(16)  # the parent's buffer is filled before the fork
    reader, writer = os.pipe()
    with warnings.catch_warnings():  # Python 3.12+ warns about forking a threaded process
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:
        try:
            os.write(writer, random_hex(16).encode())
        finally:
            os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    from_child = os.read(reader, 64).decode()
    os.close(reader)
    assert len(from_child) == 32
    assert from_child != random_hex(16)
