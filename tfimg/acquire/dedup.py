"""Which downloaded images were seen before: identical bytes (sha256) or, optionally, the same
picture re-encoded or resized (difference hashes at most `PHASH_DISTANCE` bits apart).

Near hashes are found without comparing against every hash seen: each 64-bit hash is cut into
`PHASH_DISTANCE + 1` pieces, and two hashes at most `PHASH_DISTANCE` bits apart agree exactly on
at least one piece (pigeonhole), so only hashes sharing a piece are compared.

Plain Python; thread-safe.
"""

import threading

PHASH_DISTANCE = 4
_PIECES = [(start, min(start + 13, 64)) for start in range(0, 64, 13)]  # 5 pieces of 64 bits


class SeenImages:
    """First paths of the images kept so far, by sha256 and by difference hash."""

    def __init__(self):
        self._by_sha256 = {}
        self._by_piece = {}  # (piece number, piece value) -> [(hash, path)]
        self._lock = threading.Lock()

    def _pieces(self, value):
        return [(i, value >> start & ((1 << (end - start)) - 1))
                for i, (start, end) in enumerate(_PIECES)]

    def _near(self, phash):
        value = int(phash, 16)
        for piece in self._pieces(value):
            for other, path in self._by_piece.get(piece, ()):
                if bin(value ^ other).count("1") <= PHASH_DISTANCE:
                    return path
        return None

    def claim(self, sha256, phash, path):
        """The path of an earlier copy of this image, or None after recording `path` as the
        first one (hashes are recorded atomically: of two copies arriving at once, one wins)."""
        with self._lock:
            original = self._by_sha256.get(sha256) or (phash and self._near(phash))
            if original:
                return original
            self.add(sha256, phash, path)
            return None

    def add(self, sha256, phash, path):
        """Records an image kept in an earlier run."""
        self._by_sha256.setdefault(sha256, path)
        if phash:
            value = int(phash, 16)
            for piece in self._pieces(value):
                self._by_piece.setdefault(piece, []).append((value, path))
