"""Daily budgets per owner (tokens, and money in the price table's currency).

A call reserves what it may spend before it starts, and settles with what it really spent
once it is done, so a burst of concurrent calls cannot overspend: each reservation is added
to the shared count atomically, and one that lands past the budget is taken back and refused.
The window is a day from the owner's first call in it (a fixed window of the `limits` storage).
"""

from dataclasses import dataclass

from limits.aio.storage import Storage

from app.limits.quota import Quota, QuotaExceeded

DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class Reservation:
    key: str
    amount: int


class DailyBudget:
    """Counts whole units: tokens, or millionths of the currency for money."""

    def __init__(self, storage: Storage, name: str, *, unit: float = 1.0) -> None:
        self._storage = storage
        self.name = name
        self._unit = unit

    def units(self, value: float) -> int:
        return max(0, round(value / self._unit))

    async def reserve(self, key: str, amount: float, limit: float) -> Reservation:
        """Raises `QuotaExceeded` (429) when `amount` does not fit in what is left today."""
        units, limit_units = self.units(amount), self.units(limit)
        storage_key = self._key(key)
        used = await self._storage.incr(storage_key, DAY_SECONDS, units)
        if used > limit_units:
            await self._storage.incr(storage_key, DAY_SECONDS, -units)
            quota = await self.status(key, limit)
            raise QuotaExceeded(quota, f"Daily budget reached: {self.name.replace('_', ' ')}")
        return Reservation(storage_key, units)

    async def settle(self, reservation: Reservation, spent: float) -> None:
        """Replaces the reservation by what was really spent (more or less)."""
        difference = self.units(spent) - reservation.amount
        if difference:
            used = await self._storage.incr(reservation.key, DAY_SECONDS, difference)
            if used < 0:  # the day ended between the reservation and now
                await self._storage.incr(reservation.key, DAY_SECONDS, -used)

    async def status(self, key: str, limit: float) -> Quota:
        storage_key = self._key(key)
        used = await self._storage.get(storage_key) * self._unit
        return Quota(self.name, limit, limit - used, await self._storage.get_expiry(storage_key))

    def _key(self, key: str) -> str:
        return f"budget/{self.name}/{key}"
