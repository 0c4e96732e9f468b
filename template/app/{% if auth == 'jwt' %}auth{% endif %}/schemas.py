"""User, token and session bodies."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, EmailStr, Field

from app.core.text import ClientModel, ClientText


class UserCreate(ClientModel):
    email: EmailStr = Field(max_length=320)
    password: ClientText = Field(min_length=1, max_length=128)


class UserPublic(BaseModel):
    id: str
    email: str
    role: Literal["user", "admin"]
    is_active: bool
    created_at: datetime


class UsersPublic(BaseModel):
    items: list[UserPublic]
    count: int


class UserUpdate(ClientModel):
    """What an administrator may change of an account; a field left out stays as it is."""

    role: Literal["user", "admin"] | None = None
    is_active: bool | None = None


class Token(BaseModel):
    """OAuth2's own shape (not the envelope), so OAuth2 clients and Swagger's Authorize work."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int
    refresh_token: str


class RefreshRequest(ClientModel):
    refresh_token: ClientText = Field(min_length=1, max_length=512)


class PasswordChange(ClientModel):
    current_password: ClientText = Field(min_length=1, max_length=128)
    new_password: ClientText = Field(min_length=1, max_length=128)


class SignInForm(OAuth2PasswordRequestForm):
    """OAuth2's password form (what Swagger's Authorize and OAuth2 clients send), its fields
    held to the rules of any other text a client sends."""

    def __init__(
        self,
        *,
        username: Annotated[ClientText, Form(min_length=1, max_length=320)],
        password: Annotated[ClientText, Form(min_length=1, max_length=128)],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[ClientText, Form(max_length=1000)] = "",
    ) -> None:
        super().__init__(username=username, password=password, grant_type=grant_type, scope=scope)
