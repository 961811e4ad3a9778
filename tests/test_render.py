"""`nurturedsl render`: diagrams drawn from the state graph.

Every bundled playbook's DOT and Mermaid is pinned in a snapshot
(tests/__snapshots__/test_render/, one readable file each). After an
intended change to the drawing, run
`python -m pytest -n 0 tests/test_render.py --snapshot-update`, look at the new
files, and `python3 docs/diagrams/regenerate.py` for the docs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from nurturedsl import graph, model
from nurturedsl.cli import main
from nurturedsl.render import words
from nurturedsl.render.command import diagram_for
from nurturedsl.render.diagram import VARIES, day_offsets, flow_diagram
from nurturedsl.render.dot import to_dot
from nurturedsl.render.mermaid import escape, to_mermaid

from .conftest import PLAYBOOKS, ROOT, write

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's `dot` is not installed (CI installs it)")
# the programme's tests (`*_test.nurture`) compile to the programme they import: pinned once
BUNDLED = sorted(p.name for p in PLAYBOOKS.glob("*.nurture") if not p.name.endswith("_test.nurture"))
FLOWS = [
    ("inbound.nurture", "inbound"),
    ("ghost-recovery.nurture", "ghost"),
    ("archive.nurture", "archive"),
    ("reengagement.nurture", "reengage"),
    ("surround-sound.nurture", "surround"),
]


class DotSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "dot"


class MermaidSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "mmd"


def run(*args, **kwargs):
    return CliRunner().invoke(main, ["render", *args], catch_exceptions=False, **kwargs)


def load(name: str) -> model.Programme:
    return model.load(str(PLAYBOOKS / name))


def playbook(tmp_path, body: str, extra: str = "") -> model.Programme:
    text = (
        f'content a give "A give"\ncontent b give "B give"\ncontent c ask "C ask"\nsegment s = tagged "x"\n'
        f"{extra}\nflow f {{\n exit on unsubscribed\n{body}\n}}\n"
    )
    return model.load(str(write(tmp_path, "f.nurture", text)))


# ------------------------------------------------------------- snapshots --


@pytest.mark.parametrize("name", BUNDLED)
def test_overview_of_every_bundled_playbook_is_pinned(name, snapshot):
    diagram = diagram_for(load(name), None)
    assert to_dot(diagram) == snapshot.use_extension(DotSnapshot)
    assert to_mermaid(diagram) == snapshot.use_extension(MermaidSnapshot)


@pytest.mark.parametrize("name, flow", FLOWS)
def test_every_bundled_flow_is_pinned(name, flow, snapshot):
    diagram = diagram_for(load(name), flow)
    assert to_dot(diagram) == snapshot.use_extension(DotSnapshot)
    assert to_mermaid(diagram) == snapshot.use_extension(MermaidSnapshot)


# ---------------------------------------------- graph-to-diagram mapping --

EDGE_LINE = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|[\w.@]+) -> ("(?:[^"\\]|\\.)*"|[\w.@]+)(?: \[(.*)\])?$', re.M)
NODE_LINE = re.compile(r'^\t+("(?:[^"\\]|\\.)*"|[\w.@]+) \[', re.M)


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1]) if token.startswith('"') else token


def _dot_edges(dot: str) -> list[tuple[str, str, str]]:
    return [
        (_unquote(a), _unquote(b), attrs or "")
        for a, b, attrs in EDGE_LINE.findall(dot)
        if "style=invis" not in (attrs or "")
    ]


def _check_mapping(programme, flow_name):
    """Every step a node or an arrow label, every transition an arrow, with
    its guard, share or wait on it."""
    flow = programme.flows[flow_name]
    g = graph.flow_graph(flow)
    diagram = flow_diagram(programme, flow, g)
    dot = to_dot(diagram, legend_style="none")
    boxes = {_unquote(x) for x in NODE_LINE.findall(dot)} - {"graph", "node", "edge"}
    assert boxes == {node.id for node in diagram.nodes}
    for node_id, attrs in g.nodes(data=True):
        if node_id == graph.END and not g.in_degree(node_id):
            continue
        assert (node_id in boxes) != (node_id in diagram.folded), node_id
        if node_id in diagram.folded:
            assert attrs["type"] in ("wait", "goto")
    arrows = Counter((a, b) for a, b, _ in _dot_edges(dot))
    expected = Counter()
    for source in boxes:
        for target, data in graph.transitions(g, source):
            # a time-out says its delay itself, and a wait kept as a box on it
            delay = data["delay"] if data["kind"] != "timeout" and g.nodes[source]["type"] != "wait" else 0
            while target in diagram.folded:
                ((target, step),) = graph.transitions(g, target)
                delay += step["delay"] or 0
            expected[(source, target)] += 1
            labels = [" ".join(e.lines) for e in diagram.edges if (e.source, e.target) == (source, target)]
            if data["kind"] == "branch":
                assert any("when " in text for text in labels)
            if data["kind"] == "split":
                assert any(f"{data['weight']:g}%" in text for text in labels)
            if delay:
                assert any(f"wait {words.duration(delay)}" in text for text in labels), (source, target, labels)
    assert arrows == expected


@pytest.mark.parametrize("name, flow", FLOWS)
def test_bundled_flows_map_every_step_and_transition(name, flow):
    _check_mapping(load(name), flow)


def test_every_kind_of_step_maps(tmp_path):
    body = """
 email first: a
 wait 2d
 wait 1d
 sms a
 linkedin connect b
 ads retarget: add "retargeting" with b
 task "Call {name}" for sdr
 notify sdr "hot lead"
 wait until replied up to 5d {
  on event { tag "engaged" }
  on timeout { set lifecycle_stage = "mql" }
 }
 split {
  50% "A" { email b }
  50% { wait 3d }
 }
 repeat every 14d at most 3 { email again: a }
 branch {
  when s { goto first }
  when tagged "y" { handoff sales }
  else { suppress "cold" revisit 90d }
 }
 move to g
