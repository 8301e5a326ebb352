"""`csa-stats fetch --populations` against a local server on the loopback serving Nomis-like CSVs
(quoted capitalised headers, a byte-order mark, a ward missing...); no test reaches the internet."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from csa_stats.cli import main
from csa_stats.reference.taxonomy import Area, load_area
from csa_stats.sources.fetch import FetchError
from csa_stats.sources.nomis import PopulationFetchError, fetch_ward_populations, parse_nomis_csv
from csa_stats.sources.population import read_population

# Made-up populations for Coventry's 18 wards, by ward code (E05001218 ... E05001235)
POPULATIONS = dict(zip([f"E050012{n}" for n in range(18, 36)], range(15_001, 15_019), strict=True))
TOTAL = sum(range(15_001, 15_019))  # 270,171


def nomis_csv(rows: dict[str, int], names: dict[str, str], bom: bool = True) -> bytes:
    """As Nomis writes it: quoted capitalised header, quoted text, numbers bare, CRLF."""
    lines = ['"GEOGRAPHY_CODE","GEOGRAPHY_NAME","OBS_VALUE"']
    lines += [f'"{code}","{names.get(code, "?")}",{value}' for code, value in rows.items()]
    return ("\ufeff" if bom else "").encode() + ("\r\n".join(lines) + "\r\n").encode()


class _State:
    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.queries: list[dict[str, str]] = []


@pytest.fixture
def server() -> Iterator[tuple[str, _State]]:
    state = _State()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the http.server interface)
            state.queries.append({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
            if state.status != 200:
                self.send_error(state.status)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v01/dataset/NM_2021_1.data.csv", state
    httpd.shutdown()


def test_the_wards_populations_are_written_as_the_build_reads_them(
    server, tmp_path: Path, area: Area
) -> None:
    url, state = server
    state.body = nomis_csv(POPULATIONS, area.wards)
    out = tmp_path / "coventry-ward-population.csv"
    fetch_ward_populations(area, out, url)
    table = read_population(area, out)  # the build's own reader accepts it
    assert dict(zip(table["ward_code"], table["population"], strict=True)) == POPULATIONS
    assert int(table["population"].sum()) == TOTAL == 270_171
    assert out.read_text().splitlines()[0] == "ward_code,ward_name,population,note"
    assert "Census 2021" in table["note"].iloc[0]
    (query,) = state.queries
    assert query["geography"] == ",".join(sorted(POPULATIONS))  # exactly the area's wards
    assert (query["c2021_restype_3"], query["measures"], query["date"]) == ("0", "20100", "latest")


def test_nomiss_own_ward_names_do_not_matter(area: Area) -> None:
    # Nomis may spell a name differently; the lookup's name is written
    names = dict(area.wards, E05001228="St. Michael's")
    table = parse_nomis_csv(nomis_csv(POPULATIONS, names).decode(), area)
    assert table.set_index("ward_code").loc["E05001228", "ward_name"] == "St Michael's"


def test_a_missing_ward_is_one_line_naming_it(server, tmp_path: Path, area: Area) -> None:
    url, state = server
    without = {c: v for c, v in POPULATIONS.items() if c != "E05001228"}
    state.body = nomis_csv(without, area.wards)
    out = tmp_path / "population.csv"
    with pytest.raises(PopulationFetchError) as raised:
        fetch_ward_populations(area, out, url)
    assert str(raised.value) == (
        f"{url}: Nomis returned no population for ward E05001228 (St Michael's) of Coventry"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Nomis returned nothing"),
        (b"<!DOCTYPE html><html>Nomis is down</html>", "not Nomis's CSV: the first line is"),
        (
            b'"GEOGRAPHY_CODE","GEOGRAPHY_NAME","OBS_VALUE"\n"E05001218","Bablake",12.5\n',
            "line 2: the population of ward E05001218 is '12.5', not a positive whole number",
        ),
        (
            b'"GEOGRAPHY_CODE","OBS_VALUE"\n"E05011118",1000\n',
            "line 2: 'E05011118' is not a ward of Coventry (E08000026)",
        ),
        (
            b'"GEOGRAPHY_CODE","OBS_VALUE"\n"E05001218",1000\n"E05001218",1000\n',
            "line 3: ward E05001218 appears twice",
        ),
    ],
)
def test_answers_that_are_not_every_wards_population_are_refused(
    body: bytes, message: str, area: Area
) -> None:
    with pytest.raises(PopulationFetchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_nomis_csv(body.decode(), area)


def test_a_server_error_is_one_line(server, tmp_path: Path, area: Area) -> None:
    url, state = server
    state.status = 503
    with pytest.raises(FetchError, match="Nomis answered HTTP 503$"):
        fetch_ward_populations(area, tmp_path / "p.csv", url)


def test_the_command_fetches_any_areas_populations(server, tmp_path: Path) -> None:
    url, state = server
    solihull = load_area("Solihull")
    state.body = nomis_csv(dict.fromkeys(solihull.ward_codes, 12_000), {}, bom=False)
    out = tmp_path / "solihull.csv"
    args = ["fetch", "--populations", "--area", "E08000029", "--out", str(out), "--base-url", url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Census 2021 usual residents of Solihull's 17 wards (204,000 in all)" in result.output
    assert len(read_population(solihull, out)) == 17
    result = CliRunner().invoke(main, ["fetch", "--populations", "--area", "Solihul"])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("did you mean Solihull?")
