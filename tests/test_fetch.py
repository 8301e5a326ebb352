"""`csa-stats fetch` against a local HTTP server on the loopback that serves a generated archive in
police.uk's layout (no test reaches the internet). The server honours range requests and can cut a
download short, to test resuming."""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from csa_stats.cli import main
from csa_stats.sources.fetch import FetchError, fetch
from csa_stats.sources.policeuk import POLICE_UK_COLUMNS

MONTHS = ["2024-01", "2024-02", "2024-03"]


def _archive(path: Path) -> Path:
    """police.uk's layout: YYYY-MM/YYYY-MM-<force>-street.csv for two forces."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as out:
        for month in MONTHS:
            for force in ("west-midlands", "warwickshire"):
                rows = "\n".join(
                    f"id{force}{month}{i},{month},{force},{force},,,No Location,,,Drugs,,"
                    for i in range(2000)  # big enough that a cut-short download is partial
                )
                out.writestr(
                    f"{month}/{month}-{force}-street.csv",
                    ",".join(POLICE_UK_COLUMNS) + "\n" + rows + "\n",
                )
    return path


class _Server:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.cut_after: int | None = None  # bytes sent before the connection is dropped
        self.requests: list[tuple[str, str | None]] = []


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, _Server]]:
    state = _Server({"/archive/2024-03.zip": _archive(tmp_path / "src.zip").read_bytes()})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the http.server interface)
            state.requests.append((self.path, self.headers.get("Range")))
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            start = 0
            if self.headers.get("Range"):
                start = int(self.headers["Range"].removeprefix("bytes=").rstrip("-"))
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            chunk = body[start:]
            if state.cut_after is not None:
                chunk, state.cut_after = chunk[: state.cut_after], None
                self.wfile.write(chunk)
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(chunk)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/archive", state
    httpd.shutdown()


def test_fetch_writes_the_forces_months_in_the_archive_layout(server, tmp_path: Path) -> None:
    base, state = server
    out = tmp_path / "police-uk"
    result = fetch("west-midlands", "2024-02", "2024-03", out, base, progress=False)
    assert [p.relative_to(out).as_posix() for p in result.files] == [
        "2024-02/2024-02-west-midlands-street.csv",
        "2024-03/2024-03-west-midlands-street.csv",
    ]
    assert result.missing_months == ()
    text = (out / "2024-03" / "2024-03-west-midlands-street.csv").read_text()
    assert text.startswith("Crime ID,Month") and text.count("\n") == 2001
    assert not list(out.rglob("*.part")) and not list(out.rglob(".*-street.csv.*"))
    assert state.requests == [("/archive/2024-03.zip", None)]


def test_an_interrupted_download_resumes_and_leaves_nothing_half_written(
    server, tmp_path: Path
) -> None:
    base, state = server
    out = tmp_path / "police-uk"
    total = len(state.files["/archive/2024-03.zip"])
    state.cut_after = total // 2
    with pytest.raises(FetchError, match="run the fetch again to resume"):
        fetch("west-midlands", "2024-01", "2024-03", out, base, progress=False)
    # the whole chunks that arrived are kept, and no complete-looking file exists yet
    kept = (out / ".downloads" / "2024-03.zip.part").stat().st_size
    assert 0 < kept <= total // 2
    assert not (out / ".downloads" / "2024-03.zip").exists()
    assert not list(out.rglob("*-street.csv"))
    result = fetch("west-midlands", "2024-01", "2024-03", out, base, progress=False)
    assert len(result.files) == 3
    # resumed from where it stopped, not restarted
    assert state.requests[-1] == ("/archive/2024-03.zip", f"bytes={kept}-")
    source = zipfile.ZipFile(out / ".downloads" / "2024-03.zip")
    assert source.testzip() is None  # the resumed archive is whole


def test_a_month_not_published_is_a_clear_error(server, tmp_path: Path) -> None:
    base, _ = server
    result = CliRunner().invoke(
        main,
        [
            "fetch",
            "--force",
            "west-midlands",
            "--from",
            "2024-04",
            "--to",
            "2024-05",
            "--out",
            str(tmp_path / "out"),
            "--base-url",
            base,
            "--no-progress",
        ],
    )
    assert result.exit_code == 1
    assert "2024-05.zip: not found (HTTP 404)" in result.stderr


def test_the_command_reports_what_it_wrote(server, tmp_path: Path) -> None:
    base, _ = server
    result = CliRunner().invoke(
        main,
        [
            "fetch",
            "--force",
            "warwickshire",
            "--from",
            "2024-01",
            "--to",
            "2024-03",
            "--out",
            str(tmp_path / "out"),
            "--base-url",
            base,
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 monthly files for warwickshire" in result.output


def test_a_malformed_month_is_refused_before_any_download(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["fetch", "--force", "x", "--from", "2024-1", "--to", "2024-03", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "csa-stats: error: parameter from: '2024-1' is not a month in the form YYYY-MM"
    )