"""
    programme = playbook(tmp_path, body, extra="flow g { exit on replied\n email a }\n")
    _check_mapping(programme, "f")
    diagram = diagram_for(programme, "f")
    shapes = {node.id: node.shape for node in diagram.nodes}
    assert shapes["first"] == "email" and shapes["a"] == "sms" and shapes["retarget"] == "ads"
    assert shapes["b"] == "linkedin" and shapes["task_1"] == shapes["notify_1"] == "internal"
    assert shapes["wait_until_1"] == "wait_until" and shapes["split_1"] == shapes["repeat_1"] == "decision"
    assert shapes["handoff_1"] == "handoff" and shapes["suppress_1"] == "suppress" and shapes["move_to_1"] == "move"
    assert "wait_1" not in shapes and "goto_1" not in shapes  # drawn as arrow labels
    edges = {(e.source, e.target): e for e in diagram.edges}
    assert edges[("first", "a")].lines == ["wait 3d"]  # two waits in a row add up
    assert edges[("branch_1", "first")].style == "dashed" and "goto" in edges[("branch_1", "first")].lines
    assert edges[("again", "repeat_1")].lines == ["wait 14d"] and edges[("again", "repeat_1")].style == "dashed"
    assert [e.lines[0] for e in diagram.edges if e.source == "wait_until_1"] == ["event: replied", "timeout 5d"]
    assert diagram.node("first").tone == "give" and diagram.node("task_1").tone == "internal"


def test_an_unreachable_wait_keeps_its_box(tmp_path):
    programme = playbook(tmp_path, 'email a\nexit "done"\nwait 3d\nemail b')
    diagram = diagram_for(programme, "f")
    assert diagram.node("wait_1").lines == ["wait 3d"] and ("wait_1", "b") in {
        (e.source, e.target) for e in diagram.edges
    }
    assert "@end" in {node.id for node in diagram.nodes}  # reached from the unreachable steps
    _check_mapping(programme, "f")


# ------------------------------------------------------------ day offsets --


def test_day_offsets_are_fixed_only_where_every_path_agrees(tmp_path):
    body = """
 email one: a
 wait 3d
 branch {
  when s { wait 2d
   email x: b }
  else { wait 2d
   email y: b }
 }
 email joined: c
 branch {
  when s { wait 1d }
 }
 email split_up: a
 wait until replied up to 4d {
  on timeout { email late: b }
 }
