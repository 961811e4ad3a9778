"""`simulate --format html` (nurturedsl/readout/page.py): one self-contained
page whose every figure is the JSON report's, loaded in headless Chromium
at 1400 px: no sideways scroll, charts and diagrams present."""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
from functools import cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from nurturedsl.readout import page
from nurturedsl.readout.diagrams import NO_PROGRAMME, diagrams

from .readout_sample import PLAYBOOK, ROOT, older, real, shaped

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run sets it: there a missing browser fails the tests instead of skipping them
NEED_CHROMIUM = os.environ.get("NURTUREDSL_NEED_CHROMIUM") == "1"


class Figures(HTMLParser):
    """Each marked figure: (JSON pointer, its value, the text shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, Any, str]] = []
        self._open: tuple[str, Any, bool] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-pointer" in found:
            value = json.loads(found["data-value"] or "null")
            # a difference of rates is shown in points (+17.1), as the text report writes it
            self._open = (found["data-pointer"] or "", value, found.get("data-unit") == "points")
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == "span":
            pointer, value, points = self._open
            self.found.append((pointer, value, f"{self._text}%" if points else self._text))
            self._open = None


def figures(text: str) -> list[tuple[str, Any, str]]:
    parser = Figures()
    parser.feed(text)
    return parser.found


def resolve(document: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        document = document[int(key)] if isinstance(document, list) else document[key]
    return document


def assert_same_numbers(html: str, report: dict[str, Any]) -> list[str]:
    """Every figure on the page is the report's, and shown as that number."""
    found = figures(html)
    assert found, "no marked figures on the page"
    for pointer, value, shown in found:
        assert resolve(report, pointer) == value, pointer
        if shown.endswith("%"):
            assert float(shown[:-1]) == pytest.approx(round(100 * value, 1)), (pointer, shown)
        else:
            assert float(shown.replace(",", "")) == pytest.approx(round(value, 2)), (pointer, shown)
    return [pointer for pointer, _, _ in found]


@cache
def shaped_page() -> str:
    """The page of the shaped report with the real run's diagrams, drawn once."""
    return page(shaped(), diagrams(PLAYBOOK, real()))


def test_every_figure_on_the_page_is_the_reports() -> None:
    report = shaped()
    pointers = assert_same_numbers(shaped_page(), report)
    # the new members are on the page, each from its place in the report
    for pointer in (
        "/flows/inbound/funnel/2/lost",
        "/flows/inbound/funnel/1/held",
        "/flows/inbound/conversion/rate",
        "/flows/inbound/paths/0/runs",
        "/splits/ghost.first_give/arms/1/rate",
        "/splits/ghost.first_give/arms/1/rate_interval/0",
        "/splits/ghost.first_give/difference/value",
        "/weekly/3/entries",
        "/weekly/3/touches/sms",
        "/handoffs/time_to_handoff/buckets/2/contacts",
        "/handoffs/time_to_handoff/p90",
        "/thresholds/lead.mql/contacts",
        '/flows/reengage/exits/suppressed "cold-contacts"',
    ):
        assert pointer in pointers, pointer


def test_the_first_line_states_the_run() -> None:
    text = shaped_page()
    line = re.search(r'<p id="run">(.*?)</p>', text)
    assert line is not None
    words = unescape(re.sub(r"<[^>]+>", "", line[1]))
    assert words.startswith("Replay of 12 contacts, from 2026-01-05T00:00:00Z (given with --start)")
    assert "until 2027-01-05T00:00:00Z" in words and "within 14d" in words


def test_the_loses_most_line_ranks_the_reports_steps() -> None:
    text = unescape(re.sub(r"<[^>]+>", "", shaped_page()))
    # the text report's words: `loses most: "The evaluation checklist" email (checklist) 17 lost`
    assert (
        'Loses most: "The evaluation checklist" email (checklist) 17 lost, "Welcome to Acme" email (welcome) 3 lost.'
        in text
    )


def test_a_report_without_the_new_members_still_reads() -> None:
    # 1.2.0's members only: no funnel section, no charts, the rest all there
    report = older(real())
    text = page(report, "none")
    assert_same_numbers(text, report)
    assert 'id="funnels"' not in text and "<figure" not in text
    assert "This report has no figures over time." not in text  # velocity_days is there


def test_compiled_ir_has_no_programme_to_draw_and_the_page_says_so() -> None:
    assert diagrams("programme.json", real()) == NO_PROGRAMME
    assert "compiled IR (.json)" in page(real(), diagrams("programme.json", real()))


def test_the_page_is_self_contained() -> None:
    text = shaped_page()
    for outside in ("<script", "<link", "<img", "@import", "url(http", 'src="', "<iframe"):
        assert outside not in text
    # ids unique on the page though every drawing brings its own
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids))


