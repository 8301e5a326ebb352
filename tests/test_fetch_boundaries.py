"""`csa-stats fetch --boundaries` against a local stand-in for ONS's ArcGIS feature service on the
loopback (no test reaches the internet). The stand-in answers a ward query a few features at a
time and says ``exceededTransferLimit`` while more remain, as the real service does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from csa_stats.cli import main
from csa_stats.paths import committed_boundaries_path
from csa_stats.reference.boundaries import load_ward_boundaries
from csa_stats.reference.taxonomy import Area
from csa_stats.sources.fetch import FetchError
from csa_stats.sources.ons_boundaries import fetch_ward_boundaries, ward_filter


def _ons_features() -> list[dict]:
    """Features as ONS names their properties, with the committed wards' shapes."""
    collection = json.loads(committed_boundaries_path("coventry").read_text(encoding="utf-8"))
    return [
        {
            "type": "Feature",
            "id": i + 1,
            "properties": {
                "WD22CD": f["properties"]["ward_code"],
                "WD22NM": f["properties"]["ward_name"],
            },
            "geometry": f["geometry"],
        }
        for i, f in enumerate(collection["features"])
    ]


class _Service:
    def __init__(self) -> None:
        self.features = _ons_features()
        self.cap = 5  # the service's record limit
        self.flag_at_top = False  # ArcGIS's JSON style rather than its GeoJSON style
        self.error: dict | None = None
        self.status = 200
        self.never_ends = False
        self.requests: list[dict[str, str]] = []


@pytest.fixture
def service() -> Iterator[tuple[str, _Service]]:
    state = _Service()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the http.server interface)
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.requests.append(query)
            if url.path != "/wards/FeatureServer/0/query":
                self.send_error(404)
                return
            if state.status != 200:
                self.send_error(state.status)
                return
            if state.error is not None:
                body: dict = {"error": state.error}
            else:
                wanted = [f for f in state.features if f["properties"]["WD22CD"] in query["where"]]
                wanted.sort(key=lambda f: f["properties"]["WD22CD"])
                start = int(query.get("resultOffset", 0))
                count = min(int(query.get("resultRecordCount", 1000)), state.cap)
                page = wanted[start : start + count]
                more = state.never_ends or start + count < len(wanted)
                body = {"type": "FeatureCollection", "features": [] if state.never_ends else page}
                if more and state.flag_at_top:
                    body["exceededTransferLimit"] = True
                elif more:
                    body["properties"] = {"exceededTransferLimit": True}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/wards/FeatureServer/0/query", state
    httpd.shutdown()


def test_the_wards_are_fetched_page_by_page_into_one_file(
    service, tmp_path: Path, area: Area
) -> None:
    url, state = service
    path = fetch_ward_boundaries(area, tmp_path, url, page_size=100, progress=False)
    assert path == tmp_path / "coventry_wards_2022.geojson"
    # 18 wards, at most 5 a page: offsets 0, 5, 10 and 15
    assert [q["resultOffset"] for q in state.requests] == ["0", "5", "10", "15"]
    assert all(q["f"] == "geojson" and q["outSR"] == "4326" for q in state.requests)
    assert state.requests[0]["where"].startswith("WD22CD IN ('E05001218','E05001219',")
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert [f["properties"]["ward_code"] for f in collection["features"]] == sorted(area.wards)
    assert "Open Government Licence" in collection["metadata"]["attribution"][0]
    assert list(tmp_path.iterdir()) == [path]  # no .part file left
    wards = load_ward_boundaries(path, area)  # the maps read it as they read the committed one
    assert len(wards) == 18 and wards.is_valid.all()


def test_the_limit_flag_is_followed_where_arcgis_json_puts_it(
    service, tmp_path: Path, area: Area
) -> None:
    url, state = service
    state.flag_at_top, state.cap = True, 7
    fetch_ward_boundaries(area, tmp_path, url, progress=False)
    assert [q["resultOffset"] for q in state.requests] == ["0", "7", "14"]


def test_a_refused_query_is_one_line_and_writes_nothing(
    service, tmp_path: Path, area: Area
) -> None:
    url, state = service
    state.error = {"code": 400, "message": "Invalid query\nparameters", "details": []}
    with pytest.raises(FetchError) as caught:
        fetch_ward_boundaries(area, tmp_path, url, progress=False)
    assert str(caught.value) == f"{url}: the service refused the query: Invalid query parameters"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_ward_leaves_the_file_before_it_as_it_was(
    service, tmp_path: Path, area: Area
) -> None:
    url, state = service
    fetch_ward_boundaries(area, tmp_path, url, progress=False)
    path = tmp_path / "coventry_wards_2022.geojson"
    before = path.read_bytes()
    state.features = [f for f in state.features if f["properties"]["WD22NM"] != "Wyken"]
    with pytest.raises(FetchError, match=r"no boundary for 1 of Coventry's wards \(E05001235\)"):
        fetch_ward_boundaries(area, tmp_path, url, progress=False)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_service_that_says_more_but_sends_none_is_stopped(
    service, tmp_path: Path, area: Area
) -> None:
    url, state = service
    state.never_ends = True
    with pytest.raises(FetchError, match="said more remain but sent none"):
        fetch_ward_boundaries(area, tmp_path, url, progress=False)
    assert len(state.requests) == 1


def test_an_http_error_and_no_server_are_one_line(service, tmp_path: Path, area: Area) -> None:
    url, state = service
    state.status = 503
    with pytest.raises(FetchError, match="answered HTTP 503"):
        fetch_ward_boundaries(area, tmp_path, url, progress=False)
    closed = "http://127.0.0.1:9/query"  # the discard port: nothing listens
    with pytest.raises(FetchError, match="the request failed"):
        fetch_ward_boundaries(area, tmp_path, closed, progress=False)


def test_the_ward_filter_takes_only_ward_codes() -> None:
    assert ward_filter(["E05001228"]) == "WD22CD IN ('E05001228')"
    with pytest.raises(FetchError, match="is not a ward code"):
        ward_filter(["E05001228') OR (1=1"])


def test_the_command_fetches_boundaries(service, tmp_path: Path) -> None:
    url, _ = service
    args = ["fetch", "--boundaries", "--out", str(tmp_path), "--base-url", url, "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"18 ward boundaries for Coventry in {tmp_path}" in result.output
    assert (tmp_path / "coventry_wards_2022.geojson").is_file()


def test_the_command_names_an_unknown_area_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["fetch", "--boundaries", "--area", "atlantis", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("csa-stats: error: parameter area: 'atlantis' is not in")
    assert result.stderr.count("\n") == 1


def test_police_uk_fetch_still_needs_its_force(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["fetch", "--from", "2024-01", "--to", "2024-03"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "csa-stats: error: police.uk files need --force, --from and --to"
    )
