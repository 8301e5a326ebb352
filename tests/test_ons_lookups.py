"""`csa-stats fetch --lookups` against a local ArcGIS-like server on the loopback serving a paged
fixture (no test reaches the internet), and what the ingest says of LSOA codes no lookup places."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from csa_stats import paths
from csa_stats.cli import main
from csa_stats.reference.geography import resolve_area
from csa_stats.sources.fetch import FetchError
from csa_stats.sources.ons_lookups import (
    OUTPUT_NAME,
    describe_unplaced,
    fetch_lsoa_lookup,
    lsoa_codes_by_month,
    unplaced_lsoas,
)
from csa_stats.sources.policeuk import find_files, load_lookups

# Seven rows of a best-fit lookup, served out of order: 2011 codes of Birmingham LSOAs that changed
# in 2021 (within ONS's 2011 range, none a 2021 code), each paired with one of Birmingham's 2021
# LSOAs (the pairs are made up; the codes are real).
ROWS = [
    ("E01008914", "E01033620"),
    ("E01008900", "E01008881"),
    ("E01008908", "E01033622"),
    ("E01008902", "E01033623"),
    ("E01008912", "E01033624"),
    ("E01008903", "E01033625"),
    ("E01008904", "E01033626"),
]
FIXTURE = [
    {
        "attributes": {
            "LSOA11CD": old,
            "LSOA11NM": f"Birmingham {old[-3:]}X",
            "LSOA21CD": new,
            "LSOA21NM": f"Birmingham {new[-3:]}Y",
            "LAD22CD": "E08000025",
            "LAD22NM": "Birmingham",
            "LAD22NMW": None,
            "ObjectId": i,
        }
    }
    for i, (old, new) in enumerate(ROWS, start=1)
]
MAX_RECORDS = 3  # the server's own limit, below what the client asks for


class _State:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.fail_at_offset: int | None = None  # answer HTTP 500 once at this offset
        self.refuse = False  # answer with ArcGIS's error JSON (HTTP 200)
        self.ignore_offset = False


@pytest.fixture
def server() -> Iterator[tuple[str, _State]]:
    state = _State()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the http.server interface)
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            state.requests.append(query)
            if state.refuse:
                return self._json(
                    {"error": {"code": 400, "message": "Invalid query", "details": []}}
                )
            if query.get("returnCountOnly") == "true":
                return self._json({"count": len(FIXTURE)})
            offset = 0 if state.ignore_offset else int(query.get("resultOffset", 0))
            if state.fail_at_offset == offset:
                state.fail_at_offset = None
                self.send_error(500)
                return None
            ordered = sorted(FIXTURE, key=lambda f: f["attributes"]["LSOA11CD"])
            count = min(int(query.get("resultRecordCount", 1000)), MAX_RECORDS)
            page = ordered[offset : offset + count]
            answer: dict[str, object] = {"features": page}
            if offset + len(page) < len(ordered):
                answer["exceededTransferLimit"] = True
            return self._json(answer)

        def _json(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/FeatureServer/0/query", state
    httpd.shutdown()


def test_the_fixtures_codes_are_what_it_says() -> None:
    from csa_stats.reference.geography import existed_in_2011, lsoa_table

    current = set(lsoa_table()["LSOA21CD"])
    birmingham = set(resolve_area("Birmingham").lsoas)
    for old, new in ROWS:
        assert existed_in_2011(old) and old not in current and new in birmingham


def _offsets(state: _State) -> list[int]:
    return [int(q["resultOffset"]) for q in state.requests if "resultOffset" in q]


def test_the_pages_are_followed_and_written_as_one_sorted_lookup(server, tmp_path: Path) -> None:
    url, state = server
    path = fetch_lsoa_lookup(tmp_path, url, progress=False)
    assert path == tmp_path / OUTPUT_NAME
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM"
    assert [line.split(",")[0] for line in lines[1:]] == sorted(old for old, _ in ROWS)
    assert lines[1] == "E01008900,Birmingham 900X,E01008881,Birmingham 881Y,E08000025,Birmingham"
    # 3 rows a page: offsets 0, 3 and 6, each after the rows that came
    assert _offsets(state) == [0, 3, 6]
    assert not list(tmp_path.glob(".*"))  # the pages folder is gone
    # the ingest reads it beside the committed tables: each 2011 code goes to its successor's ward
    birmingham = resolve_area("Birmingham")
    table = load_lookups([paths.geography_dir(), tmp_path], birmingham)
    for old, new in ROWS:
        assert table.loc[old].tolist() == [table.loc[new, "ward_code"], "2011"]


def test_an_interrupted_download_resumes_after_the_pages_it_kept(server, tmp_path: Path) -> None:
    url, state = server
    state.fail_at_offset = 3
    with pytest.raises(FetchError) as raised:
        fetch_lsoa_lookup(tmp_path, url, progress=False)
    assert str(raised.value) == (
        f"{url}: the server answered HTTP 500; run `csa-stats fetch --lookups` again to resume "
        "(3 rows kept)"
    )
    assert not (tmp_path / OUTPUT_NAME).exists()  # nothing under the final name
    state.requests.clear()
    path = fetch_lsoa_lookup(tmp_path, url, progress=False)
    assert _offsets(state) == [3, 6]  # the first page was not asked for again
    assert len(path.read_text().splitlines()) == 1 + len(ROWS)
    state.requests.clear()
    assert fetch_lsoa_lookup(tmp_path, url, progress=False) == path
    assert state.requests == []  # already there: nothing fetched


def test_a_refused_query_is_one_line(server, tmp_path: Path) -> None:
    url, state = server
    state.refuse = True
    with pytest.raises(
        FetchError, match=r"the service refused the query: Invalid query \(code 400\)$"
    ):
        fetch_lsoa_lookup(tmp_path, url, progress=False)


def test_a_server_that_ignores_the_offset_is_caught(server, tmp_path: Path) -> None:
    url, state = server
    state.ignore_offset = True
    with pytest.raises(FetchError, match="repeats rows already received"):
        fetch_lsoa_lookup(tmp_path, url, progress=False)
    assert not (tmp_path / OUTPUT_NAME).exists()


def test_the_command_fetches_the_lookups(server, tmp_path: Path) -> None:
    url, _ = server
    args = ["fetch", "--lookups", "--out", str(tmp_path), "--base-url", url, "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"7 rows in {tmp_path / OUTPUT_NAME}" in result.output


def test_nothing_to_fetch_is_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["fetch"])
    assert result.exit_code == 2
    assert "say what to fetch" in result.stderr


# ---- LSOA codes no lookup places --------------------------------------------------------------


def test_a_year_of_2011_codes_names_its_months_and_the_fetch() -> None:
    # April 2019 to March 2020 coded with a Birmingham 2011 LSOA the committed lookups lack
    months = [f"2019-{m:02d}" for m in range(4, 13)] + [f"2020-{m:02d}" for m in range(1, 4)]
    found = {m: ["E01008900", "E01009696", ""] for m in months} | {"2024-04": ["E01033620"]}
    unplaced = unplaced_lsoas(found, known={"E01009696", "E01033620"})
    assert unplaced == {m: ["E01008900"] for m in months}
    assert describe_unplaced(unplaced) == [
        "12 months (2019-04 to 2020-03) are coded with 2011 LSOAs not in the lookups "
        "(E01008900); run `csa-stats fetch --lookups`, which downloads ONS's LSOA 2011 to 2021 "
        "best-fit lookup into data/lookups/"
    ]


def test_codes_in_no_lookup_at_all_are_told_apart() -> None:
    unplaced = {
        "2019-04": ["E01008900", "E01008902", "E01008903", "E01008904"],
        "2019-06": ["X01000001"],
        "2019-07": ["E01099999"],  # beyond the 2011 range, and not a 2021 code
    }
    assert describe_unplaced(unplaced) == [
        "1 month (2019-04) is coded with 2011 LSOAs not in the lookups (E01008900, E01008902, "
        "E01008903 and 1 more); run `csa-stats fetch --lookups`, which downloads ONS's LSOA 2011 "
        "to 2021 best-fit lookup into data/lookups/",
        "2 months (2019-06 to 2019-07) hold LSOA codes that are in no ONS lookup (E01099999, "
        "X01000001); their records are counted as outside the area",
    ]


def test_the_codes_of_each_months_files_are_read(tmp_path: Path) -> None:
    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
        "Crime type,Last outcome category,Context\n"
    )
    for month, codes in {
        "2019-04": ["E01008900", "", "E01009696"],
        "2024-04": ["E01033620"],
    }.items():
        rows = "".join(f"c{i},{month},W,W,,,x,{c},n,Drugs,,\n" for i, c in enumerate(codes))
        (tmp_path / f"{month}-west-midlands-street.csv").write_text(header + rows)
    assert lsoa_codes_by_month(find_files(tmp_path)) == {
        "2019-04": {"E01008900", "E01009696"},
        "2024-04": {"E01033620"},
    }
