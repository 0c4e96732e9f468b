"""Identifiers: conversation, user and document ids; request and completion ids."""

import secrets
import time


def new_id() -> str:
    """32 hex digits: the time in milliseconds (48 bits), then 80 random bits.

    UUIDv7's layout: new rows land at the end of the primary-key index rather than on a
    random page, so inserts stay cheap and indexes compact; 80 random bits keep ids
    unguessable. The creation time is readable from the id (as `created_at` is in the API).
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def random_hex(size: int) -> str:
    """`size` random bytes as 2 * `size` hex digits, for ids nothing is ordered by."""
    return secrets.token_hex(size)
