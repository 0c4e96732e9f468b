"""Signed, short-lived access tokens (HS256 JWTs)."""

from datetime import timedelta

import jwt

from app.core.clock import utcnow

ALGORITHM = "HS256"


def create_access_token(*, subject: str, secret: str, expires_minutes: int) -> str:
    now = utcnow()
    claims = {"sub": subject, "iat": now, "exp": now + timedelta(minutes=expires_minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def subject_of(token: str, *, secret: str) -> str | None:
    """The token's user id, or None when it is forged, expired or malformed."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