"""
    g = graph.flow_graph(playbook(tmp_path, body).flows["f"])
    offsets = day_offsets(g)
    day = 86400
    assert offsets["one"] == 0 and offsets["x"] == offsets["y"] == 5 * day and offsets["joined"] == 5 * day
    assert offsets["split_up"] == VARIES  # 0 or 1 day after `joined`
    assert offsets["late"] == VARIES


def test_timeout_arm_has_a_fixed_day_and_the_event_arm_does_not(tmp_path):
    programme = playbook(
        tmp_path, "email a\nwait until replied up to 5d {\n on event { email b }\n on timeout { email c }\n}"
    )
    diagram = diagram_for(programme, "f")
    assert diagram.node("c").lines[-1] == "day 5"
    assert not any(line.startswith("day") for line in diagram.node("b").lines)
    assert diagram.node("a").lines[-1] == "day 0"


def test_repeat_body_has_no_fixed_day(tmp_path):
    diagram = diagram_for(playbook(tmp_path, "repeat every 7d at most 3 { email a }\nemail b"), "f")
    assert not any(line.startswith("day") for line in diagram.node("a").lines + diagram.node("b").lines)


def test_day_offsets_are_linear_on_2_to_the_30_paths(tmp_path):
    body = "\n".join(
        f" branch {{\n  when s {{ email x{k}: a\n wait 1d }}\n  else {{ email y{k}: b\n wait 1d }}\n }}"
        for k in range(30)
    )
    programme = playbook(tmp_path, body)
    start = time.perf_counter()
    diagram = diagram_for(programme, "f")
    assert time.perf_counter() - start < 1
    assert diagram.node("x29").lines[-1] == "day 29"


# -------------------------------------------------------------- escaping --

HOSTILE = [
    'Say "hi" [now] #1 <b>bold</b> & more',
    "%% not a comment",
    "`code` first",
    "naïve café — 東京 ✓",
    "C:\\new\\N \\l",
    "semi; pipe | brace {x} (y)",
    "<html-like>",
    "ends with backslash \\",
]


def _hostile_playbook(tmp_path) -> model.Programme:
    contents = "\n".join(f"content h{k} give {words.quoted(title)}" for k, title in enumerate(HOSTILE))
    contents += '\ncontent nl give "two\\nlines\\there"'
    steps = "\n".join(f" email h{k}" for k in range(len(HOSTILE))) + "\n email nl"
    text = f'{contents}\nflow f "Title with \\"quotes\\" and <tags>" {{\n exit on unsubscribed\n{steps}\n}}\n'
    return model.load(str(write(tmp_path, "h.nurture", text)))


MERMAID_NODE = re.compile(
    r'^  (n_\w+)(\(\[|\(\(\(|\(\(|\[\[|\[\(|\[/|\[\\|\{\{|[\[({>])"([^"]*)"(\]\)|\)\)\)|\)\)|\]\]|\)\]|/\]|\\\]|\}\}|[\])}])$'
)


def test_hostile_titles_cannot_break_mermaid(tmp_path):
    text = to_mermaid(diagram_for(_hostile_playbook(tmp_path), "f"))
    node_lines = [line for line in text.splitlines() if line.startswith("  n_") and "-->" not in line]
    assert len(node_lines) == len(HOSTILE) + 3
    for line in node_lines:
        match = MERMAID_NODE.match(line)
        assert match, line
        plain = re.sub(r"#\d+;", "", match.group(3).replace("<br>", ""))
        assert not set(plain) & set('"`%;|\\<>&#'), line
    assert "#34;hi#34;" in text and "#37;#37; not a comment" in text and "naïve café — 東京 ✓" in text
    assert "two lines here" in text  # a newline in a title is a space, not a broken line


def test_hostile_titles_survive_dot(tmp_path):
    dot = to_dot(diagram_for(_hostile_playbook(tmp_path), "f"))
    assert '\\"hi\\"' in dot and "C:\\\\new\\\\N \\\\l" in dot
    assert "label=<" not in dot  # never an HTML-like label
    if HAS_DOT:
        svg = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=True).stdout
        texts = {t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")}
        assert {*words.wrap(HOSTILE[0]), "<html-like>", "ends with backslash \\"} <= texts
        assert "C:\\new\\N \\l" in texts and "naïve café — 東京 ✓" in texts


@given(st.text())
def test_mermaid_escape_leaves_nothing_mermaid_would_read(text):
    plain = re.sub(r"#\d+;", "", escape(text))
    assert not set(plain) & set('"`%;|\\<>&#\n\r')


@given(st.text(), st.integers(min_value=2, max_value=80))
def test_shorten_never_exceeds_its_width(text, width):
    assert len(words.shorten(text, width)) <= width


# -------------------------------------------------------------- the command --


def test_dot_to_stdout_and_format_from_the_output_suffix(tmp_path):
    result = run(str(PLAYBOOKS / "programme.nurture"))
    assert result.exit_code == 0 and result.stdout.startswith("digraph overview {")
    out = tmp_path / "inbound.mmd"
    assert run(str(PLAYBOOKS / "programme.nurture"), "--flow", "inbound", "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("flowchart TB\n")
    markdown = tmp_path / "inbound.md"
    assert run(str(PLAYBOOKS / "inbound.nurture"), "--flow", "inbound", "-o", str(markdown)).exit_code == 0
    assert markdown.read_text().startswith("```mermaid\nflowchart TB\n") and markdown.read_text().endswith("```\n")
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["inbound.md", "inbound.mmd"]  # no temporaries


def test_output_is_the_same_bytes_from_any_folder(tmp_path):
    args = ["-m", "nurturedsl", "render", str(PLAYBOOKS / "programme.nurture"), "--flow", "surround"]
    here = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, check=True).stdout
    there = subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    assert here == there and here == run(str(PLAYBOOKS / "programme.nurture"), "--flow", "surround").stdout_bytes


def test_unknown_flow_is_a_usage_error_with_a_suggestion():
    result = run(str(PLAYBOOKS / "programme.nurture"), "--flow", "inbund")
    assert result.exit_code == 2
    assert "no flow `inbund`" in result.stderr and "did you mean `inbound`?" in result.stderr


def test_png_needs_an_output_file():
    result = run(str(PLAYBOOKS / "inbound.nurture"), "--format", "png")
    assert result.exit_code == 2 and "-o" in result.stderr and "Traceback" not in result.output


def test_a_broken_playbook_exits_one_with_its_diagnostics(tmp_path):
    bad = write(tmp_path, "bad.nurture", "flow f { wait 0d }")
    result = run(str(bad), "-o", str(tmp_path / "out.dot"))
    assert result.exit_code == 1 and "error[NUR014]" in result.stderr
    assert not (tmp_path / "out.dot").exists()


def test_render_refuses_to_overwrite_its_playbook(tmp_path):
    source = write(tmp_path, "p.nurture", 'content a give "A"\nflow f { exit on unsubscribed\n email a }\n')
    before = source.read_text()
    result = run(str(source), "--format", "dot", "-o", str(source))
    assert result.exit_code == 2 and source.read_text() == before


def test_missing_dot_says_how_to_install_it(tmp_path):
    python_only = tmp_path / "bin"
    python_only.mkdir()
    # A script, not a symlink: a symlinked venv python outside the venv's
    # folder no longer finds its pyvenv.cfg, and with it the venv's packages.
    (python_only / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (python_only / "python").chmod(0o755)
    env = {**os.environ, "PATH": str(python_only), "PYTHONPATH": str(ROOT)}
    for fmt in ("svg", "html"):
        result = subprocess.run(
            [
                str(python_only / "python"),
                "-m",
                "nurturedsl",
                "render",
                str(PLAYBOOKS / "programme.nurture"),
                "--format",
                fmt,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "Graphviz's `dot` program, which is not installed" in result.stderr
        assert "sudo apt-get install graphviz" in result.stderr and "Traceback" not in result.stderr
    dot = subprocess.run(
        [
            str(python_only / "python"),
            "-m",
            "nurturedsl",
            "render",
            str(PLAYBOOKS / "programme.nurture"),
            "--format",
            "mermaid",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert dot.returncode == 0 and dot.stdout.startswith("flowchart TB")


def mermaid_style(text: str, node_id: str) -> dict[str, str]:
    """The properties of the one class a Mermaid node is in."""
    [name] = [
        line.split()[2]
        for line in text.splitlines()
        if line.startswith("  class ") and node_id in line.split()[1].split(",")
    ]
    [style] = [line.split()[2] for line in text.splitlines() if line.startswith(f"  classDef {name} ")]
    return dict(part.split(":", 1) for part in style.split(","))


def test_lint_overlay_marks_the_step_with_the_finding(tmp_path):
    source = write(
        tmp_path,
        "p.nurture",
        'content a give "A"\ncontent c ask "C"\n'
        "flow f {\n entry when inactive for 30d\n exit on unsubscribed, replied\n"
        " email first: c\n wait 7d\n email a\n}\n",
    )
    dot = run(str(source), "--flow", "f", "--lint").stdout
    first = next(line for line in dot.splitlines() if line.startswith("\tfirst ["))
    assert 'color="#d32f2f"' in first and "lint: NUR301" in first and "tooltip=" in first and "give-to-get" in first
    mermaid = run(str(source), "--flow", "f", "--lint", "--format", "mermaid").stdout
    assert mermaid_style(mermaid, "n_first")["stroke"] == "#d32f2f" and re.search(r"n_first -\.- lint_\d+\n", mermaid)
    assert "\n  style " not in mermaid  # one mechanism, classes: Mermaid 10 lets a class's CSS beat a `style` line
    assert "lint" not in run(str(source), "--flow", "f").stdout


@needs_dot
def test_svg_and_png_render(tmp_path):
    result = run(str(PLAYBOOKS / "programme.nurture"), "--flow", "inbound", "--format", "svg")
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout_bytes)
    titles = {
        g.find("{http://www.w3.org/2000/svg}title").text
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "node"
    }
    assert {"@entry", "welcome", "branch_1", "ask", "@end"} <= titles
    png = tmp_path / "overview.png"
    assert run(str(PLAYBOOKS / "programme.nurture"), "-o", str(png)).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n")


@needs_dot
def test_html_is_one_self_contained_page(tmp_path):
    out = tmp_path / "programme.html"
    assert run(str(PLAYBOOKS / "programme.nurture"), "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('<div class="fit"><svg') == 6 and 'id="flow-inbound"' in page and 'href="#flow-inbound"' in page
    assert "NUR704" in page and "Lint findings" in page
    assert not re.search(r"<script|<link|src=|url\(|@import", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


# ------------------------------------------------------ docs/diagrams --

DOCS = ROOT / "docs" / "diagrams"


def _regenerate():
    import importlib.util

    spec = importlib.util.spec_from_file_location("regenerate", DOCS / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_diagrams_are_up_to_date():
    stale = [
        stem
        for stem, source in _regenerate().dot_sources().items()
        if not (DOCS / f"{stem}.dot").is_file() or (DOCS / f"{stem}.dot").read_text(encoding="utf-8") != source
    ]
    assert not stale, f"docs/diagrams is stale ({', '.join(stale)}): run `python3 docs/diagrams/regenerate.py`"


LABEL = re.compile(r'\blabel=("(?:[^"\\]|\\.)*"|[^\s\]"]+)')


def _dot_texts(dot: str) -> Counter:
    out = Counter()
    for match in LABEL.finditer(dot):
        body = match.group(1)
        body = body[1:-1] if body.startswith('"') else body
        for line in re.split(r"\\[nl]", body):
            line = re.sub(r"\\(.)", r"\1", line)
            if line.strip():
                out[line] += 1
    return out


def test_docs_svgs_show_what_their_dot_says():
    """Graphviz versions and fonts move SVG coordinates, so the SVG is held
    to its DOT's boxes, arrows and words, not to its bytes."""
    svg_ns = "{http://www.w3.org/2000/svg}"
    for dot_file in sorted(DOCS.glob("*.dot")):
        dot = dot_file.read_text(encoding="utf-8")
        svg_file = dot_file.with_suffix(".svg")
        assert svg_file.is_file(), f"{svg_file.name} is missing: run `python3 docs/diagrams/regenerate.py`"
        root = ET.fromstring(svg_file.read_bytes())
        texts = Counter(t.text for t in root.iter(svg_ns + "text") if t.text and t.text.strip())
        titles = Counter(
            g.find(svg_ns + "title").text for g in root.iter(svg_ns + "g") if g.get("class") in ("node", "edge")
        )
        invisible = set(re.findall(r'^\t+"([^"]*)" \[.*\bstyle=invis\b', dot, re.M))  # SVG leaves these out
        boxes = [
            _unquote(x)
            for x in NODE_LINE.findall(dot)
            if x not in ("graph", "node", "edge") and _unquote(x) not in invisible
        ]
        arrows = [f"{a}->{b}" for a, b, _ in _dot_edges(dot)]
        assert texts == _dot_texts(dot), f"{svg_file.name} is stale: run `python3 docs/diagrams/regenerate.py`"
        assert titles == Counter(boxes + arrows), f"{svg_file.name} is stale: run `python3 docs/diagrams/regenerate.py`"


