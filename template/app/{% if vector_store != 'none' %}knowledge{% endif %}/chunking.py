"""Passages cut along the document's own structure: sections (headings), then paragraphs,
then sentences (Chinese and Japanese punctuation included), then, for a run-on sentence, plain
length. Passages are at most `max_chars` long, start with their section's heading path, and
repeat the end of the previous passage of the same section (`overlap_chars`), so a fact cut at
a boundary is still whole in one of them."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# After . ! ? ; : and a space, or right after their full-width forms (Chinese and Japanese
# text puts no space there), the ideographic full stop and the ellipsis.
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|(?<=[\u3002\uff01\uff1f\uff1b\uff1a\u2026])")
_LINE_BREAK = re.compile(r"\s*\n\s*")


@dataclass(frozen=True, slots=True)
class Section:
    headings: tuple[str, ...]
    body: str


def sections(text: str, *, structured: bool) -> Iterator[Section]:
    """Markdown headings open sections (only in structured kinds: Markdown and Word)."""
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    for line in text.split("\n"):
        heading = _HEADING.match(line) if structured else None
        if heading is None:
            lines.append(line)
            continue
        yield Section(tuple(title for _, title in stack), "\n".join(lines))
        lines = []
        level = len(heading.group(1))
        stack = [*(item for item in stack if item[0] < level), (level, heading.group(2))]
    yield Section(tuple(title for _, title in stack), "\n".join(lines))


def units(body: str, max_chars: int) -> Iterator[str]:
    """Paragraphs that fit; longer ones as sentences; longer sentences as slices."""
    for raw in _PARAGRAPH_BREAK.split(body):
        paragraph = _LINE_BREAK.sub(" ", raw).strip()
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            yield paragraph
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = sentence.strip()
            for start in range(0, len(sentence), max_chars):
                yield sentence[start : start + max_chars]


def chunk_text(text: str, *, structured: bool, max_chars: int, overlap_chars: int) -> list[str]:
    chunks: list[str] = []
    for section in sections(text, structured=structured):
        prefix = " > ".join(section.headings)
        prefix = prefix[: max_chars // 4] + "\n" if prefix else ""
        budget = max_chars - len(prefix)
        current: list[str] = []
        size = 0
        for unit in units(section.body, budget):
            if current and size + len(unit) + 1 > budget:
                chunks.append(prefix + "\n".join(current))
                current = _tail(current, overlap_chars)
                size = sum(len(part) + 1 for part in current)
                if size + len(unit) + 1 > budget:
                    current, size = [], 0
            current.append(unit)
            size += len(unit) + 1
        if current:
            chunks.append(prefix + "\n".join(current))
    return chunks


def _tail(parts: list[str], limit: int) -> list[str]:
    """The last parts of a passage that together fit in `limit` characters."""
    kept: list[str] = []
    size = 0
    for part in reversed(parts):
        if size + len(part) + 1 > limit:
            break
        kept.insert(0, part)
        size += len(part) + 1
    return kept
