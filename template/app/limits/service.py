"""Rate limits and daily budgets, per owner: admitting a request, reserving and settling a
model call, and what is left.

Limits protect the service, so they never take it down: should their storage (Redis) fail,
requests are admitted, the failure is logged once per minute and counted in /metrics.
"""

import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import anyio
from limits.aio.storage import Storage
from limits.errors import StorageError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.errors import is_database_unavailable
from app.core.metrics import Metrics
from app.limits.budget import DailyBudget, Reservation
from app.limits.models import OwnerBudget
from app.limits.quota import Quota, QuotaExceeded
from app.limits.rate import RequestRate
from app.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

OVERRIDE_TTL_SECONDS = 30.0
SETTLE_TIMEOUT_SECONDS = 5.0
MICRO = 1e-6


class Caller(Protocol):
    """Whose limits: budgets are set per owner id, counted per quota key (the same thing
    except where every caller shares one owner, and the client's address counts)."""

    @property
    def id(self) -> str: ...

    @property
    def quota_key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Budgets:
    """Per day; 0 means no limit."""

    tokens_per_day: int
    cost_per_day: float


@dataclass(frozen=True, slots=True)
class Spend:
    """What one model call reserved, to be settled once it is done."""

    tokens: Reservation | None = None
    cost: Reservation | None = None


@dataclass(frozen=True, slots=True)
class LimitsStatus:
    requests_per_minute: Quota | None
    tokens_per_day: Quota | None
    cost_per_day: Quota | None


class Limits:
    def __init__(
        self,
        storage: Storage,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        metrics: Metrics,
    ) -> None:
        self.storage = storage  # also counts sign-in attempts, where there are accounts
        per_minute = settings.rate_limit_per_minute
        self._rate = RequestRate(storage, per_minute) if per_minute else None
        self._tokens = DailyBudget(storage, "tokens_per_day")
        self._cost = DailyBudget(storage, "cost_per_day", unit=MICRO)
        self._defaults = Budgets(settings.token_budget_per_day, settings.cost_budget_per_day)
        self._sessionmaker = sessionmaker
        self._overrides: dict[str, tuple[float, OwnerBudget | None]] = {}
        self._rejections = metrics.rate_limit_rejections
        self._unavailable = metrics.limits_unavailable
        self._last_warning = 0.0

    async def admit(self, owner: Caller) -> None:
        """Counts one request against the owner's rate limit (429 beyond it)."""
        if self._rate is not None:
            await self._guarded(self._rate.admit(owner.quota_key), "requests_per_minute")

    async def reserve(self, owner: Caller, *, tokens: int, cost: float) -> Spend:
        """Reserves a model call's largest possible spend (429 if it does not fit today)."""
        budgets = await self.budgets_for(owner)
        key = owner.quota_key
        token_reservation = None
        if budgets.tokens_per_day:
            token_reservation = await self._guarded(
                self._tokens.reserve(key, tokens, budgets.tokens_per_day), "tokens_per_day"
            )
        cost_reservation = None
        if budgets.cost_per_day:
            try:
                cost_reservation = await self._guarded(
                    self._cost.reserve(key, cost, budgets.cost_per_day), "cost_per_day"
                )
            except QuotaExceeded:
                await self.settle(Spend(token_reservation), tokens=0, cost=0.0)
                raise
        return Spend(token_reservation, cost_reservation)

    async def settle(self, spend: Spend, *, tokens: int, cost: float) -> None:
        """Replaces what `spend` reserved by what the call really used (0, 0 to release it).

        Shielded: it also runs for a call whose client went away (a cancelled task).
        """
        with anyio.move_on_after(SETTLE_TIMEOUT_SECONDS, shield=True):
            if spend.tokens is not None:
                await self._guarded(self._tokens.settle(spend.tokens, tokens), "tokens_per_day")
            if spend.cost is not None:
                await self._guarded(self._cost.settle(spend.cost, cost), "cost_per_day")

    async def status(self, owner: Caller) -> LimitsStatus:
        budgets = await self.budgets_for(owner)
        key = owner.quota_key
        rate = tokens = cost = None
        if self._rate is not None:
            rate = await self._guarded(self._rate.status(key), "status")
        if budgets.tokens_per_day:
            tokens = await self._guarded(self._tokens.status(key, budgets.tokens_per_day), "status")
        if budgets.cost_per_day:
            cost = await self._guarded(self._cost.status(key, budgets.cost_per_day), "status")
        return LimitsStatus(requests_per_minute=rate, tokens_per_day=tokens, cost_per_day=cost)

    async def budgets_for(self, owner: Caller) -> Budgets:
        override = await self._override(owner.id)
        if override is None:
            return self._defaults
        tokens, cost = override.tokens_per_day, override.cost_per_day
        return Budgets(
            tokens_per_day=self._defaults.tokens_per_day if tokens is None else tokens,
            cost_per_day=self._defaults.cost_per_day if cost is None else cost,
        )

    async def set_budget(
        self, owner_id: str, *, tokens_per_day: int | None, cost_per_day: float | None
    ) -> None:
        async with self._sessionmaker() as session:
            row = await session.get(OwnerBudget, owner_id)
            if row is None:
                row = OwnerBudget(owner_id=owner_id)
                session.add(row)
            row.tokens_per_day = tokens_per_day
            row.cost_per_day = cost_per_day
            await session.commit()
        self._overrides.pop(owner_id, None)

    async def _override(self, owner_id: str) -> OwnerBudget | None:
        """An administrator's budget for this owner; read at most every 30 s per process.
        With the database unavailable, the last one read (or the defaults) apply."""
        cached = self._overrides.get(owner_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            async with self._sessionmaker() as session:
                row = await session.get(OwnerBudget, owner_id)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            self._storage_failed()
            return cached[1] if cached is not None else None
        self._overrides[owner_id] = (now + OVERRIDE_TTL_SECONDS, row)
        return row

    async def _guarded(self, operation: Awaitable[T], limit: str) -> T | None:
        """Runs a storage operation: a refusal is counted; a storage failure admits (None)."""
        try:
            return await operation
        except QuotaExceeded:
            self._rejections.labels(limit).inc()
            raise
        except StorageError:
            self._storage_failed()
            return None

    def _storage_failed(self) -> None:
        self._unavailable.inc()
        now = time.monotonic()
        if now - self._last_warning > 60:
            self._last_warning = now
            logger.warning("rate limit storage unavailable: requests are not limited")
