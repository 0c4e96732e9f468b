"""User, token and session bodies."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field


class UserCreate(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=128)


class UserPublic(BaseModel):
    id: str
    email: str
    role: Literal["user", "admin"]
    is_active: bool
    created_at: datetime


class UsersPublic(BaseModel):
    items: list[UserPublic]
    count: int


class UserUpdate(BaseModel):
    """What an administrator may change of an account; a field left out stays as it is."""

    role: Literal["user", "admin"] | None = None
    is_active: bool | None = None


class Token(BaseModel):
    """OAuth2's own shape (not the envelope), so OAuth2 clients and Swagger's Authorize work."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int
    refresh_token: str


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)
