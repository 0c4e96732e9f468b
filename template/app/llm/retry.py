"""Retries with exponential backoff (and Retry-After) around one upstream call, using tenacity.

Each provider classifies its SDK's exceptions into a `Failure` (or None: not an upstream
problem, let it surface); this module decides whether to try again, with which key, and when.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from app.llm.base import LLMError
from app.llm.keys import KeyRing

T = TypeVar("T")

MAX_WAIT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class Failure:
    error: LLMError
    retryable: bool
    rotate_key: bool = False


class _RetryableFailure(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


class _Wait:
    """Exponential backoff with jitter, but never sooner than the provider's Retry-After."""

    def __init__(self, base_seconds: float) -> None:
        self._backoff = wait_exponential_jitter(
            multiplier=base_seconds, max=MAX_WAIT_SECONDS, jitter=base_seconds
        )

    def __call__(self, state: RetryCallState) -> float:
        delay = self._backoff(state)
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _RetryableFailure) and exc.failure.error.retry_after:
            delay = max(delay, min(exc.failure.error.retry_after, MAX_WAIT_SECONDS))
        return delay


async def call_with_retries(
    call: Callable[[str], Awaitable[T]],
    *,
    keys: KeyRing,
    classify: Callable[[Exception], Failure | None],
    max_retries: int,
    base_seconds: float,
) -> T:
    retrying = AsyncRetrying(
        stop=stop_after_attempt(max_retries + 1),
        wait=_Wait(base_seconds),
        retry=retry_if_exception_type(_RetryableFailure),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                key = keys.current
                try:
                    return await call(key)
                except Exception as exc:
                    failure = classify(exc)
                    if failure is None:
                        raise
                    if failure.rotate_key:
                        keys.rotate_away_from(key)
                    if failure.retryable:
                        raise _RetryableFailure(failure) from exc
                    raise failure.error from exc
    except _RetryableFailure as exhausted:
        raise exhausted.failure.error from exhausted.__cause__
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
