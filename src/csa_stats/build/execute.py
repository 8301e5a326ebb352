"""Running the chapter notebooks with papermill, each once for its key, in parallel.

Every notebook is given one parameter, the edition's manifest (and a priority chapter its
priority). A chapter's run (its executed notebook, figures and downloads) is kept in the cache
under its key (:func:`csa_stats.build.fingerprint.chapter_keys`): a chapter whose key is there is
not run again. A run is written to a temporary folder and renamed into the cache only when it
succeeded, so the cache never holds a half-written chapter; each entry records the digest of every
file it holds and is served only when they all still match.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from tqdm import tqdm

from csa_stats import paths
from csa_stats.chapters import CHAPTERS, ChapterSpec
from csa_stats.errors import BuildError
from csa_stats.files import file_digest, write_text

if TYPE_CHECKING:
    from jupyter_client.blocking.client import BlockingKernelClient
    from jupyter_client.manager import KernelManager

#: Cached runs kept per chapter (for example the default period and a few others).
CACHE_KEEP = 4
#: The tag of a notebook's title cell, filled in from the configuration (a priority's title).
TITLE_TAG = "chapter-title"


def chapter_title(spec: ChapterSpec) -> str | None:
    """The title a chapter's notebook is given from the configuration: a priority chapter's,
    from ``measures.yml``; ``None`` for a chapter whose notebook holds its own."""
    from csa_stats.reference.definitions import load_definitions  # pandas: not for --help

    key = spec.parameters.get("priority")
    return None if key is None else load_definitions().priorities[key].title


def titled_notebook(source: Path, title: str | None, folder: Path) -> Path:
    """The source notebook, with its title cell (tagged :data:`TITLE_TAG`) set to ``title``: one
    notebook serves the three priority chapters, each under its own title."""
    if title is None:
        return source
    nb = nbformat.read(source, as_version=4)
    cells = [c for c in nb.cells if TITLE_TAG in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise BuildError(f"notebook {source.stem}: needs one cell tagged {TITLE_TAG!r}")
    cells[0].source = f"# {title}"
    target = folder / source.name
    nbformat.write(nb, target)
    return target


def tidy_executed_notebook(notebook: Path) -> None:
    """Hide papermill's injected-parameters cell from the book and drop run-time metadata.

    Timestamps, durations and the machine's paths change on every run; without them, rebuilding
    with the same inputs writes the same notebook byte for byte.
    """
    nb = nbformat.read(notebook, as_version=4)
    parameters = nb.metadata.get("papermill", {}).get("parameters")
    nb.metadata.pop("papermill", None)
    if parameters is not None:
        nb.metadata["papermill"] = {"parameters": parameters}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill draws a random id each run
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, notebook)


def _source_cell_number(source: Path, executed: Path) -> int | None:
    """1-based number, in the source notebook, of the cell that raised (matched by cell id)."""
    try:
        failed = [
            cell.get("id")
            for cell in nbformat.read(executed, as_version=4).cells
            if any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        ]
        ids = [cell.get("id") for cell in nbformat.read(source, as_version=4).cells]
        return ids.index(failed[0]) + 1
    except (OSError, ValueError, IndexError):
        return None


#: The modules every chapter needs, imported by a new kernel as soon as it starts (a build starts
#: its kernels before it reads its edition, so the two overlap): the chapters' own modules and
#: the libraries they import only when they draw (geopandas and mapclassify, for the maps).
WARM_UP_MODULES = (
    "matplotlib.pyplot",
    "IPython.display",
    "geopandas",
    "mapclassify",
    "csa_stats.chapters.context",
    "csa_stats.presentation.narrative",
    *sorted({f"csa_stats.chapters.{spec.module}" for spec in CHAPTERS}),
)

#: What a new kernel runs first, not waited for. ``gc.freeze()`` then sets everything imported
#: aside from the cycle collector: emptying the namespace between chapters (``%reset``, which
#: collects) walks only the last chapter's objects, not every module's (0.2-0.5 s a chapter).
#: Frozen objects are still freed by reference counting; only cycles among them would stay, and
#: ``%reset`` collects a chapter's cycles before the prelude freezes what survived it.
_WARM_UP = (
    "import gc as _gc, importlib as _importlib\n"
    "for _name in {modules!r}:\n"
    "    _importlib.import_module(_name)\n"
    "_gc.freeze()\n"
    "del _gc, _importlib, _name\n"
)


class Kernel:
    """A kernel of the pool: its manager, and the one client the build talks to it through
    (connected once; a new client waits about 0.2 s for the kernel's messages to settle)."""

    def __init__(self, manager: KernelManager, client: BlockingKernelClient) -> None:
        self.manager = manager
        self.client = client
        self.ready = False  # answered once: the client need not wait for it again

    def shut(self) -> None:
        with contextlib.suppress(Exception):  # already gone: nothing to stop
            self.client.stop_channels()
        with contextlib.suppress(Exception):
            self.manager.shutdown_kernel(now=True)


class KernelPool:
    """The kernels a build runs its chapters in, kept from one chapter to the next.

    A kernel costs seconds to start and to import what the chapters need (pandas, statsmodels,
    matplotlib, geopandas); a build runs seven chapters, and a build of every area of a force
    seven for each area. So each kernel is kept: a chapter takes an idle one (or starts one), runs
    in it after the kernel's namespace is reset and its working folder set to the chapter's, and
    gives it back; the modules it imported stay imported. A build starts its kernels
    (:meth:`start`) before it reads its edition, and each imports :data:`WARM_UP_MODULES`
    meanwhile. Nothing else carries over: ``%reset`` empties the namespace (and restarts the
    execution count, so an executed notebook is numbered as if its kernel were new), every figure
    is closed, and every number a chapter shows is made from its edition. nbval runs each
    committed notebook in a fresh kernel and finds the same outputs. Kernels talk over Unix
    sockets in a private folder, not TCP on the loopback (which anyone on the machine can reach).
    """

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="csa-kernels-"))
        self._idle: list[Kernel] = []
        self._all: list[Kernel] = []
        self._lock = threading.Lock()
        self._numbered = 0

    def _new(self) -> Kernel:
        """Start a kernel and send it :data:`_WARM_UP` (not waited for)."""
        with self._lock:
            # each kernel its own sockets: a number no other kernel of the pool has had
            self._numbered += 1
            number = self._numbered
        # the kernel machinery imported only when a kernel starts: `csa-stats --help` and a
        # rebuild with nothing changed need none
        from jupyter_client.manager import KernelManager
        from traitlets.config import Config

        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(self._folder / f"kernel-{number}")
        manager = KernelManager(kernel_name="python3", config=config)
        manager.start_kernel()
        try:
            client = manager.client()
            client.start_channels()
        except BaseException:  # no kernel left running that the pool does not know of
            with contextlib.suppress(Exception):
                manager.shutdown_kernel(now=True)
            raise
        kernel = Kernel(manager, client)
        with self._lock:
            self._all.append(kernel)
        # not waited for, nor its reply read: an import that fails costs only speed, and the
        # chapter that needs it names the error
        client.execute(_WARM_UP.format(modules=WARM_UP_MODULES), store_history=False)
        return kernel

    def start(self, count: int) -> None:
        """Start kernels until there are ``count``, each importing the chapters' modules while
        the caller goes on."""
        while self.started < count:
            self.release(self._new())

    def acquire(self) -> Kernel:
        """An idle kernel, or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop(0)  # the first started: the furthest on with its imports
        return self._new()

    @property
    def started(self) -> int:
        """How many kernels are running."""
        with self._lock:
            return len(self._all)

    def release(self, kernel: Kernel) -> None:
        """Give a kernel back for the next chapter."""
        with self._lock:
            self._idle.append(kernel)

    def discard(self, kernel: Kernel) -> None:
        """Shut down a kernel that failed (it is not given to another chapter)."""
        with self._lock:
            if kernel in self._all:
                self._all.remove(kernel)
        kernel.shut()

    def close(self) -> None:
        """Shut down every kernel."""
        with self._lock:
            kernels, self._all, self._idle = self._all, [], []
        for kernel in kernels:
            kernel.shut()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


#: Run in a kept kernel before each chapter: the chapter's own working folder (where its figures
#: and downloads go; first, as the last chapter's folder may be gone), no figure left open, an
#: empty namespace, and what survived that (modules imported by the last chapter, caches) set
#: aside from the cycle collector as the warm-up's imports were.
_PRELUDE = (
    "import os as _os, matplotlib.pyplot as _plt\n"
    "_os.chdir({workdir!r})\n"
    "_plt.close('all')\n"
    "del _os, _plt\n"
    "get_ipython().run_line_magic('reset', '-f')\n"
    "__import__('gc').freeze()\n"
)


def _prepare(kernel: Kernel, workdir: Path) -> None:
    if not kernel.ready:  # answers once its warm-up is done (a kernel runs one request at a time)
        kernel.client.wait_for_ready(timeout=120)
        kernel.ready = True
    reply = kernel.client.execute_interactive(
        _PRELUDE.format(workdir=str(workdir)), timeout=120, store_history=False
    )
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"the kernel could not be prepared: {reply['content']}")


def execute(
    spec: ChapterSpec, edition: str, source: Path, workdir: Path, kernels: KernelPool
) -> Path:
    """Run one chapter's notebook in a kernel of ``kernels``, in ``workdir`` (its figures and
    downloads go there), given the edition's manifest ``edition`` as its parameter."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from papermill.parameterize import parameterize_notebook

    target = workdir / f"{spec.name}.ipynb"
    kernel: Kernel | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="csa-title-") as scratch:
            nb = nbformat.read(titled_notebook(source, chapter_title(spec), Path(scratch)), 4)
        for cell in nb.cells:
            cell.metadata.setdefault("tags", [])
        nb.metadata.setdefault("papermill", {})
        nb = parameterize_notebook(nb, {"edition": edition, **spec.parameters})
        kernel = kernels.acquire()
        _prepare(kernel, workdir)
        client = NotebookClient(nb, km=kernel.manager, kernel_name="python3")
        client.kc = kernel.client  # the kernel's own client, ready: not a new one that waits
        kernel.client.allow_stdin = False
        try:
            client.execute()
        except CellExecutionError as error:
            nbformat.write(client.nb, target)
            cell = _source_cell_number(source, target) or "?"
            raise BuildError(
                f"notebook {spec.name}: cell {cell} failed: {error.ename}: {error.evalue}"
            ) from None
        nbformat.write(client.nb, target)
    except BuildError:
        if kernel is not None:
            kernels.release(kernel)  # a cell raised; the kernel is well
        raise
    except Exception as error:  # a notebook that cannot be read, a kernel that died
        if kernel is not None:
            kernels.discard(kernel)
        raise BuildError(f"notebook {spec.name}: {type(error).__name__}: {error}") from None
    kernels.release(kernel)
    tidy_executed_notebook(target)
    return target


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != paths.CACHE_DIGESTS
    }


