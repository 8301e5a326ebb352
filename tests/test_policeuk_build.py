"""The whole publication built from police.uk street-level files (generated in police.uk's layout,
with hand-built ONS-style lookups), as an analyst would: `--source police-uk --data FOLDER`."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from csa_stats.build.pipeline import build
from csa_stats.params import parse_parameters
from csa_stats.reference.definitions import load_definitions
from csa_stats.reference.taxonomy import load_area
from csa_stats.sources import policeuk_sample as sample

pytestmark = pytest.mark.build

COVENTRY = "E08000026"
HOSTILE_FOLDER = "files `<b onmouseover=alert(1)>x` {sub}`y` [z](https:"
HOSTILE_TYPES = (
    "<img src=x onerror=alert(document.domain)>",
    "[a link](https://evil.example)",
    "`code` {sub}`role` *em* {{ sub }}",
)


@pytest.fixture(scope="module")
def police_uk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Eight years of monthly files and a lookup folder: two made-up LSOAs in each Coventry ward,
    and made-up LSOAs of a neighbouring authority."""
    root = tmp_path_factory.mktemp("police-uk")
    area = load_area("coventry")
    ours = {f"E019{i:05d}": ward for i, ward in enumerate(sorted(area.wards) * 2)}
    # two neighbouring authorities: Birmingham (E01700...) and Solihull (E01710...)
    neighbours = [f"E01700{i:03d}" for i in range(20)] + [f"E01710{i:03d}" for i in range(20)]
    lookups = root / "lookups"
    lookups.mkdir()
    rows = [f"{code},x,{ward},x,{COVENTRY},Coventry" for code, ward in ours.items()]
    rows += [
        f"{code},x,E05011118,x,E08000025,Birmingham"
        if code.startswith("E01700")
        else f"{code},x,E05001000,x,E08000029,Solihull"
        for code in neighbours
    ]
    (lookups / "lsoa21_ward_lad.csv").write_text(
        "LSOA21CD,LSOA21NM,WD22CD,WD22NM,LAD22CD,LAD22NM\n" + "\n".join(rows) + "\n"
    )
    geography = sample.Geography(sorted(ours), sorted(ours), neighbours, area_share=0.6)
    months = [str(p) for p in pd.period_range("2017-04", "2025-03", freq="M")]
    # A folder name and crime types carrying markup, as a hostile or careless file might: the site
    # must show them as text (tested below).
    files = root / HOSTILE_FOLDER
    written = sample.write_months(files, months, 1200, geography, missing=("2019-07",))
    with written[-3].open("a", encoding="utf-8") as handle:
        header = written[-3].read_text(encoding="utf-8").splitlines()[1].split(",")
        for number, crime_type in enumerate(HOSTILE_TYPES):
            row = [*header[:9], crime_type, *header[10:]]
            row[0] = f"hostile{number}"
            handle.write(",".join(row) + "\n")
    return files, lookups


@pytest.fixture(scope="module")
def police_uk_site(police_uk, tmp_path_factory) -> Path:
    files, lookups = police_uk
    root = tmp_path_factory.mktemp("police-uk-build")
    params = parse_parameters(
        {
            "source": "police-uk",
            "data_path": str(files),
            "lookups_path": str(lookups),
            "period_end": "2025-03",
            "peers_path": str(files),  # the force's files hold its other authorities too
        }
    )
    result = build(
        params,
        site_dir=root / "html",
        chapters_dir=root / "chapters",
        progress=False,
        today=dt.date(2026, 1, 31),
        cache_dir=root / "cache",
    )
    return result.site


def test_the_key_findings_count_the_areas_crimes_in_the_period(police_uk, police_uk_site) -> None:
    files, _ = police_uk
    # counted directly from the files: Coventry LSOAs, crime (not ASB), April 2024 to March 2025
    frames = [pd.read_csv(f, encoding="utf-8-sig") for f in sorted(files.rglob("*.csv"))]
    table = pd.concat(frames)
    in_period = table["Month"].between("2024-04", "2025-03")
    ours = table["LSOA code"].fillna("").str.startswith("E019")
    crime = ~table["Crime type"].isin(["Anti-social behaviour", *HOSTILE_TYPES])  # unknown: out
    expected = int((in_period & ours & crime).sum())
    page = (police_uk_site / "book/chapters/key_findings.html").read_text()
    assert f"police recorded {expected:,} crimes in Coventry" in page
    assert "Demonstration data" not in page  # not the demo
    assert "police.uk street-level data" in (police_uk_site / "book/intro.html").read_text()


