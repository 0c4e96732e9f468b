"""Ids: unique, unguessable, and time-ordered (so new rows append to the index)."""

import re
import time

from app.core.ids import new_id, random_hex

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


def test_random_hex_is_fresh_hex() -> None:
    drawn = {random_hex(16) for _ in range(1000)}
    assert len(drawn) == 1000
    assert all(len(value) == 32 and int(value, 16) >= 0 for value in drawn)