# ------------------------------------------------------ --sim overlay --

EXAMPLES = ROOT / "examples"
PROGRAMME = str(PLAYBOOKS / "programme.nurture")


@pytest.fixture(scope="module")
def sim_report(tmp_path_factory) -> str:
    """A real report: the simulator replaying the bundled 12 contacts."""
    out = tmp_path_factory.mktemp("sim") / "report.json"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            PROGRAMME,
            "--contacts",
            str(EXAMPLES / "contacts.csv"),
            "--events",
            str(EXAMPLES / "events.jsonl"),
            "--start",  # the history replayed as simulated time, from its first day
            "2026-01-05",
            "--format",
            "json",
            "-o",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return str(out)


def _sim_diagram(report_path: str, flow: str | None):
    from nurturedsl.render.simoverlay import check_report, load_report

    programme = load("programme.nurture")
    report = load_report(report_path)
    check_report(report, programme, report_path)
    return programme, report, diagram_for(programme, flow, report=report)


_COUNT = re.compile(r"(?:^| · )([\d,]+)(?: \((?:\d+%|<1%|>99%)\))?$")


def _edge_count(edge) -> int:
    return int(_COUNT.search(edge.lines[-1]).group(1).replace(",", ""))


def _box_counts(node) -> tuple[int, int]:
    came, _, dropped = node.lines[-1].partition(", ")
    return int(came.split()[0]), int(dropped.split()[0]) if dropped else 0


