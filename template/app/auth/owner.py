"""Who is calling: the owner of conversations, documents and usage."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Owner:
    id: str
    is_admin: bool = False
    # Whose rate limits and budgets a call counts against: the owner itself, except where
    # every caller is the same owner (no authentication), where it is the client's address.
    limit_key: str = ""

    @property
    def quota_key(self) -> str:
        return self.limit_key or self.id
