"""Sign-in and registration abuse: failed sign-ins are limited per account and per address
(a lock-out that ends by itself, as the failures age out of their window), and so are new
accounts per address. Counted where the rate limits are (memory or Redis)."""

from collections.abc import Awaitable

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app.limits.quota import Quota, QuotaExceeded
from app.settings import Settings


class AccountThrottle:
    def __init__(self, storage: Storage, settings: Settings) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        minutes = settings.login_lockout_minutes
        self._per_account = RateLimitItemPerMinute(
            settings.login_attempts_per_account, minutes, namespace="login-account"
        )
        self._per_address = RateLimitItemPerMinute(
            settings.login_attempts_per_address, minutes, namespace="login-address"
        )
        self._registrations = RateLimitItemPerHour(
            settings.registrations_per_address_per_hour, namespace="register"
        )

    async def before_sign_in(self, account: str, address: str) -> None:
        """Refuses (429) while either has failed too often, before any password is hashed."""
        for item, key in ((self._per_account, account), (self._per_address, address)):
            if not await self._passes(self._limiter.test(item, key)):
                await self._refuse(item, key, "Too many failed sign-ins; retry later")

    async def failed_sign_in(self, account: str, address: str) -> None:
        await self._passes(self._limiter.hit(self._per_account, account))
        await self._passes(self._limiter.hit(self._per_address, address))

    async def signed_in(self, account: str) -> None:
        """Failures of this account are forgiven; its address's are not."""
        await self._passes(self._limiter.clear(self._per_account, account))

    async def before_registration(self, address: str) -> None:
        if not await self._passes(self._limiter.hit(self._registrations, address)):
            await self._refuse(self._registrations, address, "Too many new accounts; retry later")

    async def _refuse(self, item: RateLimitItem, key: str, message: str) -> None:
        stats = await self._limiter.get_window_stats(item, key)
        raise QuotaExceeded(Quota(item.namespace, item.amount, 0, stats.reset_time), message)

    @staticmethod
    async def _passes(operation: Awaitable[bool | None]) -> bool:
        """A storage failure lets the request through (the password check still applies)."""
        try:
            result = await operation
        except StorageError:
            return True
        return result is not False
