"""User and token bodies."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field


class UserCreate(BaseModel):
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)


class UserPublic(BaseModel):
    id: str
    email: str
    role: Literal["user", "admin"]
    is_active: bool
    created_at: datetime


class Token(BaseModel):
    """OAuth2's own shape (not the envelope), so OAuth2 clients and Swagger's Authorize work."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int
