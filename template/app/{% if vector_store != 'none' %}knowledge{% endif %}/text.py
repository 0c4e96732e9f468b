"""Bytes to text in whatever encoding they came in: UTF-8 first, then charset-normalizer's
best guess (GBK, Big5, Shift-JIS, Latin-1, UTF-16, ...)."""

from charset_normalizer import from_bytes


def decode_text(content: bytes) -> str | None:
    """The text, or None when no encoding explains the bytes."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content).best()
    return None if best is None else str(best)
