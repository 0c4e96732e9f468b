"""API key bodies: the key itself is shown once, at creation."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["user", "admin"] = "user"


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    prefix: str
    role: Literal["user", "admin"]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(BaseModel):
    id: str
    key: str


class ApiKeysPublic(BaseModel):
    items: list[ApiKeyPublic]
    count: int
