"""``csa-stats fetch``: download police.uk street-level data for a force and a range of months.

police.uk publishes a monthly archive, ``<base>/YYYY-MM.zip``, holding every force's files for the
36 months to that month in the layout ``YYYY-MM/YYYY-MM-<force>-street.csv``. The fetch downloads
the archive(s) covering the months asked for, with a progress bar, then extracts the force's files
for those months.

Nothing half-written is left where a complete file is expected: an archive is downloaded to
``<name>.part`` and renamed when it is whole (its length as the server stated, and a readable zip);
an interrupted download resumes from where it stopped (an HTTP range request) the next time; each
extracted file is written under a temporary name and renamed. This is the only part of the project
that reaches the network.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import requests
from tqdm import tqdm

from csa_stats.files import write_bytes

#: Where police.uk publishes its monthly archives.
DEFAULT_BASE_URL = "https://data.police.uk/data/archive"
#: Months each archive holds (the archive for a month holds that month and the 35 before).
ARCHIVE_MONTHS = 36
_CHUNK = 1 << 16  # small enough that little is lost when a connection drops


class FetchError(RuntimeError):
    """A download failed; the message says which and what to do."""


@dataclass(frozen=True)
class FetchResult:
    """What the fetch wrote."""

    files: tuple[Path, ...]
    missing_months: tuple[str, ...]  # months asked for that no archive held for the force


def archives_for(first: pd.Period, last: pd.Period) -> list[pd.Period]:
    """The archive months whose 36 months cover ``first`` to ``last``, newest first.

    Examples
    --------
    >>> [str(p) for p in archives_for(pd.Period("2019-01", "M"), pd.Period("2025-03", "M"))]
    ['2025-03', '2022-03', '2019-03']
    """
    if first > last:
        raise FetchError(f"the first month {first} is after the last {last}")
    ends, end = [], last
    while end >= first:
        ends.append(end)
        end = end - ARCHIVE_MONTHS
    return ends


def download(
    url: str, target: Path, session: requests.Session | None = None, progress: bool = True
) -> Path:
    """Download ``url`` to ``target``, resuming a partial ``target.part`` left by an earlier try.

    Raises
    ------
    FetchError
        If the server refuses, or the connection ends before the whole file arrived (the part
        downloaded is kept, to resume from).
    """
    if target.is_file():
        return target
    session = session or requests.Session()
    part = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with session.get(url, headers=headers, stream=True, timeout=60) as response:
            if have and response.status_code == 200:
                have = 0  # the server sent the whole file again: start over
            elif response.status_code == 404:
                raise FetchError(f"{url}: not found (HTTP 404); is the month published yet?")
            elif response.status_code not in (200, 206):
                raise FetchError(f"{url}: the server answered HTTP {response.status_code}")
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            with (
                part.open("ab" if have else "wb") as out,
                tqdm(
                    total=total,
                    initial=have,
                    unit="B",
                    unit_scale=True,
                    desc=target.name,
                    disable=not progress,
                ) as bar,
            ):
                for chunk in response.iter_content(_CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
    except requests.RequestException as error:
        raise FetchError(
            f"{url}: the download stopped ({type(error).__name__}); run the fetch again to resume"
        ) from None
    size = part.stat().st_size
    if total is not None and size != total:
        raise FetchError(
            f"{url}: {size:,} of {total:,} bytes arrived; run the fetch again to resume"
        )
    if not zipfile.is_zipfile(part):
        part.unlink()
        raise FetchError(f"{url}: what arrived is not a zip archive; it was discarded")
    os.replace(part, target)
    return target


def extract(archive: Path, force: str, months: list[str], out_dir: Path) -> list[Path]:
    """Write the force's street-level files for ``months`` from an archive into ``out_dir``
    (``YYYY-MM/YYYY-MM-<force>-street.csv``), each complete or not at all."""
    wanted = {f"{m}-{force}-street.csv": m for m in months}
    written = []
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            name = Path(info.filename).name
            if name not in wanted:
                continue
            target = out_dir / wanted[name] / name
            written.append(write_bytes(target, zipped.read(info)))
    return written


def fetch(
    force: str,
    first: str,
    last: str,
    out_dir: Path,
    base_url: str = DEFAULT_BASE_URL,
    progress: bool = True,
) -> FetchResult:
    """Download and extract a force's street-level files for the months ``first`` to ``last``."""
    start, end = pd.Period(first, "M"), pd.Period(last, "M")
    months = [str(p) for p in pd.period_range(start, end, freq="M")]
    downloads = out_dir / ".downloads"
    session = requests.Session()
    written: list[Path] = []
    for archive_month in archives_for(start, end):
        covered = [
            m
            for m in months
            if archive_month - (ARCHIVE_MONTHS - 1) <= pd.Period(m, "M") <= archive_month
        ]
        url = f"{base_url.rstrip('/')}/{archive_month}.zip"
        archive = download(url, downloads / f"{archive_month}.zip", session, progress)
        written += extract(archive, force, covered, out_dir)
    found = {p.parent.name for p in written}
    return FetchResult(tuple(sorted(written)), tuple(m for m in months if m not in found))
