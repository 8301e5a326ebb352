"""The built demo site checked for accessibility by an engine (axe-core, through
axe-playwright-python) and by the keyboard, in headless Chromium.

Every page is checked at a desktop's 1280x800 and a phone's 390x844, and at the desktop in the
theme's dark mode (which follows the reader's system setting); any serious or critical
violation fails, naming the page, the rule and the elements. Tabbing through the top of a page,
every control that takes the focus must show it: an outline or a ring at least 2 px wide whose
colour stands out from the page at 3:1 or more (WCAG 2.4.7 and 1.4.11). The site is served on the
loopback and every other host is blocked, as in tests/test_site_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.test_site_browser import _pages, browser, served  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.build, pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWS = {
    "1280x800": (DESKTOP, "light"),
    "390x844": (PHONE, "light"),
    "1280x800-dark": (DESKTOP, "dark"),
}
#: axe-core's impacts that fail the test.
FAILING = {"serious", "critical"}
#: Transitions off, so a focus ring is measured as it ends, not half drawn.
NO_TRANSITIONS = (
    "*, *::before, *::after { transition: none !important; animation: none !important; }"
)

_FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  let back = null;
  for (let n = e.parentElement; n && !back; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') back = c;
  }
  return {
    what: (e.tagName + ' ' + (e.getAttribute('aria-label') || e.innerText || '')).trim().slice(0, 60),
    outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor,
    shadow: s.boxShadow, background: back || getComputedStyle(document.body).backgroundColor,
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
  };
}"""


def _rgb(css: str) -> tuple[float, float, float, float]:
    """``rgb(1, 2, 3)`` or ``rgba(1, 2, 3, 0.5)`` -> (r, g, b, alpha)."""
    inside = css[css.index("(") + 1 : css.index(")")].replace("/", ",").split(",")
    numbers = [float(x) for x in inside if x.strip()]
    return (numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) > 3 else 1.0)


def _contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two opaque CSS colours."""

    def luminance(css: str) -> float:
        channels = [c / 255 for c in _rgb(css)[:3]]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _shadow_ring(shadow: str) -> tuple[str, float] | None:
    """The colour and spread of a box-shadow focus ring (``rgb(...) 0px 0px 0px 3px``) among the
    element's shadows (an inset one marks the current page in the navigation, not the focus)."""
    if not shadow or shadow == "none":
        return None
    for one in re.split(r",\s*(?![^()]*\))", shadow):
        colour = one[: one.index(")") + 1]
        rest = one[len(colour) :].split()
        if "inset" in rest:
            continue
        lengths = [float(x.removesuffix("px")) for x in rest[:4]]
        spread = lengths[3] if len(lengths) > 3 else 0.0
        if _rgb(colour)[3] > 0.5 and spread >= 2:
            return colour, spread
    return None


@pytest.fixture
def view(browser, served, request) -> Iterator:  # noqa: F811 (fixtures)
    """A page in a browser context of the given view that reaches only the loopback site."""
    base, _ = served
    viewport, scheme = VIEWS[request.param]
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    outside: list[str] = []

    def route(route_) -> None:
        url = route_.request.url
        if url.startswith(base) or url.startswith("data:"):
            route_.continue_()
        else:
            outside.append(url)
            route_.abort()

    context.route("**/*", route)
    yield context.new_page()
    context.close()
    assert outside == []


@pytest.mark.parametrize("view", list(VIEWS), indirect=True)
def test_axe_finds_no_serious_or_critical_violation(view, served) -> None:  # noqa: F811
    base, html = served
    axe = Axe()
    found = []
    for name in _pages(html):
        view.goto(urljoin(base, name), wait_until="load")
        # the settled page: the theme's script has set the colour scheme, and its colours are
        # not caught half-way through their transition (a busy machine saw a mid-fade contrast)
        view.wait_for_function("['light', 'dark'].includes(document.documentElement.dataset.theme)")
        view.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        view.evaluate("document.fonts.ready.then(() => true)")
        results = axe.run(view)
        for violation in results.response["violations"]:
            if violation["impact"] in FAILING:
                targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:5]]
                found.append(
                    f"{name}: {violation['id']} ({violation['impact']}): {violation['help']}; "
                    f"{len(violation['nodes'])} elements, e.g. {targets}"
                )
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("view", list(VIEWS), indirect=True)
def test_the_keyboard_focus_is_always_visible(view, served) -> None:  # noqa: F811
    base, _ = served
    missing = []
    for name in ("book/intro.html", "book/chapters/wards.html"):
        view.goto(urljoin(base, name), wait_until="load")
        view.add_style_tag(content=NO_TRANSITIONS)
        seen = 0
        for _ in range(14):  # the skip link, the header, the navigation, the page's first controls
            view.keyboard.press("Tab")
            focus = view.evaluate(_FOCUS)
            if focus is None:
                continue
            seen += 1
            ring = None
            if focus["outlineStyle"] != "none" and focus["outlineWidth"] >= 2:
                ring = focus["outlineColor"]
            elif (shadow := _shadow_ring(focus["shadow"])) is not None:
                ring = shadow[0]
            if not focus["visible"] or ring is None:
                missing.append(f"{name}: {focus['what']!r} shows no focus")
            elif _contrast(ring, focus["background"]) < 3.0:
                missing.append(f"{name}: {focus['what']!r}'s focus ring is faint ({ring})")
        assert seen >= 8, name
    assert missing == [], "\n".join(missing)


def test_the_contrast_helper_matches_known_ratios() -> None:
    assert _contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert _contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)
    assert _shadow_ring("rgb(193, 50, 175) 0px 0px 0px 3px") == ("rgb(193, 50, 175)", 3.0)
    assert _shadow_ring("rgba(0, 0, 0, 0) 0px 0px 0px 0px") is None
    two = "rgb(23, 109, 232) 3px 0px 0px 0px inset, rgb(193, 50, 175) 0px 0px 0px 3px"
    assert _shadow_ring(two) == ("rgb(193, 50, 175)", 3.0)
