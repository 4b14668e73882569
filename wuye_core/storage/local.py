"""Files under a directory: the embedded default (`instance/uploads`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from .base import CHUNK_SIZE, CountingReader, SizeMismatch
from .keys import InvalidKey, check_key

DEFAULT_ROOT = Path("instance") / "uploads"


class LocalStorage:
    def __init__(self, root: Path | str = DEFAULT_ROOT):
        # Absolute now, so a later chdir does not move the files.
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*check_key(key).split("/"))
        # The key is clean; this catches a symlink inside the root that points out of it.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidKey(f"storage key leaves the storage root: {key!r}")
        return path

    def put(self, key: str, stream: BinaryIO, content_type: str, size: int) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory (same file system, so os.replace is atomic); its name
        # starts with a dot, which no key segment may, so it can never be mistaken for an object.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                reader = CountingReader(stream)
                shutil.copyfileobj(reader, out, CHUNK_SIZE)
                if reader.count != size:
                    raise SizeMismatch(f"expected {size} bytes, read {reader.count}")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except IsADirectoryError:  # a prefix of real keys is not an object
            raise FileNotFoundError(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()
