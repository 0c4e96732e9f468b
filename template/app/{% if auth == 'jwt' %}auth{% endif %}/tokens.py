"""Access tokens (short-lived HS256 JWTs naming their session) and refresh tokens (opaque,
random, stored only as digests)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt

from app.core.clock import utcnow

ALGORITHM = "HS256"
LEEWAY_SECONDS = 5  # clocks of several replicas never agree to the second


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    session_id: str


def create_access_token(*, user_id: str, session_id: str, secret: str, lifetime: timedelta) -> str:
    now = utcnow()
    claims = {"sub": user_id, "sid": session_id, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_access_token(token: str, *, secret: str, max_lifetime: timedelta) -> AccessClaims | None:
    """The token's claims, or None when it is forged, expired, malformed, issued in the
    future, or made to live longer than this service ever issues (a leaked secret's forgery)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "sid"]},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.PyJWTError:
        return None
    user_id, session_id = claims.get("sub"), claims.get("sid")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not (isinstance(user_id, str) and isinstance(session_id, str)):
        return None
    if not (isinstance(issued, int | float) and isinstance(expires, int | float)):
        return None
    if expires - issued > max_lifetime.total_seconds() + LEEWAY_SECONDS:
        return None
    return AccessClaims(user_id, session_id)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