def test_the_documented_command_writes_a_page_with_the_json_reports_numbers(tmp_path: Path) -> None:
    # docs/simulation.md, "The HTML page and charts": its example, run as written, in a folder of its own
    docs = (Path(ROOT) / "docs" / "simulation.md").read_text()
    block = docs.split("### The HTML page and charts", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    words = shlex.split(block.replace("\\\n", " "))
    assert words[:2] == ["nurturedsl", "simulate"]
    for folder in ("playbooks", "examples"):
        (tmp_path / folder).symlink_to(Path(ROOT) / folder)
    done = subprocess.run(
        [sys.executable, "-m", "nurturedsl", *words[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=ROOT),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "report.html").read_text()
    assert_same_numbers(text, real())
    assert text.count('<div class="diagram">') == 1 + len(real()["flows"])  # the overview and each flow
    assert (tmp_path / "charts" / "charts.md").is_file()


def test_cohort_pages_carry_the_intervals() -> None:
    report = real("cohort")
    text = page(report, "none")
    assert_same_numbers(text, report)
    low, high = report["intervals"]["touches.total"]
    assert f'<span class="iv">[{low:,}–{high:,}]</span>' in text
    assert "Forecast: a cohort of" in text and "95% interval over the runs" in text


# ------------------------------------------------------------- in a browser --


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if CHROMIUM is None:
        if NEED_CHROMIUM:
            pytest.fail("chromium is not installed (NURTUREDSL_NEED_CHROMIUM=1: .ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("page")
    text = shaped_page()
    (folder / "page.html").write_text(text)
    # a copy that writes what the browser measured into the DOM, read back with --dump-dom
    probe = (
        "<script>document.body.setAttribute('data-measured', JSON.stringify({"
        "scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        "svgs: document.querySelectorAll('svg:not(details svg)').length,"
        "charts: [...document.querySelectorAll('figure[data-chart]')].map(f => f.dataset.chart),"
        "widest: Math.max(...[...document.querySelectorAll('svg:not(details svg)')].map(s => s.getBoundingClientRect().right)),"
        "folded: document.querySelectorAll('details:not([open]) svg').length"
        "}));</script></body>"
    )
    (folder / "probe.html").write_text(text.replace("</body>", probe))
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000"]
    shot = folder / "page.png"
    # one launch: the screenshot and the DOM the probe wrote into
    dom = subprocess.run(
        [*flags, f"--screenshot={shot}", "--dump-dom", (folder / "probe.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    measured = re.search(r"data-measured=\"([^\"]+)\"", dom)
    assert measured is not None, dom[:500]
    return {"measured": json.loads(measured[1].replace("&quot;", '"')), "shot": shot, "text": text}


def test_no_horizontal_scroll_at_1400_px(browser: dict[str, Any]) -> None:
    measured = browser["measured"]
    assert measured["inner"] == 1400
    assert measured["scroll"] <= 1400, f"the page is {measured['scroll']} px wide"
    assert measured["widest"] <= 1400  # every chart and diagram scaled to fit (the full sizes are folded away)


def test_charts_and_diagrams_are_drawn(browser: dict[str, Any]) -> None:
    measured = browser["measured"]
    assert measured["charts"] == ["funnel-inbound", "split-ghost.first_give", "weekly", "time-to-handoff"]
    flows = len(real()["flows"])
    assert measured["svgs"] == 4 + 1 + flows  # the charts, the overview, each flow
    assert measured["folded"] == 1 + flows  # each diagram's full size, a click away


def test_the_screenshot_is_1400_px_wide(browser: dict[str, Any]) -> None:
    data = browser["shot"].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)


def test_drawing_the_page_does_not_change_the_report() -> None:
    report = real()
    before = copy.deepcopy(report)
    page(report, "none")
    assert report == before


def test_the_policy_row_says_deferral_reasons_in_words() -> None:
    # review 15 #6b: the text report's "quiet hours 4", not the JSON key quiet_hours
    text = unescape(re.sub(r"<[^>]+>", "", shaped_page()))
    assert "deferredcadence 0, frequency cap 0, quiet hours 4, send days 0" in text.replace("\n", "")
    assert "quiet_hours" not in text and "frequency_cap" not in text


def test_names_are_never_broken_mid_word() -> None:
    # review 15 #8: "archi ve" came from overflow-wrap: anywhere on every cell
    text = shaped_page()
    assert "overflow-wrap: anywhere" not in text and "word-break" not in text
    assert "th:first-child, td:first-child { white-space: nowrap; }" in text


def test_the_experiments_table_has_no_empty_header() -> None:
    text = shaped_page()
    section = text[text.index('id="experiments"') :]
    section = section[: section.index("</section>")]
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", section)
    assert heads and "" not in heads, heads
