"""Who is calling: the owner of conversations, documents and usage."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Owner:
    id: str
    is_admin: bool = False