@pytest.mark.parametrize("flow", ["inbound", "ghost", "archive", "reengage", "surround"])
def test_sim_counts_sit_on_the_arrows_they_count(sim_report, flow):
    programme, report, diagram = _sim_diagram(sim_report, flow)
    data = report["flows"][flow]
    g = graph.flow_graph(programme.flows[flow])
    for edge in diagram.edges:
        counts = data["transitions"].get(edge.source, [])
        expected = counts[edge.index] if edge.index < len(counts) else 0
        assert _edge_count(edge) == expected, (edge.source, edge.target, edge.lines)
        if edge.via is not None:  # a folded wait counts what its source sent into it
            assert data["transitions"].get(edge.via, [0])[0] == expected or g.in_degree(edge.via) > 1
    entry = diagram.node(graph.ENTRY)
    assert entry.lines[-1].startswith(f"{data['entered']} entered")
    # every box: what came in is what went out plus what dropped there
    for node in diagram.nodes:
        came, dropped = _box_counts(node)
        inward = [_edge_count(e) for e in diagram.edges if e.target == node.id]
        outward = [_edge_count(e) for e in diagram.edges if e.source == node.id]
        assert came == (data["entered"] if node.id == graph.ENTRY else sum(inward))
        if outward:
            assert sum(outward) + dropped == came, node.id