def test_the_data_page_states_what_reading_the_files_found(police_uk, police_uk_site) -> None:
    files, _ = police_uk
    table = pd.concat(pd.read_csv(f, encoding="utf-8-sig") for f in sorted(files.rglob("*.csv")))
    lsoa = table["LSOA code"].fillna("")
    known = ~table["Crime type"].isin(HOSTILE_TYPES)  # unknown crime types are left out
    kept = int((lsoa.str.startswith("E019") & known).sum())  # the made-up Coventry LSOAs
    outside = int((lsoa != "").sum()) - kept - int((~known).sum())
    page = (police_uk_site / "book/data_and_caveats.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert f"{len(table):,} rows read, {kept:,} kept" in text
    assert "Missing months: 2019-07" in text  # the month left out of the generated files
    assert "Months with no records: July 2019" in text
    assert f"Rows with no location (no LSOA): {int((lsoa == '').sum()):,}" in text
    assert f"Rows outside the area: {outside:,}" in text


def test_what_police_uk_cannot_provide_is_said_never_shown_as_zero(police_uk_site) -> None:
    exploitation = (police_uk_site / "book/chapters/priority_exploitation.html").read_text()
    assert "Domestic abuse: not available from this source" in exploitation
    assert "police.uk records only a crime type, a month and a place" in exploitation
    violence = (police_uk_site / "book/chapters/serious_violence.html").read_text()
    assert "figures are for a proxy, robbery and possession of weapons" in violence
    assert re.search(r"Knife or sharp-object serious violence is not available", violence)
    # a measure police.uk can give (shoplifting, by its own crime type) is counted
    places = (police_uk_site / "book/chapters/priority_public_places.html").read_text()
    assert not re.search(r"Shoplifting: not available", places)
    # no victims' sex or age in police.uk: said once, with no lead-in to shares that are not there
    page = (police_uk_site / "book/chapters/priority_offending.html").read_text()
    offending = unescape(re.sub(r"<[^>]+>", "", page)).replace("\u2019", "'")
    assert "Victims' sex and age are not available from this source for" in offending
    assert "shares are of victims whose sex or age band was recorded" not in offending
    # its headline trend follows serious violence's proxy, as the serious-violence chapter does
    assert "no trend is shown" not in offending
    assert (
        "the underlying change in robbery and possession of weapons (police.uk proxy for serious "
        "violence) is" in " ".join(offending.split())
    )


def test_the_plan_compares_the_area_with_the_forces_other_authorities(
    police_uk, police_uk_site
) -> None:
    files, _ = police_uk
    page = (police_uk_site / "book/chapters/plan_on_a_page.html").read_text()
    assert "An illustrative comparison" in page
    funnels = re.findall(r'<img [^>]*alt="Funnel plot of[^>]*>', page)
    # three funnel plots, each drawn for a wide screen and for a phone
    assert sum("csa-chart-wide" in f for f in funnels) == 3
    assert sum("csa-chart-phone" in f for f in funnels) == 3
    link = re.search(r'href="([^"]*peers-asb\.csv)"', page)
    assert link, "no CSV of the ASB funnel plot"
    csv = (police_uk_site / "book/chapters" / link.group(1)).resolve()
    table = pd.read_csv(csv).set_index("local_authority")
    # ASB counted directly from the files: the made-up Coventry LSOAs (E019...) and Birmingham's
    frames = pd.concat(pd.read_csv(f) for f in sorted(files.rglob("*.csv")))
    asb = frames[
        frames["Month"].between("2024-04", "2025-03")
        & (frames["Crime type"] == "Anti-social behaviour")
    ]
    coventry = int(asb["LSOA code"].fillna("").str.startswith("E019").sum())
    codes = asb["LSOA code"].fillna("")
    assert table.loc["Coventry", "count"] == coventry
    assert table.loc["Birmingham", "count"] == int(codes.str.startswith("E01700").sum())
    assert table.loc["Solihull", "count"] == int(codes.str.startswith("E01710").sum())
    assert len(table) == 3  # the three authorities in the force's files
    # rates per 1,000 of the Census 2021 populations in data/reference
    assert table.loc["Coventry", "rate"] == pytest.approx(1000 * coventry / 345_300, abs=1e-3)


def test_no_page_shows_a_python_object_or_a_missing_number(police_uk_site) -> None:
    """A police.uk edition is full of measures it cannot give: each must read "not available",
    never a Python value."""
    for page in (police_uk_site / "book").rglob("*.html"):
        html = page.read_text()
        text = re.sub(r"<[^>]+>", " ", html)
        assert "IPython.core.display" not in text, page.name
        assert not re.search(r"\b(nan|NaN|inf)\b|&lt;NA&gt;", text), page.name
        # Python's None as a value: alone in a cell, or after a colon ("None of ..." is English)
        assert not re.search(r">\s*None\s*<|:\s*None\b", html), page.name


def test_the_plan_follows_serious_violence_through_the_chapters_proxy(
    police_uk, police_uk_site
) -> None:
    files, _ = police_uk
    table = pd.concat(pd.read_csv(f, encoding="utf-8-sig") for f in sorted(files.rglob("*.csv")))
    ours = table["LSOA code"].fillna("").str.startswith("E019")
    proxy = table["Crime type"].isin(["Robbery", "Possession of weapons"])
    n = int((ours & proxy & table["Month"].between("2024-04", "2025-03")).sum())
    html = (police_uk_site / "book/chapters/plan_on_a_page.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    label = "Robbery and possession of weapons (police.uk proxy for serious violence)"
    # the plan's row: the measure, the direction wanted, then its latest count
    assert f"{label} ↓ (wanted: fewer) {n:,} offences, 2024/25" in text
    violence = (police_uk_site / "book/chapters/serious_violence.html").read_text()
    assert label in violence  # the same measure the chapter's verdict follows
    # and the chapter says what the proxy counts, from serious_violence.yml
    assert "offences of the police.uk crime types Robbery or Possession of weapons" in violence


def test_rates_on_demonstration_populations_are_flagged_on_real_data(police_uk_site) -> None:
    """No --population: the ward populations are the demo's, so every rate says it is illustrative."""
    wards = re.sub(r"<[^>]+>", "", (police_uk_site / "book/chapters/wards.html").read_text())
    assert "These rates are illustrative:" in wards
    # police.uk gives no measure that could identify a victim by ward: no note on withholding
    assert "Counts from 1 to 4 of" not in wards
    findings = (police_uk_site / "book/chapters/key_findings.html").read_text()
    assert "per 1,000 residents (on demonstration ward populations: illustrative)" in findings
    assert "These rates are illustrative:" in re.sub(r"<[^>]+>", "", findings)


def test_the_caveats_cover_only_what_the_source_provides(police_uk_site) -> None:
    places = (police_uk_site / "book/chapters/priority_public_places.html").read_text()
    caveats = re.sub(r"<[^>]+>", "", places.split("Caveats", 1)[1].split("The measures", 1)[0])
    # police.uk has no ASB types: only the city centre's ASB is a part of ASB here
    assert "ASB in the city centre is part of anti-social behaviour" in caveats
    assert "personal ASB" not in caveats
    # serious violence, the offending chapter's headline, needs flags police.uk does not have: the
    # chapter follows its proxy, as the serious-violence chapter does, and its caveat says so
    offending = unescape(
        re.sub(
            r"<[^>]+>", "", (police_uk_site / "book/chapters/priority_offending.html").read_text()
        )
    )
    assert "robbery and possession of weapons (police.uk proxy for serious violence) varied" in (
        offending
    )
    assert "the trend below shows the longer run" in offending
    # none of the exploitation chapter's measures: no verdict, so no caveats
    exploitation = (police_uk_site / "book/chapters/priority_exploitation.html").read_text()
    listed = len(load_definitions().priorities["exploitation"].measures)
    assert f"None of the {listed} measures is available" in exploitation
    assert "Caveats" not in exploitation


def test_text_from_the_files_is_shown_as_text_never_as_markup(police_uk_site) -> None:
    """Crime types and a folder name carrying HTML, a Markdown link, a MyST role and backticks
    appear on the data page as their own text (HTML-escaped), and add no element or link."""
    from html import escape

    page = (police_uk_site / "book/data_and_caveats.html").read_text()
    for crime_type in HOSTILE_TYPES:
        assert escape(crime_type, quote=False) in page, crime_type
    assert escape("<b onmouseover=alert(1)>x", quote=False) in page  # the folder, in the footer too
    for site_page in police_uk_site.rglob("*.html"):
        html = site_page.read_text()
        assert "<img src=x" not in html
        assert "<b onmouseover" not in html
        assert 'href="https://evil.example' not in html
        assert "<sub>role</sub>" not in html and "<em>em</em>" not in html
