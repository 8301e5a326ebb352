"""Writing a file whole or not at all, and digests of files' contents.

Every file the project writes that a reader (or a later build) relies on is written through
:func:`atomic_write`: to a temporary name beside it, then renamed over it, so a killed process
leaves the old file or the new one, never half of one. Digests are SHA-256 of the bytes, read in
chunks (data files can be large).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` with a temporary path beside ``path``, then move what it wrote into place.

    The temporary file is removed if ``write`` fails; ``path``'s folder is made if missing.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("whole")).read_text()
    'whole'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text to ``path`` whole or not at all."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: Path, data: bytes) -> Path:
    """Write bytes to ``path`` whole or not at all."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, as hexadecimal.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "empty"
    >>> _ = path.write_bytes(b"")
    >>> file_digest(path)[:16]  # the SHA-256 of nothing
    'e3b0c44298fc1c14'
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_digest(root: Path, patterns: Iterable[str], exclude: Iterable[str] = ()) -> str:
    """SHA-256 over the relative paths and contents of the files under ``root`` matching
    ``patterns``, in a fixed order; paths containing a part in ``exclude`` are left out."""
    skip = set(exclude)
    files = sorted(
        {p for pattern in patterns for p in root.rglob(pattern) if p.is_file()}
        - {p for p in root.rglob("*") if skip & set(p.relative_to(root).parts)}
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(file_digest(path).encode())
    return digest.hexdigest()
