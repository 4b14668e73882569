"""The interface every storage backend offers."""

from __future__ import annotations

from typing import BinaryIO, Protocol, runtime_checkable

CHUNK_SIZE = 64 * 1024


class SizeMismatch(ValueError):
    """put() read a different number of bytes than it was told: nothing was stored."""


@runtime_checkable
class Storage(Protocol):
    """Objects addressed by keys from `new_key()`.

    - `put` stores exactly `size` bytes read from `stream` (from its current position), or
      nothing: readers never see a half-written object. An existing key is replaced.
    - `open` returns a binary file-like object (close it; `with` works); a missing key raises
      FileNotFoundError.
    - `delete` of a missing key is not an error (retried jobs delete twice).
    - Every method raises InvalidKey for a key that is not one of ours.
    """

    def put(self, key: str, stream: BinaryIO, content_type: str, size: int) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class CountingReader:
    """Wraps a stream and counts what was read, so put() can check `size`."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.count += len(data)
        return data