def test_sim_inbound_entry_and_branch_arms(sim_report):
    _, report, diagram = _sim_diagram(sim_report, "inbound")
    data = report["flows"]["inbound"]
    (entry,) = [e for e in diagram.edges if e.source == graph.ENTRY]
    assert _edge_count(entry) == data["entered"] == data["transitions"]["@entry"][0]
    assert entry.lines == [f"{data['entered']} (100%)"]
    arms = [e for e in diagram.edges if e.source == "branch_1"]
    assert [e.kind for e in arms] == ["branch", "branch", "else"]
    came, dropped = _box_counts(diagram.node("branch_1"))
    assert sum(_edge_count(e) for e in arms) + dropped == came
    assert sum(_edge_count(e) for e in arms) == sum(data["transitions"]["branch_1"])
    # a folded wait: its count on the arrow out of the box before it
    (into_branch,) = [e for e in diagram.edges if e.target == "branch_1"]
    assert into_branch.lines[-1].startswith("wait 4d · ")
    assert _edge_count(into_branch) == data["transitions"]["video"][0] == data["transitions"]["wait_3"][0]


def test_sim_pen_widths_grow_with_volume(sim_report):
    for flow in ("inbound", "surround", "reengage"):
        _, _, diagram = _sim_diagram(sim_report, flow)
        edges = [(_edge_count(e), e) for e in diagram.edges]
        most = max(c for c, _ in edges)
        for count, edge in edges:
            assert edge.width == pytest.approx(1 + 5 * count / most)
            assert edge.muted == (count == 0)
        for (a, x), (b, y) in zip(sorted(edges, key=lambda p: p[0]), sorted(edges, key=lambda p: p[0])[1:]):
            assert x.width <= y.width and (a == b or x.width < y.width)
        dot = to_dot(diagram)
        assert "penwidth=6" in dot and ('color="#b0bec5"' in dot) == any(e.muted for _, e in edges)
        mermaid = to_mermaid(diagram)
        assert re.search(r"linkStyle [\d,]+ stroke-width:6px", mermaid)


