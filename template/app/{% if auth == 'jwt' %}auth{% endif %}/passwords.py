"""Password hashing with Argon2 (pwdlib), off the event loop: a hash takes tens of ms of CPU."""

from functools import cache

import anyio.to_thread
from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so timing does not reveal who is registered."""
    return _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password: str, hashed: str | None) -> bool:
    target = hashed if hashed is not None else _dummy_hash()
    matches = await anyio.to_thread.run_sync(_hasher.verify, password, target)
    return matches and hashed is not None
