"""The report in a real browser: headless Chromium (Debian's chromium and chromium-driver).

Opens report.html and every step page of a freshly drawn demo archive and checks: no
console errors (the pages' Content-Security-Policy reports any script or fetch it
refuses as one), no script, no broken images, and Chinese text rendered in a CJK font. A screenshot
of the report goes to tests/artifacts/. Skipped, saying why, where no Chromium exists.
"""

from __future__ import annotations

import pytest

from conftest import CHROMIUM, DRIVER, open_page
from projects import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and DRIVER),
                       reason="no Chromium here: install Debian's 'chromium' and 'chromium-driver' (.ci/run does)"),
]

# Chinese glyphs must come from a CJK font: the width of a CJK string in the page's font
# must equal its width in a known CJK font, and differ from a font without CJK glyphs.
FONT_PROBE = """
const text = '内部资料不得公开双随机一公开';
const canvas = document.createElement('canvas').getContext('2d');
const width = font => { canvas.font = font; return canvas.measureText(text).width; };
const body = getComputedStyle(document.body).fontFamily;
return {
  family: body,
  cjkAvailable: document.fonts.check("16px 'Noto Sans CJK SC'", text),
  page: width('16px ' + body), cjk: width("16px 'Noto Sans CJK SC'"),
};
"""


@pytest.fixture(scope="module")
def archive(demo_drawn):
    root, _ = demo_drawn
    return root / "outputs" / "demo-2026Q4"


PAGES = ["report.html", "html/01-draw.html", "html/02-match.html", "html/03-inspectors.html",
         "html/04-compliance.html"]


@pytest.mark.parametrize("page", PAGES)
def test_page_has_no_console_errors_and_no_broken_images(archive, browser, page):
    errors = [entry for entry in open_page(browser, archive / page) if entry["level"] == "SEVERE"]
    assert errors == []  # a Content-Security-Policy violation would be one
    assert browser.execute_script("return document.scripts.length;") == 0
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.src.slice(0, 30)]);")
    assert images and all(ok for ok, _ in images), images


def test_chinese_text_renders_in_a_cjk_font_and_the_report_is_screenshotted(archive, browser):
    browser.get((archive / "report.html").as_uri())
    probe = browser.execute_script(FONT_PROBE)
    assert probe["cjkAvailable"], "no CJK font in this browser: install fonts-noto-cjk"
    assert abs(probe["page"] - probe["cjk"]) < 0.5, probe
    assert "内部资料" in browser.find_element("tag name", "body").text
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "report.png"
    browser.save_screenshot(str(target))
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize(("page", "images"), [
    ("outputs/demo-2026Q4/records/0001-results/html/05-results.html", True),
    ("public/demo-2026Q4/publication.html", False),
])
def test_results_pages_open_with_a_clean_console_and_no_script(demo_results, browser, page, images):
    root, _ = demo_results
    assert [entry for entry in open_page(browser, root / page) if entry["level"] == "SEVERE"] == []
    assert browser.execute_script("return document.scripts.length;") == 0
    shown = browser.execute_script(
        "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0);")
    assert (bool(shown) and all(shown)) if images else shown == []
    text = browser.find_element("tag name", "body").text
    if page.startswith("public/"):
        assert "结果公示" in text and "内部资料" not in text and "等级" not in text
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "public.png"))
    else:
        assert "内部资料" in text and "逾期" in text
