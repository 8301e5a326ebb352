"""What an input may be before it is read: a regular file or a folder of them, of a stated size,
read within a stated time (``data/reference/limits.yml``).

A device (``/dev/zero`` never ends), a pipe, a socket or a folder where a file is expected is
refused by name, before anything reads it; so is a file larger than the limit. A read that runs
past the time limit is stopped with a message naming the input.
"""

from __future__ import annotations

import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from csa_stats.errors import UserError
from csa_stats.reference.policy import load_limits

Kind = Literal["file", "folder", "file or folder"]


class InputError(UserError, ValueError):
    """An input is not something the project may read; the message names it."""


def _describe(mode: int) -> str:
    for test, name in (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_input(path: Path, kind: Kind) -> None:
    """Refuse ``path`` unless it is a regular file (within the size limit) or, where ``kind``
    allows, a folder.

    Raises
    ------
    InputError
        Saying what the path is instead: a folder, a device, a pipe, too large.
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        if kind == "file":
            raise InputError(f"{path}: is a folder, not a file")
        return
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: is {_describe(mode)}, not a file")
    if kind == "folder":
        raise InputError(f"{path}: is a file, not a folder")
    check_size(path)


def check_size(path: Path) -> None:
    """Refuse a regular file larger than the limit."""
    limit = load_limits().max_file_bytes
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            f"{path}: is {size:,} bytes, more than the limit of {limit:,} "
            "(data/reference/limits.yml)"
        )


def check_folder_files(folder: Path) -> None:
    """Refuse a folder holding anything but regular files and folders (a device or a pipe under a
    police.uk file's name would hang the read)."""
    for entry in sorted(folder.rglob("*")):
        if entry.is_symlink() and not entry.exists():
            raise InputError(f"{entry}: is a broken link")
        if not entry.is_dir():
            check_input(entry, "file")


@contextmanager
def read_deadline(what: str, seconds: float | None = None) -> Iterator[None]:
    """Stop the reading inside the block if it runs past the time limit, with one line naming
    ``what``. Only in the main thread (where signals are delivered); elsewhere it does nothing."""
    seconds = load_limits().read_seconds if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expired(*_: Any) -> None:
        raise InputError(
            f"{what}: reading took longer than {seconds:g} s (data/reference/limits.yml)"
        )

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
