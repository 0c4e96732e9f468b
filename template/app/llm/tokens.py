"""A dependency-free token estimate, for budgets and for usage the provider never reported.

Exact counts need the provider's tokenizer (and its data files, fetched at run time); this
stays offline. Words and punctuation count one each and long words one per four characters,
which tracks BPE tokenizers on English text within a few percent.
"""

import re
from collections.abc import Iterable

_PIECES = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    return sum((len(piece) + 3) // 4 for piece in _PIECES.findall(text))


def estimate_messages_tokens(contents: Iterable[str]) -> int:
    """Each message also costs a few tokens of framing (role, separators)."""
    return sum(estimate_tokens(content) + 4 for content in contents)