def test_sim_overview_puts_exits_on_their_arrows(sim_report):
    programme, report, diagram = _sim_diagram(sim_report, None)
    arrows = {(e.source, e.target): e for e in diagram.edges}
    reengage = report["flows"]["reengage"]
    suppress = arrows[("reengage", "@suppress.1")]
    assert _edge_count(suppress) == reengage["exits"]['suppressed "cold-contacts"']
    assert suppress.width == 6
    unsubscribed = arrows[("inbound", "@unsubscribed")]
    assert _edge_count(unsubscribed) == report["flows"]["inbound"]["exits"]["exit on unsubscribed"]
    # the SQL who was in inbound left it by `exit on lead.sql` (the threshold also handed them off)
    sql = arrows[("inbound", "lead.sql")]
    assert _edge_count(sql) == report["flows"]["inbound"]["exits"]["exit on lead.sql"] == 1 and not sql.muted
    never = arrows[("archive", "lead.sql")]
    assert _edge_count(never) == 0 and never.muted
    inbound = diagram.node("inbound")
    assert f"{report['flows']['inbound']['entered']} entered" in inbound.lines
    text = " ".join(inbound.lines)
    assert "left: completed" in text and "unsubscribed" not in text.partition("left:")[2]
    assert f"{report['suppressed']['cold-contacts']} suppressed" in diagram.node("@suppress.1").lines
    assert all(not e.lines for e in diagram.edges if e.target in programme.flows and "@entry" in e.source)


def test_sim_via_the_command_is_deterministic_and_keeps_the_report(sim_report, tmp_path):
    args = (PROGRAMME, "--flow", "inbound", "--sim", sim_report)
    first, second = run(*args), run(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout and " · " in first.stdout
    mermaid = run(*args, "--format", "mermaid").stdout
    assert "linkStyle" in mermaid and "(100#37;)" in mermaid
    assert run(PROGRAMME, "--sim", sim_report, "-o", sim_report).exit_code == 2  # never overwrites its input
    assert run(PROGRAMME, "--sim", sim_report).exit_code == 0


def test_sim_accepts_a_cohort_report(tmp_path):
    out = tmp_path / "cohort.json"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            PROGRAMME,
            "--cohort",
            "20",
            "--responses",
            str(EXAMPLES / "responses.toml"),
            "--format",
            "json",
            "-o",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    drawn = run(PROGRAMME, "--flow", "surround", "--sim", str(out))
    assert drawn.exit_code == 0 and "entered" in drawn.stdout


def _broken(tmp_path, sim_report, change) -> str:
    import json

    report = json.loads(open(sim_report, encoding="utf-8").read())
    change(report)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r["flows"]["inbound"]["transitions"].update(wait_9=[1]), "flow `inbound` has no step `wait_9`"),
        (lambda r: r["flows"].pop("ghost"), "flow `ghost` is not in the report"),
        (lambda r: r["flows"].update(extra=r["flows"]["ghost"]), "a flow `extra` that the playbook has not"),
        (
            lambda r: r["flows"]["inbound"]["transitions"].update(welcome=[1, 1]),
            "step `welcome` of flow `inbound` has 1 transition in the playbook, 2 in the report",
        ),
    ],
)
def test_sim_refuses_a_report_from_another_playbook(tmp_path, sim_report, change, message):
    result = run(PROGRAMME, "--flow", "inbound", "--sim", _broken(tmp_path, sim_report, change))
    assert result.exit_code == 2 and result.stdout == ""
    assert "was made from a different version of the playbook" in result.stderr and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_sim_overview_takes_a_flow_without_exits(tmp_path, sim_report):
    # the shape check lets `exits` be left out (no run ended yet); drawing it
    # is then "no exits", not an internal error
    import json

    report = _broken(tmp_path, sim_report, lambda r: r["flows"]["inbound"].pop("exits"))
    result = run(PROGRAMME, "--sim", report)
    assert result.exit_code == 0, result.stderr
    entered = json.loads(open(sim_report, encoding="utf-8").read())["flows"]["inbound"]["entered"]
    assert f"{entered} entered" in result.stdout
    assert run(PROGRAMME, "--flow", "inbound", "--sim", report).exit_code == 0