def _entry_is_whole(entry: Path, name: str) -> bool:
    """Whether a cached chapter run is exactly what its run wrote: a notebook edited by hand, a
    figure truncated or a file added or removed is not served (the chapter runs again)."""
    try:
        recorded = json.loads((entry / paths.CACHE_DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return f"{name}.ipynb" in recorded and recorded == _digests(entry)


def cache_entry(cache_dir: Path, name: str, key: str) -> Path:
    """Where a chapter's run for a key is cached."""
    return paths.notebook_cache_dir(cache_dir) / f"{name}-{key[:24]}"


def run_or_reuse(
    spec: ChapterSpec,
    edition: str,
    source: Path,
    cache_dir: Path,
    key: str,
    kernels: KernelPool | None = None,
) -> tuple[Path, bool]:
    """The cached outputs of a chapter for its key, running the notebook first if there are none.

    The notebook runs in a temporary folder that is renamed into the cache only when it succeeded,
    so the cache never holds a half-written chapter. Returns the entry and whether it ran.
    """
    entry = cache_entry(cache_dir, spec.name, key)
    if _entry_is_whole(entry, spec.name):
        os.utime(entry)  # most recently used: kept when the cache is pruned
        return entry, False
    shutil.rmtree(entry, ignore_errors=True)  # missing, or damaged or edited: run it again
    entry.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=entry.parent))
    try:
        if kernels is None:
            with KernelPool() as own:
                execute(spec, edition, source, work, own)
        else:
            execute(spec, edition, source, work, kernels)
        write_text(work / paths.CACHE_DIGESTS, json.dumps(_digests(work), indent=0))
        try:
            work.rename(entry)
        except OSError:  # another build cached it meanwhile: use that one
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return entry, True


