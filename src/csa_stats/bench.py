"""Benchmarks (``make bench``): the figures the README quotes, printed, never asserted by tests.

Build: a cold build with the notebooks run in parallel (one per core), the same one at a time, and a
rebuild with nothing changed in a fresh process (imports included), each into temporary folders so
the project's own site, notebooks and cache are not touched. Target: the unchanged rebuild under
5 s.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The unchanged rebuild's target, in seconds.
UNCHANGED_TARGET_S = 5.0

_REBUILD = """
import sys
from pathlib import Path
from csa_stats.cli import _parameters
from csa_stats.pipeline import build
root = Path(sys.argv[1])
result = build(_parameters({}), root / "html", root / "chapters", progress=False,
               cache_dir=root / "cache")
assert result.up_to_date, "expected nothing to rebuild"
"""


def _timed_build(root: Path, jobs: int) -> float:
    from csa_stats.cli import _parameters  # the default build: the data's last 12 months
    from csa_stats.pipeline import build

    start = time.perf_counter()
    build(
        _parameters({}),
        root / "html",
        root / "chapters",
        progress=False,
        cache_dir=root / "cache",
        jobs=jobs,
    )
    return time.perf_counter() - start


def bench_build() -> list[tuple[str, float, str]]:
    """Time a cold parallel build, a cold sequential one and an unchanged rebuild."""
    cores = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sequential = Path(tmp) / "sequential"
        rows.append(("cold build, notebooks one at a time", _timed_build(sequential, 1), ""))
        parallel = Path(tmp) / "parallel"
        rows.append((f"cold build, {cores} notebooks at once", _timed_build(parallel, cores), ""))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _REBUILD, str(parallel)], check=True)
        unchanged = time.perf_counter() - start
        verdict = "meets" if unchanged < UNCHANGED_TARGET_S else "MISSES"
        rows.append(
            (
                "rebuild with nothing changed (new process)",
                unchanged,
                f"{verdict} the {UNCHANGED_TARGET_S:.0f} s target",
            )
        )
    return rows


def main() -> None:
    """Run every benchmark and print its figures."""
    import pandas as pd

    print(
        f"csa-stats benchmarks on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}"
    )
    for what, seconds, note in bench_build():
        print(f"  {what:<45} {seconds:7.1f} s  {note}")


if __name__ == "__main__":
    main()