def test_sim_refuses_a_report_for_one_playbook_on_another(sim_report):
    result = run(str(PLAYBOOKS / "inbound.nurture"), "--sim", sim_report)
    assert result.exit_code == 2 and "different version of the playbook" in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read simulation report"),
        ("{", "not JSON"),
        ("[1, 2]", 'it has no "format"'),
        ('{"format": "nurturedsl-ir", "version": "1.0.0"}', 'its format is "nurturedsl-ir"'),
        ('{"format": "nurturedsl-simulation", "version": "2.0.0", "flows": {}}', "version 2.0.0"),
        ('{"format": "nurturedsl-simulation", "version": 1, "flows": {}}', "no valid version"),
        ('{"format": "nurturedsl-simulation", "version": "1.0.0"}', "flows is missing"),
        (
            '{"format": "nurturedsl-simulation", "version": "1.0.0", "flows": {"inbound": {"entered": -1}}}',
            "flows.inbound.entered",
        ),
        (
            '{"format": "nurturedsl-simulation", "version": "1.0.0", "flows": {"inbound": '
            '{"entered": 1, "exits": {}, "transitions": {"welcome": [true]}}}}',
            "flows.inbound.transitions.welcome",
        ),
    ],
)
def test_sim_refuses_what_is_not_a_report(tmp_path, content, message):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run(PROGRAMME, "--sim", str(path))
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_sim_refuses_a_report_that_is_not_a_regular_file_without_reading_it(tmp_path, kind):
    from nurturedsl.render.simoverlay import MAX_REPORT_BYTES

    path = tmp_path / "report.json"
    if kind == "fifo" and not hasattr(os, "mkfifo") or kind == "device" and not os.path.exists("/dev/zero"):
        pytest.skip(f"no {kind} here")
    if kind == "fifo":
        os.mkfifo(path)  # open() would wait for a writer for ever
    elif kind == "device":
        path.symlink_to("/dev/zero")  # read() would never end
    else:
        with open(path, "wb") as handle:
            handle.truncate(MAX_REPORT_BYTES + 1)
    result = run(PROGRAMME, "--sim", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert {
        "fifo": "is a named pipe (FIFO), not a simulation report",
        "device": "is a character device",
        "huge": "a simulation report is limited to 64.0 MiB",
    }[kind] in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_sim_percentages_have_no_decimals():
    from nurturedsl.render.simoverlay import number, percent

    assert percent(0, 0) is None and percent(0, 5) == "0%" and percent(5, 5) == "100%"
    assert percent(1, 3) == "33%" and percent(2, 3) == "67%" and percent(1, 2) == "50%"
    assert percent(1, 1000) == "<1%" and percent(999, 1000) == ">99%"
    assert number(12000) == "12,000" and number(2.0) == "2" and number(2.25) == "2.2"


# A report frozen from the simulator (bundled contacts and events), so
# that the pinned drawing changes only when the drawing does.
FROZEN = {
    "format": "nurturedsl-simulation",
    "version": "1.0.0",
    "flows": {
        "inbound": {
            "contacts": 4,
            "entered": 4,
            "goal_reached": 0,
            "still_in": 0,
            "touches": 12,
            "exits": {"completed": 1, "exit on replied": 1, "exit on unsubscribed": 1, "handoff to sales": 1},
            "transitions": {
                "@entry": [4],
                "ask": [1],
                "biz_proof": [1],
                "branch_1": [0, 1],
                "checklist": [4],
                "video": [2],
                "wait_1": [4],
                "wait_2": [4],
                "wait_3": [2],
                "wait_4": [1],
                "welcome": [4],
            },
        }
    },
}


def test_sim_inbound_is_pinned(tmp_path, snapshot):
    import json

    from nurturedsl.render.simoverlay import check_report, load_report

    path = tmp_path / "report.json"
    path.write_text(json.dumps(FROZEN), encoding="utf-8")
    programme = load("inbound.nurture")
    report = load_report(str(path))
    check_report(report, programme, str(path))
    diagram = diagram_for(programme, "inbound", report=report)
    assert to_dot(diagram) == snapshot.use_extension(DotSnapshot)
    assert to_mermaid(diagram) == snapshot.use_extension(MermaidSnapshot)


@needs_dot
def test_sim_on_the_html_page(sim_report, tmp_path):
    out = tmp_path / "programme.html"
    assert run(PROGRAMME, "--sim", sim_report, "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('<div class="fit"><svg') == 6 and page.count(" entered") >= 10 and "dropped" in page


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "x.pdf"], "render cannot write .pdf files"),
        (["--format", "svg", "-o", "x.png"], "--format svg but -o x.png names a png file"),
    ],
)
def test_an_output_name_that_lies_about_its_format_is_refused(tmp_path, args, message):
    args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    result = CliRunner().invoke(main, ["render", str(PLAYBOOKS / "programme.nurture"), *args])
    assert result.exit_code == 2
    assert message.replace("x.png", str(tmp_path / "x.png")) in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "body",
    [
        "email first: a\nrepeat every 7d { email again: b }",  # a repeat without `at most` at the end
        "wait 3d\ngoto wait_1",  # a loop of nothing but a wait and a goto
    ],
)
def test_flows_that_never_end_are_drawn(tmp_path, body):
    programme = playbook(tmp_path, body)
    diagram = flow_diagram(programme, programme.flows["f"])
    boxes = {node.id for node in diagram.nodes}
    assert all(edge.source in boxes and edge.target in boxes for edge in diagram.edges)
    to_mermaid(diagram)
    to_dot(diagram)
