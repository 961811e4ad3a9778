"""What `render --format mermaid` writes, drawn by the real Mermaid, 10 and
11 (the versions GitHub and editors have used), under jsdom: every chart
parses and renders in both, each node's fill and outline is the one the
diagram asked for and the same in both versions (a lint finding is a red
outline in Mermaid 10 too), links get their lint red and `--sim` widths,
and labels read back as written.

tests/consumers/install.sh installs the pinned packages (CI runs it); this
test runs it itself when they are missing. It skips only without Node.js
and npm."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from nurturedsl import model
from nurturedsl.render.command import diagram_for
from nurturedsl.render.diagram import LINT_COLOUR, MUTED, TONES, pen
from nurturedsl.render.mermaid import _ids, to_mermaid
from nurturedsl.render.overlay import lint_programme
from nurturedsl.render.words import clean

from .conftest import PLAYBOOKS, ROOT
from .test_render import _hostile_playbook

CONSUMERS = ROOT / "tests" / "consumers"
HARNESS = CONSUMERS / "mermaid"
VERSIONS = ("10", "11")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="Node.js and npm are needed to run Mermaid"
)


def _installed() -> bool:
    wanted = json.loads((HARNESS / "package.json").read_text())["dependencies"]
    for name, spec in wanted.items():
        manifest = HARNESS / "node_modules" / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["version"] != spec.rpartition("@")[2]:
            return False
    return True


@pytest.fixture(scope="module")
def mermaid():
    """Draws charts with each Mermaid version: {version: [result per chart]}."""
    if not _installed():
        subprocess.run(["bash", str(CONSUMERS / "install.sh")], check=True, timeout=600)
    assert _installed(), "tests/consumers/install.sh did not install the pinned packages"

    def draw(charts: list[str]) -> dict[str, list[dict]]:
        # one Node process per version, side by side: each spends seconds
        # in Mermaid's layout
        out = {}
        with tempfile.TemporaryDirectory() as folder:
            given = Path(folder) / "charts.json"
            given.write_text(json.dumps(charts), encoding="utf-8")
            running = {}
            for version in VERSIONS:
                with given.open("rb") as stdin:
                    running[version] = subprocess.Popen(
                        ["node", "styles.mjs", version],
                        stdin=stdin,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        cwd=HARNESS,
                    )
            for version, process in running.items():
                stdout, stderr = process.communicate(timeout=300)
                assert process.returncode == 0, stderr.decode()
                out[version] = json.loads(stdout)
                assert {r["version"].split(".")[0] for r in out[version]} == {version}
        return out

    return draw


def _diagrams():
    """Diagrams that use every style the Mermaid writer has: the overview
    with the real lint findings, and two flows that hold every shape, each
    node with a finding, links with findings and `--sim` widths and mutes."""
    programme = model.load(str(PLAYBOOKS / "programme.nurture"))
    findings = lint_programme(programme)
    assert findings, "the bundled programme has lint findings to draw"
    out = [diagram_for(programme, None, findings)]
    for name in ("surround", "ghost"):
        diagram = diagram_for(programme, name)
        for node in diagram.nodes:
            node.findings.append(("NUR999", f"a finding on {node.id}"))
        out.append(diagram)
    busy = out[1].edges
    busy[0].findings.append(("NUR998", "a finding on a wait"))
    busy[1].width = 6
    busy[2].muted, busy[2].width = True, 1
    busy[3].width = 4.5
    busy[3].findings.append(("NUR997", "a finding on a busy wait"))
    return out


def _expected_links(diagram) -> Counter:
    styled = Counter()
    for edge in diagram.edges:
        if edge.findings:
            styled[(LINT_COLOUR, pen(max(3, edge.width or 0)) + "px")] += 1
        elif edge.muted:
            styled[(MUTED, pen(edge.width or 1) + "px")] += 1
        elif edge.width is not None:
            styled[(None, pen(edge.width) + "px")] += 1
    return styled


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_mermaid_10_and_11_draw_the_same_outlines_fills_and_labels(mermaid, tmp_path):
    hostile = diagram_for(_hostile_playbook(tmp_path), "f")
    hostile.nodes[1].findings.append(("NUR999", 'quotes "q", <b>tags</b>, %% and `ticks`'))
    diagrams = _diagrams() + [hostile]
    drawn = mermaid([to_mermaid(d) for d in diagrams])
    for k, diagram in enumerate(diagrams):
        ids = _ids(diagram)
        looks = {}
        for version in VERSIONS:
            result = drawn[version][k]
            assert "error" not in result, (version, result.get("error"), to_mermaid(diagram))
            nodes = result["nodes"]
            for node in diagram.nodes:
                got = nodes[ids[node.id]]
                fill, border, _ = TONES[node.tone]
                want = {
                    "fill": fill,
                    "stroke": LINT_COLOUR if node.findings else border,
                    "strokeWidth": "3px" if node.findings else got["strokeWidth"],
                }
                assert {key: got[key] for key in want} == want, (version, node.id, got)
                lines = list(node.lines) + (
                    ["lint: " + ", ".join(sorted({c for c, _ in node.findings}))] if node.findings else []
                )
                assert _squeeze(got["label"].replace("\u2060", "")) == _squeeze("".join(map(clean, lines))), (
                    version,
                    node.id,
                )
            notes = [nodes[name] for name in nodes if name.startswith("lint_")]
            assert len(notes) == sum(1 for node in diagram.nodes if node.findings)
            assert all(note["stroke"] == LINT_COLOUR for note in notes)
            links = result["links"]
            assert len(links) == len(diagram.edges) + len(notes)
            got_links = Counter(
                (link["stroke"] if link["stroke"] in (LINT_COLOUR, MUTED) else None, link["strokeWidth"])
                for link in links
            )
            assert not _expected_links(diagram) - got_links, (version, got_links)
            looks[version] = {name: (n["fill"], n["stroke"], n["strokeWidth"]) for name, n in nodes.items()}
        assert looks["10"] == looks["11"]


def test_every_legend_and_direction_draws_in_both_versions(mermaid):
    """The compact legend's rows (invisible links, nested subgraphs) and
    the full one, top to bottom and left to right, parse and draw in Mermaid
    10 and 11, with every legend box there."""
    from nurturedsl.render.diagram import legend, short_legend

    programme = model.load(str(PLAYBOOKS / "programme.nurture"))
    diagrams = [diagram_for(programme, "surround"), diagram_for(programme, None)]
    charts = [
        (d, style, direction)
        for d in diagrams
        for style, direction in (("compact", "TB"), ("compact", "LR"), ("full", "TB"), ("none", "LR"))
    ]
    drawn = mermaid([to_mermaid(d, style, direction) for d, style, direction in charts])
    for k, (diagram, style, direction) in enumerate(charts):
        boxes = {"compact": len(short_legend(diagram)), "full": len(legend(diagram)), "none": 0}[style]
        for version in VERSIONS:
            result = drawn[version][k]
            assert "error" not in result, (version, style, direction, result.get("error"))
            shown = [name for name in result["nodes"] if re.fullmatch(r"legend_\d+", name)]
            assert len(shown) == boxes, (version, style, direction)
            assert len(result["nodes"]) == len(diagram.nodes) + boxes + (1 if style == "full" else 0)
