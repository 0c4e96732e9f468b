"""API client and key bodies: a key itself is shown once, when it is issued."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import ClientId, ClientModel, ClientText


class ApiKeyCreate(ClientModel):
    """A key for a new client named `name`, or, with `client_id`, one more key for an existing
    client (to rotate: issue the new key, switch to it, then revoke the old one)."""

    # The schema says so too: a `client_id`, or else a `name` that is not blank.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["client_id"], "properties": {"client_id": {"type": "string"}}},
                {"required": ["name"], "properties": {"name": {"pattern": r"\S"}}},
            ]
        }
    )

    name: ClientText = Field(default="", max_length=100)
    role: Literal["user", "admin"] = "user"
    client_id: ClientId | None = Field(default=None, max_length=64)


class ApiKeyPublic(BaseModel):
    id: str
    client_id: str
    client_name: str
    prefix: str
    role: Literal["user", "admin"]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(BaseModel):
    id: str
    client_id: str
    key: str


class ApiKeysPublic(BaseModel):
    items: list[ApiKeyPublic]
    count: int