def prune_cache(cache_dir: Path, names: Iterable[str], keep: int = CACHE_KEEP) -> None:
    """Keep the ``keep`` most recently used cached runs of each chapter."""
    folder = paths.notebook_cache_dir(cache_dir)
    for name in names:
        entries = sorted(
            (p for p in folder.glob(f"{name}-*") if p.is_dir()),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in entries[keep:]:
            shutil.rmtree(old, ignore_errors=True)


def chapters_at_once(jobs: int | None, chapters: int) -> int:
    """How many chapters run at once: ``jobs``, default one per core, and no more than there are."""
    return max(1, min(jobs or os.cpu_count() or 1, chapters))


def is_cached(cache_dir: Path, name: str, key: str) -> bool:
    """Whether a whole run of the chapter for this key is in the cache (it will not run)."""
    return _entry_is_whole(cache_entry(cache_dir, name, key), name)


def run_chapters(
    specs: Iterable[ChapterSpec],
    edition: str,
    keys: dict[str, str],
    out_dir: Path,
    cache_dir: Path,
    progress: bool = True,
    jobs: int | None = None,
    kernels: KernelPool | None = None,
) -> list[str]:
    """Run each chapter whose key is not cached, in parallel (``jobs`` at once; default one per
    core) in the kernels of ``kernels`` (kept for later builds when given; else this run's own),
    and copy every chapter's notebook, figures and downloads into ``out_dir``. Returns the names
    of the chapters that ran.

    Raises
    ------
    BuildError
        Naming the first chapter (in reading order) that failed, its cell and the error.
    """
    specs = list(specs)
    source_dir = paths.notebooks_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = chapters_at_once(jobs, len(specs))
    entries: dict[str, Path] = {}
    ran: list[str] = []
    errors: dict[str, BuildError] = {}
    own = kernels is None
    pool_of_kernels = KernelPool() if kernels is None else kernels
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(
            total=len(specs),
            desc="Chapters",
            unit="notebook",
            disable=not progress,
            file=sys.stderr,
        ) as bar,
    ):
        futures = {
            pool.submit(
                run_or_reuse,
                spec,
                edition,
                source_dir / f"{spec.notebook}.ipynb",
                cache_dir,
                keys[spec.name],
                pool_of_kernels,
            ): spec.name
            for spec in specs
        }
        for future in as_completed(futures):
            name = futures[future]
            try:
                entries[name], executed = future.result()
                if executed:
                    ran.append(name)
            except BuildError as error:
                errors[name] = error
            bar.update(1)
    if own:
        pool_of_kernels.close()
    names = [spec.name for spec in specs]
    if errors:
        raise next(errors[n] for n in names if n in errors)
    for name in names:
        entry = entries[name]
        shutil.copy2(entry / f"{name}.ipynb", out_dir / f"{name}.ipynb")
        for folder in ("figures", "downloads", "pages"):
            if (entry / folder).is_dir():
                shutil.copytree(entry / folder, out_dir / folder, dirs_exist_ok=True)
    prune_cache(cache_dir, names)
    return [n for n in names if n in ran]
