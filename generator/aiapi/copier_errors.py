"""Turn Copier's exceptions into one-line AiapiErrors.

Copier's validators raise a plain `ValueError("Validation error for question 'k': <msg>")`;
the message is rebuilt here to name the key, the value and the rendered advice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aiapi.errors import FAILED, INTERRUPTED, NO_TTY, USAGE, AiapiError
from aiapi.questions import TemplateConfig

_DOWNGRADE = re.compile(r"downgrading from (?P<old>\S+) to (?P<new>\S+?)\.?\s")
_VALIDATION = re.compile(r"Validation error for question '(?P<key>[^']+)':\s*(?P<advice>.*)", re.S)


def validation_message(
    error: ValueError,
    config: TemplateConfig,
    given: Mapping[str, Any],
    known_defaults: Mapping[str, Any],
) -> str:
    match = _VALIDATION.search(str(error))
    if match is None:
        return str(error)
    key, advice = match["key"], " ".join(match["advice"].split())
    if key in given:
        return f"{key}={given[key]!r} is not allowed: {advice}"
    question = config.questions.get(key)
    option = f"; pass {question.option}" if question is not None else ""
    if key in known_defaults:
        return f"{key}={known_defaults[key]!r} (the default) is not allowed: {advice}{option}"
    return f"{key} (its default value) is not allowed: {advice}{option}"


@contextmanager
def translated(
    config: TemplateConfig,
    given: Mapping[str, Any],
    *,
    interrupted: str,
    known_defaults: Mapping[str, Any] | None = None,
) -> Iterator[None]:
    """Re-raise what Copier raises inside the block as AiapiError (Copier is imported here)."""
    from copier.errors import CopierError, InteractiveSessionError, UserMessageError

    try:
        yield
    except KeyboardInterrupt:  # includes Copier's CopierAnswersInterrupt
        raise AiapiError(interrupted, INTERRUPTED) from None
    except InteractiveSessionError:
        raise AiapiError(NO_TTY, USAGE) from None
    except UserMessageError as error:
        message = str(error)
        downgrade = _DOWNGRADE.search(message + " ")
        if downgrade:
            raise AiapiError(
                f"this project was made by a newer aiapi (template {downgrade['old']}; this one "
                f"has {downgrade['new']}); upgrade aiapi (pip install -U aiapi) to update it",
                USAGE,
            ) from None
        raise AiapiError(message, FAILED) from None
    except ValueError as error:
        raise AiapiError(
            validation_message(error, config, given, known_defaults or {}), USAGE
        ) from None
    except CopierError as error:
        raise AiapiError(f"Copier failed: {error}", FAILED) from None
