"""The database, checked once at start-up: missing or unreachable is one clear line."""

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.startup import StartupError

# PostgreSQL's SQLSTATE codes for what a setting can fix.
NO_SUCH_DATABASE = "3D000"
LOGIN_REFUSED = {"28000", "28P01"}  # no such role, wrong password


async def require_database(engine: AsyncEngine) -> None:
    """Connects once, so a bad DATABASE_URL stops the start, not the first request."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError) as exc:
        raise StartupError(database_problem(engine.url, exc)) from exc


def database_problem(url: URL, exc: Exception) -> str:
    if url.get_backend_name() == "sqlite":
        reason = str(getattr(exc, "orig", exc))
        return f"Cannot open the SQLite database {url.database!r} ({reason}): check DATABASE_URL"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    code = getattr(getattr(exc, "orig", None), "pgcode", None)
    if code == NO_SUCH_DATABASE:
        create = f"createdb -h {url.host or 'localhost'} -p {url.port or 5432}"
        create += f" -U {url.username} {url.database}" if url.username else f" {url.database}"
        return (
            f'Database "{url.database}" does not exist on {where}: create it (`{create}`) '
            "or point DATABASE_URL at one that does"
        )
    if code in LOGIN_REFUSED:
        return (
            f"PostgreSQL at {where} refused user {url.username!r} "
            f"({getattr(exc, 'orig', exc)}): check the user and password in DATABASE_URL"
        )
    reason = str(getattr(exc, "orig", None) or exc)
    return f"Cannot reach PostgreSQL at {where} ({reason}): start it, or set DATABASE_URL"
