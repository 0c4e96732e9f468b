"""What a limit says about one owner right now, and the 429 it answers when it is spent."""

import math
import time
from dataclasses import dataclass

from app.core.errors import ApiError


@dataclass(frozen=True, slots=True)
class Quota:
    """One limit of one owner: how much the window allows, how much is left, when it resets."""

    name: str  # requests_per_minute, tokens_per_day, cost_per_day
    limit: float
    remaining: float
    reset_at: float  # seconds since the epoch

    def headers(self) -> dict[str, str]:
        retry_after = max(1, math.ceil(self.reset_at - time.time()))
        return {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": _number(self.limit),
            "X-RateLimit-Remaining": _number(max(0.0, self.remaining)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


class QuotaExceeded(ApiError):
    """A 429 that says which limit, and when to come back."""

    def __init__(self, quota: Quota, message: str) -> None:
        super().__init__(429, message, headers=quota.headers())
        self.quota = quota


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}"
