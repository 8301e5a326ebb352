"""Benchmarks (``make bench``): the figures the README quotes, printed, never asserted by tests.

police.uk ingest: generated street-level files at West Midlands scale (27,000 rows a month, 84
months), read by the project's ingest (area selection, ward mapping, validation, parquet cache
written) and, in the same run, by the loop an analyst would write (``pandas.read_csv`` of each file
with its defaults, then ``pd.concat``; reading only). Each measurement runs in a fresh process after
its imports, five times, the measurements taking turns; the median time, the range, the median CPU
time (all threads) and the process's peak memory are printed, with the time Arrow takes to parse
the three columns the ingest reads and nothing else (the floor of any ingest built on it). On a
machine with few cores the cold ingest cannot take less than its CPU time shared by them; that
figure is printed too. Targets: the cold ingest at least 2x faster than the loop, under 1 GB; a
second run with unchanged inputs under 0.3 s. Then a year of every force (about 500,000 rows a
month), read by the same ingest file by file: rows a second and peak memory (target under 2 GB).

Build: ``csa-stats --help`` in a fresh process (and whether it imported pandas, matplotlib,
statsmodels or scipy), a cold build with the notebooks run in parallel (one per core), with the
time of its ``jupyter-book build`` step alone and the number of times it read its raw inputs, the
same build one notebook at a time, and a rebuild with nothing changed in a fresh process (imports
included), each into temporary folders so the project's own site, notebooks and cache are not
touched. Targets: help under 0.3 s without those libraries; a cold build at most 2x its
jupyter-book step; the raw inputs read once; the unchanged rebuild under 5% of the cold build (and
5 s).

Every area of a force: one area's site, then every area's (seven) from one read of the same
generated force files, each cold in a fresh process with a build folder of its own; the number of
times the files were read. Target: seven areas at most 5x one area's time.

The ONS lookups are read in place from ``../shared/data/real/ons-lookups`` beside the project (or
the folder ``CSA_STATS_ONS_LOOKUPS`` names).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: The unchanged rebuild's target, in seconds.
UNCHANGED_TARGET_S = 5.0
#: police.uk targets: speed-up over the naive loop, peak memory (MB), warm rerun (s), all forces (MB).
SPEEDUP_TARGET, MEMORY_TARGET_MB, WARM_TARGET_S, ALL_FORCES_MEMORY_MB = 2.0, 1024, 0.3, 2048
WEST_MIDLANDS_LADS = [f"E0800002{i}" for i in range(5, 10)] + ["E08000030", "E08000031"]
#: Forces of England and Wales as police.uk names their files (for the all-forces run).
FORCES = [
    "avon-and-somerset",
    "bedfordshire",
    "btp",
    "cambridgeshire",
    "cheshire",
    "city-of-london",
    "cleveland",
    "cumbria",
    "derbyshire",
    "devon-and-cornwall",
    "dorset",
    "durham",
    "dyfed-powys",
    "essex",
    "gloucestershire",
    "greater-manchester",
    "gwent",
    "hampshire",
    "hertfordshire",
    "humberside",
    "kent",
    "lancashire",
    "leicestershire",
    "lincolnshire",
    "merseyside",
    "metropolitan",
    "norfolk",
    "north-wales",
    "north-yorkshire",
    "northamptonshire",
    "northumbria",
    "nottinghamshire",
    "south-wales",
    "south-yorkshire",
    "staffordshire",
    "suffolk",
    "surrey",
    "sussex",
    "thames-valley",
    "warwickshire",
    "west-mercia",
    "west-midlands",
    "west-yorkshire",
    "wiltshire",
]

_NAIVE = """
import resource, sys, time
from pathlib import Path
import pandas as pd
files = sorted(Path(sys.argv[1]).rglob("*-street.csv"))
start, cpu = time.perf_counter(), time.process_time()
frame = pd.concat([pd.read_csv(f) for f in files])
print(time.perf_counter() - start, len(frame), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - cpu)
"""

_INGEST = """
import resource, shutil, sys, time
from pathlib import Path
from csa_stats.sources.schema import validate_incidents
from csa_stats.sources.demo import read_demo
from csa_stats.sources.policeuk import ingest
from csa_stats.reference.taxonomy import load_area
area = load_area("coventry")
validate_incidents(read_demo().head(5), area, "warm-up")  # modules pandera imports on first use
folder, lookups, cache, mode = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
if mode == "cold":
    shutil.rmtree(cache, ignore_errors=True)
start, cpu = time.perf_counter(), time.process_time()
result = ingest(folder, area, lookups, cache)
assert result.from_cache == (mode == "warm")
print(time.perf_counter() - start, result.report.rows_read,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time() - cpu)
"""

_PARSE = """
import os, resource, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from csa_stats.sources.policeuk import find_files, read_columns
sources = find_files(Path(sys.argv[1]))
start, cpu = time.perf_counter(), time.process_time()
with ThreadPoolExecutor(os.cpu_count()) as pool:
    rows = sum(t.num_rows for t in pool.map(read_columns, sources))
