"""User-facing failures: one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

USAGE = 2  # bad input, as click and Copier's CLI use it
FAILED = 1  # the input was fine but the work failed
INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

NO_TTY = (
    "there is no terminal to ask the remaining questions; pass --yes to take the defaults, "
    "or give the answers as flags, --data KEY=VALUE or --answers FILE"
)


class AiapiError(Exception):
    """A problem the user can fix; `str(error)` is the whole message."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


@contextmanager
def reported() -> Iterator[None]:
    """Turn an AiapiError raised inside the block into `Error: ...` and an exit code."""
    try:
        yield
    except AiapiError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
