"""Publishing a built folder so that it cannot be caught half-way, and only where the project may.

The new folder is first put beside the target (``.NAME.swap-*``, on the target's own file system,
copied there if it was built on another), then exchanged with the target in one atomic step
(``renameat2(RENAME_EXCHANGE)``, Linux): at every moment the target is either the whole old folder
or the whole new one. The old one, now under the temporary name, is removed last; whatever a
killed build leaves beside the target is removed by the next. Where the exchange is not supported,
two renames are used and a build that finds the target missing restores it from what was left.

A build holds a lock on the project (``_build/.lock``) for the whole run: a second build started
meanwhile refuses with one line rather than racing the first for the same folders.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from csa_stats import paths
from csa_stats.errors import UserError
from csa_stats.files import atomic_write, file_digest

#: The file that marks a folder as a site the project published (written into every site).
MARKER = paths.SITE_MARKER
#: Environment variable naming a step at which the build kills itself (fault tests only).
KILL_AT_ENV = "CSA_STATS_KILL_AT"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class PublishError(UserError, OSError):
    """The site cannot be published where it was asked to go; the message says why."""

    def __str__(self) -> str:
        return str(self.strerror or super().__str__())


class BuildBusyError(UserError, RuntimeError):
    """Another build of the project is running."""


def fault_point(step: str) -> None:
    """Kill this process here if the fault tests ask for it (``CSA_STATS_KILL_AT=step``): a
    build killed at each step of publishing must leave the last good site whole."""
    if os.environ.get(KILL_AT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (both must exist, on one file system)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _leftovers(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.swap-*"))


def recover(target: Path) -> None:
    """Tidy what a killed publish left beside ``target``: if the target is missing (killed between
    the two renames of the fallback), the old folder is put back; the rest is removed."""
    left = _leftovers(target)
    if not target.exists():
        old = [p for p in left if p.name.endswith("-old")]
        if old:
            old[-1].rename(target)
            left.remove(old[-1])
    for path in left:
        shutil.rmtree(path, ignore_errors=True)


def swap_in(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new`` in one atomic step; ``new`` is moved (copied when
    it is on another file system).

    Raises
    ------
    PublishError
        If the folder cannot be written (no space, read-only, no permission): the target is left
        as it was, and nothing is left beside it.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        staged = target.parent / f".{target.name}.swap-{uuid.uuid4().hex[:12]}"
        try:
            shutil.move(str(new), str(staged))  # a rename on one file system, else a copy
            fault_point(f"staged:{target.name}")
            if not target.exists():
                staged.rename(target)
                return
            try:
                _exchange(staged, target)
                fault_point(f"exchanged:{target.name}")
            except OSError as error:
                if error.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                    raise
                old = staged.with_name(staged.name + "-old")
                target.rename(old)
                fault_point(f"between-renames:{target.name}")
                staged.rename(target)
                staged = old
            shutil.rmtree(staged, ignore_errors=True)
        except BaseException:
            if staged.exists() and staged.resolve() != target.resolve():
                shutil.rmtree(staged, ignore_errors=True)
            raise
    except OSError as error:
        raise PublishError(error.errno, f"cannot publish to {target}: {_reason(error)}") from None


def _reason(error: OSError) -> str:
    """Why a write failed, in a few words: a copy of many files reports its first failure."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        first = error.args[0][0]
        reason = str(first[2]) if isinstance(first, tuple) and len(first) == 3 else str(first)
        return reason.split("] ", 1)[-1].split(":", 1)[0]  # "[Errno 28] No space left...: 'a'"
    return str(error.strerror or error)


def check_output_folder(folder: Path, project_build: Path) -> None:
    """Refuse to publish into a folder that holds anything the project did not write: it must be
    new, empty, or a site the project published before (it holds :data:`MARKER`). A folder
    holding the project's own build output (``_build``) or the project itself is refused too.

    Raises
    ------
    PublishError
        Naming the folder and why.
    """
    if folder.exists() and not folder.is_dir():
        raise PublishError(errno.ENOTDIR, f"--output {folder}: is a file, not a folder")
    resolved = folder.resolve()
    build = project_build.resolve()
    if resolved in build.parents or resolved == build:
        raise PublishError(
            errno.EINVAL, f"--output {folder}: holds the project's build folder; choose another"
        )
    if not folder.exists() or (folder / MARKER).is_file():
        return
    if any(folder.iterdir()):
        raise PublishError(
            errno.EEXIST,
            f"--output {folder}: the folder holds files that csa-stats did not publish (no "
            f"{MARKER}); give a new or empty folder, or one csa-stats published before",
        )


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold the project's build lock for the block, or refuse at once if another build has it.

    Raises
    ------
    BuildBusyError
        If another build of this project is running.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / paths.lock_path().name
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildBusyError(
                f"another build of this project is running (process {holder}); run again when it "
                "has finished"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_notebooks(executed: Path, chapters: Path) -> list[Path]:
    """Copy executed notebooks and their figures and downloads into ``chapters`` (each folder
    exchanged whole, each notebook replaced whole)."""
    chapters.mkdir(parents=True, exist_ok=True)
    for folder in ("figures", "downloads"):
        if (executed / folder).exists():
            _swap_in_copy(executed / folder, chapters / folder)
    published = []
    for notebook in sorted(executed.glob("*.ipynb")):
        target = chapters / notebook.name
        atomic_write(target, _copier(notebook))
        published.append(target)
    return published


def _copier(source: Path) -> Callable[[Path], object]:
    return lambda tmp: shutil.copy2(source, tmp)


def _swap_in_copy(source: Path, target: Path) -> None:
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.copy-", dir=target.parent))
    try:
        shutil.copytree(source, staged / "tree")
        swap_in(staged / "tree", target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def stamp(
    site_key: str,
    chapters_dir: Path,
    names: list[str],
    request: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """What a published site records of itself: its key and its notebooks' digests, and the
    request it was built for (``request``: the area as resolved and the request's key, so that
    the next build can tell nothing changed without resolving the area again)."""
    recorded: dict[str, object] = {
        "site_key": site_key,
        "notebooks": {
            n: file_digest(chapters_dir / f"{n}.ipynb")
            for n in names
            if (chapters_dir / f"{n}.ipynb").is_file()
        },
    }
    if request is not None:
        recorded["request"] = dict(request)
    return recorded


def recorded_request(site_dir: Path) -> dict[str, object] | None:
    """The request the site in ``site_dir`` was last built for (:func:`stamp`), if it says."""
    try:
        request = json.loads((site_dir / MARKER).read_text(encoding="utf-8")).get("request")
    except (OSError, ValueError, AttributeError):
        return None
    return request if isinstance(request, dict) else None


def is_up_to_date(site_dir: Path, chapters_dir: Path, site_key: str, names: list[str]) -> bool:
    """True when the site was built from exactly these inputs and its notebooks are in place."""
    try:
        recorded = json.loads((site_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    current = stamp(site_key, chapters_dir, names)
    if not isinstance(recorded, dict) or {k: recorded.get(k) for k in current} != current:
        return False
    return len(current["notebooks"]) == len(names)  # type: ignore[arg-type]