print(time.perf_counter() - start, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      time.process_time() - cpu)
"""

_REBUILD = """
import sys
from pathlib import Path
from csa_stats.params import parse_parameters
from csa_stats.build.pipeline import build
root = Path(sys.argv[1])
result = build(parse_parameters({}), root / "html", root / "chapters", progress=False,
               cache_dir=root / "cache")
assert result.up_to_date, "expected nothing to rebuild"
"""


def _run(code: str, *args: str) -> tuple[float, int, float, float]:
    """Run a measurement in a fresh process: (seconds, rows, peak memory in MB, CPU seconds used
    by all the process's threads while it was timed)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    seconds, rows, peak_kb, cpu = done.stdout.split()
    return float(seconds), int(rows), int(peak_kb) / 1024, float(cpu)


@dataclass(frozen=True)
class Timed:
    """Repeated runs of one measurement: the median and range of the times, the rows, the peak
    memory and the median CPU time (all threads)."""

    median: float
    low: float
    high: float
    rows: int
    peak_mb: float
    cpu: float

    @property
    def spread(self) -> str:
        return f"runs {self.low:.2f}-{self.high:.2f} s"


def _interleaved(measurements: dict[str, tuple[str, ...]], times: int = 5) -> dict[str, Timed]:
    """Run each measurement ``times`` times in fresh processes, taking turns (one of each, then
    again), so that the machine's drift from one minute to the next falls on all of them alike."""
    runs: dict[str, list[tuple[float, int, float, float]]] = {name: [] for name in measurements}
    for _ in range(times):
        for name, (code, *args) in measurements.items():
            runs[name].append(_run(code, *args))
    timed = {}
    for name, results in runs.items():
        seconds = sorted(r[0] for r in results)
        cpu = sorted(r[3] for r in results)
        timed[name] = Timed(
            seconds[len(seconds) // 2],
            seconds[0],
            seconds[-1],
            results[0][1],
            max(r[2] for r in results),
            cpu[len(cpu) // 2],
        )
    return timed


def ons_lookups() -> Path | None:
    """The ONS lookups, read in place (never copied into the project)."""
    from csa_stats import paths

    folder = Path(
        os.environ.get(
            "CSA_STATS_ONS_LOOKUPS",
            paths.project_root().parent / "shared" / "data" / "real" / "ons-lookups",
        )
    )
    return folder if folder.is_dir() else None


def bench_ingest(lookups: Path) -> list[tuple[str, float, str]]:
    """police.uk ingest at West Midlands scale against the naive loop, and a year of all forces."""
    import pandas as pd

    from csa_stats.sources import policeuk_sample as sample

    rows: list[tuple[str, float, str]] = []
    geography = sample.geography_from_lookups(lookups, "E08000026", WEST_MIDLANDS_LADS[2:])
    months = [str(p) for p in pd.period_range("2018-04", periods=84, freq="M")]
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "west-midlands", Path(tmp) / "cache"
        files = sample.write_months(folder, months, 27_000, geography)
        size = sum(f.stat().st_size for f in files) / 1e6
        ingest = (_INGEST, str(folder), str(lookups), str(cache))
        timed = _interleaved(
            {
                "naive": (_NAIVE, str(folder)),
                "cold": (*ingest, "cold"),
                "warm": (*ingest, "warm"),  # after a cold run has filled the cache
                "parse": (_PARSE, str(folder)),
            }
        )
        naive, cold, warm, parse = (timed[k] for k in ("naive", "cold", "warm", "parse"))
        speedup = naive.median / cold.median
        rows.append(
            (f"police.uk files: {len(files)} months, {naive.rows:,} rows, {size:,.0f} MB", 0.0, "")
        )
        rows.append(
            (
                "naive loop (read_csv each, concat)",
                naive.median,
                f"{naive.spread}; CPU {naive.cpu:.2f} s; peak {naive.peak_mb:,.0f} MB",
            )
        )
        rows.append(
            (
                "ingest, cold (select, map, validate, cache)",
                cold.median,
                f"{cold.spread}; CPU {cold.cpu:.2f} s; {speedup:.1f}x faster "
                f"({'meets' if speedup >= SPEEDUP_TARGET else 'MISSES'} {SPEEDUP_TARGET:.0f}x); "
                f"peak {cold.peak_mb:,.0f} MB "
                f"({'meets' if cold.peak_mb < MEMORY_TARGET_MB else 'MISSES'} < {MEMORY_TARGET_MB} MB)",
            )
        )
        rows.append(
            (
                "  Arrow's parse of those 3 columns alone (the floor)",
                parse.median,
                f"{parse.spread}; CPU {parse.cpu:.2f} s; "
                f"at most {naive.median / parse.median:.1f}x with nothing else done",
            )
        )
        cores = os.cpu_count() or 1
        rows.append(
            (
                f"  cold ingest's CPU time / {cores} cores (its least time)",
                cold.cpu / cores,
                f"{SPEEDUP_TARGET:.0f}x needs {naive.median / SPEEDUP_TARGET:.2f} s",
            )
        )
        rows.append(
            (
                "ingest, unchanged inputs (from the cache)",
                warm.median,
                f"{warm.spread}; {'meets' if warm.median < WARM_TARGET_S else 'MISSES'} "
                f"< {WARM_TARGET_S} s",
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "all-forces", Path(tmp) / "cache"
        coventry = sample.geography_from_lookups(lookups, "E08000026", [])
        others = _national_lsoas(lookups)
        per_force = 500_000 // len(FORCES)  # about 500,000 rows a month in all
        year = [str(p) for p in pd.period_range("2024-04", periods=12, freq="M")]
        for number, force in enumerate(FORCES):
            share = 0.11 if force == "west-midlands" else 0.0  # Coventry is in one force only
            geography = sample.Geography(
                coventry.area_2021, coventry.area_2011, others, area_share=share
            )
            sample.write_months(folder, year, per_force, geography, seed=number, force_slug=force)
        size = sum(f.stat().st_size for f in folder.rglob("*.csv")) / 1e6
        seconds, n_rows, peak, _ = _run(_INGEST, str(folder), str(lookups), str(cache), "cold")
        rows.append(
            (
                f"all forces, a year: {n_rows:,} rows, {size:,.0f} MB, file by file",
                seconds,
                f"{n_rows / seconds:,.0f} rows/s; peak {peak:,.0f} MB "
                f"({'meets' if peak < ALL_FORCES_MEMORY_MB else 'MISSES'} < "
                f"{ALL_FORCES_MEMORY_MB} MB)",
            )
        )
    return rows


def _national_lsoas(lookups: Path) -> list[str]:
    import pandas as pd

    national = max(lookups.glob("*.csv"), key=lambda f: f.stat().st_size)
    return sorted(pd.read_csv(national, usecols=["LSOA21CD"], encoding="utf-8-sig")["LSOA21CD"])


def _timed_build(root: Path, jobs: int) -> tuple[float, float, int]:
    """A cold build into ``root``: its seconds, the seconds of its ``jupyter-book build`` alone
    (on the same executed notebooks) and how many times it read its raw inputs."""
    from csa_stats import edition
    from csa_stats.build import book, pipeline
    from csa_stats.params import parse_parameters  # the default build: the data's last 12 months

    book_seconds: list[float] = []
    reads: list[int] = []
    build_book, read_inputs = book.build_book, edition._read

    def timed_book(staging: Path) -> Path:
        start = time.perf_counter()
        try:
            return build_book(staging)
        finally:
            book_seconds.append(time.perf_counter() - start)

    def counted_read(*args, **kwargs):
        reads.append(1)
        return read_inputs(*args, **kwargs)

    book.build_book, edition._read = timed_book, counted_read
    try:
        start = time.perf_counter()
        pipeline.build(
            parse_parameters({}),
            root / "html",
            root / "chapters",
            progress=False,
            cache_dir=root / "cache",
            jobs=jobs,
        )
        seconds = time.perf_counter() - start
    finally:
        book.build_book, edition._read = build_book, read_inputs
    return seconds, sum(book_seconds), len(reads)


#: The command line's help and argument errors: at most this long, without the heavy libraries.
HELP_TARGET_S = 0.3
#: A build with nothing changed: at most this share of a cold build's time (and 5 s).
UNCHANGED_SHARE = 0.05
#: A cold build: at most this many times ``jupyter-book build`` alone on its notebooks.
COLD_OVER_BOOK = 2.0
_HEAVY = ("pandas", "matplotlib", "statsmodels", "scipy")
_HELP = """
import sys, time
from csa_stats import cli
sys.argv = ["csa-stats", "--help"]
try:
    cli.main()
except SystemExit:
    pass
print("heavy:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


def _help_seconds() -> tuple[float, str]:
    """The median of five runs of ``csa-stats --help`` in a fresh process (interpreter start
    included), and the heavy libraries it imported."""
    times, heavy = [], ""
    for _ in range(5):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _HELP.format(heavy=_HEAVY)],
            check=True,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        heavy = done.stdout.strip().splitlines()[-1].removeprefix("heavy:")
    return sorted(times)[2], heavy


def bench_build() -> list[tuple[str, float, str]]:
    """Time ``csa-stats --help``, a cold parallel build (and its jupyter-book step alone), a cold
    sequential one and an unchanged rebuild in a fresh process."""
    cores = os.cpu_count() or 1
    rows = []
    helped, heavy = _help_seconds()
    rows.append(
        (
            "csa-stats --help (new process, median of 5)",
            helped,
            f"{'meets' if helped < HELP_TARGET_S and not heavy else 'MISSES'} < "
            f"{HELP_TARGET_S} s; imports {heavy or 'none'} of {', '.join(_HEAVY)}",
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        sequential = Path(tmp) / "sequential"
        one_at_a_time, _, _ = _timed_build(sequential, 1)
        rows.append(("cold build, notebooks one at a time", one_at_a_time, ""))
        parallel = Path(tmp) / "parallel"
        cold, book, reads = _timed_build(parallel, cores)
        rows.append(
            (
                f"cold build, {cores} notebooks at once",
                cold,
                f"raw inputs read {reads} time(s); the chapters open the edition",
            )
        )
        ratio = cold / book
        rows.append(
            (
                "  of which jupyter-book build alone",
                book,
                f"cold build {ratio:.1f}x it ({'meets' if ratio <= COLD_OVER_BOOK else 'MISSES'}"
                f" at most {COLD_OVER_BOOK:g}x)",
            )
        )
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _REBUILD, str(parallel)], check=True)
        unchanged = time.perf_counter() - start
        share = unchanged / cold
        verdict = (
            "meets" if unchanged < UNCHANGED_TARGET_S and share < UNCHANGED_SHARE else ("MISSES")
        )
        rows.append(
            (
                "rebuild with nothing changed (new process)",
                unchanged,
                f"{share:.1%} of the cold build ({verdict} < {UNCHANGED_SHARE:.0%} and "
                f"< {UNCHANGED_TARGET_S:.0f} s)",
            )
        )
    return rows


#: Every area of a force: seven areas from one read take at most this many times one area's time.
AREAS_TARGET = 5.0
#: The generated force's files for the areas benchmark: months and rows a month.
AREA_MONTHS, AREA_ROWS = 36, 8000


def _build_areas(files: Path, which: str, root: Path) -> tuple[float, int, int]:
    """Time ``csa-stats build --area WHICH`` in a build folder of its own, in a fresh process:
    the seconds, the sites built and the reads of the files."""
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from csa_stats.build.areas import build_areas\n"
        "from csa_stats.params import parse_parameters\n"
        "params = parse_parameters({'source': 'police-uk', 'data_path': sys.argv[1],"
        " 'baseline_year': 2023})\n"
        "result = build_areas(params, sys.argv[2], Path(sys.argv[3]), progress=False)\n"
        "print(json.dumps([len(result.sites), result.reads]))\n"
    )
    env = {**os.environ, "CSA_STATS_BUILD_DIR": str(root / "build")}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(files), which, str(root / "sites")],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    import json

    sites, reads = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, sites, reads


def bench_areas() -> list[tuple[str, float, str]]:
    """One area's site, and every area's (seven) from one read, from the same generated force
    files (:mod:`csa_stats.sources.force_sample`), each cold, in a fresh process."""
    import pandas as pd

    from csa_stats.sources.force_sample import write_force_months

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "files"
        months = [str(p) for p in pd.period_range(end="2025-03", periods=AREA_MONTHS, freq="M")]
        write_force_months(files, months, rows_per_month=AREA_ROWS, seed=7)
        one, _, reads_one = _build_areas(files, "Coventry,", Path(tmp) / "one")
        rows.append(
            (
                f"one area's site ({AREA_MONTHS} months, {AREA_ROWS:,} rows a month)",
                one,
                f"files read {reads_one} time(s)",
            )
        )
        every, sites, reads = _build_areas(files, "all", Path(tmp) / "all")
        ratio = every / one
        verdict = "meets" if ratio <= AREAS_TARGET else "MISSES"
        rows.append(
            (
                f"every area's site ({sites}), from one read",
                every,
                f"files read {reads} time(s); {ratio:.1f}x one area ({verdict} at most "
                f"{AREAS_TARGET:g}x)",
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
    lookups = ons_lookups()
    if lookups is None:
        print("  police.uk ingest: skipped (the ONS lookups are not beside the project)")
    else:
        for what, seconds, note in bench_ingest(lookups):
            shown = f"{seconds:7.2f} s" if seconds else " " * 9
            print(f"  {what:<55} {shown}  {note}")
    for what, seconds, note in bench_build():
        print(f"  {what:<55} {seconds:7.2f} s  {note}")
    for what, seconds, note in bench_areas():
        print(f"  {what:<55} {seconds:7.1f} s  {note}")


if __name__ == "__main__":
    main()
