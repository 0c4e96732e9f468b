"""API keys that take turns: a key that is rate limited or revoked hands over to the next."""

import logging

logger = logging.getLogger(__name__)


class KeyRing:
    def __init__(self, keys: list[str]) -> None:
        self._keys = keys or [""]
        self._index = 0

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def current(self) -> str:
        return self._keys[self._index]

    def rotate_away_from(self, failed: str) -> None:
        """Moves on only if `failed` is still current, so concurrent failures rotate once."""
        if len(self._keys) > 1 and self._keys[self._index] == failed:
            self._index = (self._index + 1) % len(self._keys)
            logger.warning("rotating to API key #%d of %d", self._index + 1, len(self._keys))
