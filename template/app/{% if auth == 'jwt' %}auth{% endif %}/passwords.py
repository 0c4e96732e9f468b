"""Passwords: a policy everyone's must meet, and Argon2 hashing (pwdlib) off the event loop.

A hash takes tens of milliseconds of CPU and tens of megabytes of memory, so only a few run at
once: a flood of sign-ins queues here (briefly, then 503) instead of exhausting memory or
starving the rest of the service. Its cost comes from the settings (PASSWORD_HASH_*); a stored
hash carries the parameters it was made with, so a changed cost applies to new passwords, and
to an existing one at its owner's next sign-in.
"""

import os
from collections.abc import Callable
from functools import cache
from typing import TypeVar

import anyio
import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.errors import ApiError
from app.settings import Settings

T = TypeVar("T")

MIN_LENGTH = 10
MAX_LENGTH = 128
QUEUE_TIMEOUT_SECONDS = 10.0
# The most used passwords that pass the length rule (a full list would be a data file).
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password12",
        "password123",
        "passw0rd",
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "qwerty1234",
        "qwerty12345",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "administrator",
        "admin12345",
        "changeme123",
        "abcdefghij",
        "abc1234567",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "dragon1234",
        "monkey1234",
        "superman123",
        "trustno1234",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
    }
)

_hashing = anyio.CapacityLimiter(max(1, min(4, os.cpu_count() or 1)))


def password_problem(password: str, *, email: str = "") -> str | None:
    """What is wrong with `password`, in words for its owner; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "too common or too simple; choose a passphrase of your own"
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        return "must not contain your email address"
    return None


@cache
def argon2(*, memory_kib: int, iterations: int, parallelism: int) -> PasswordHash:
    """Argon2id at this cost, built once per cost."""
    hasher = Argon2Hasher(time_cost=iterations, memory_cost=memory_kib, parallelism=parallelism)
    return PasswordHash((hasher,))


def hasher_for(settings: Settings) -> PasswordHash:
    """Argon2 at the cost the settings name."""
    return argon2(
        memory_kib=settings.password_hash_memory_kib,
        iterations=settings.password_hash_iterations,
        parallelism=settings.password_hash_parallelism,
    )


@cache
def _dummy_hash(hasher: PasswordHash) -> str:
    """Verified against when the email is unknown, so timing does not reveal who is registered."""
    return hasher.hash("not-a-real-password")


async def hash_password(password: str, settings: Settings) -> str:
    return await _bounded(hasher_for(settings).hash, password)


async def verify_password(
    password: str, hashed: str | None, settings: Settings
) -> tuple[bool, str | None]:
    """Whether `password` matches `hashed`, and a new hash when `hashed` was made at another
    cost than the settings' (to store in its place)."""
    hasher = hasher_for(settings)
    target = hashed if hashed is not None else _dummy_hash(hasher)
    matches, renewed = await _bounded(hasher.verify_and_update, password, target)
    return matches and hashed is not None, renewed


async def _bounded(function: Callable[..., T], *args: str) -> T:
    with anyio.move_on_after(QUEUE_TIMEOUT_SECONDS) as waiting:
        await _hashing.acquire()
    if waiting.cancelled_caught:
        raise ApiError(
            503, "Too many sign-ins at once; retry shortly", headers={"Retry-After": "2"}
        )
    try:
        return await anyio.to_thread.run_sync(function, *args)
    finally:
        _hashing.release()
