"""Identifiers: conversation, user and document ids, request ids."""

import time

from app.core.randomness import random_hex


def new_id() -> str:
    """32 hex digits: the time in milliseconds (48 bits), then 80 random bits.

    UUIDv7's layout: new rows land at the end of the primary-key index rather than on a
    random page, so inserts stay cheap and indexes compact; 80 random bits keep ids
    unguessable. The creation time is readable from the id (as `created_at` is in the API).
    """
    return f"{time.time_ns() // 1_000_000:012x}{random_hex(10)}"
