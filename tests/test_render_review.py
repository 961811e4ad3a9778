"""The diagram review of issue 15 (REVIEW15-diagrams): what a reader of the
overview and the flow diagrams was told wrong or could not read, each case
hand-computed from docs/render.md."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nurturedsl import nodes as n
from nurturedsl.diagnostics import DiagnosticError
from nurturedsl.graph import flow_graph
from nurturedsl.render.command import diagram_for
from nurturedsl.render.diagram import Count, most_per_contact, typical_per_contact
from nurturedsl.render.dot import to_dot

from .test_render import FLOWS, PROGRAMME, load, needs_dot, playbook, run
from .test_render import sim_report as sim_report  # a fixture: pytest finds it by name


def _touches(g):
    return lambda node: 1 if isinstance(g.nodes[node]["step"], n.Touch) else 0


# ------------------------------------------- most per contact (#1, #6) --


def test_a_repeat_inside_a_goto_loop_keeps_its_bound(tmp_path):
    body = """ email start: b
 repeat every 7d at most 8 { email a }
 branch {
  when s { goto start }
  else { email c }
 }"""
    programme = playbook(tmp_path, body)
    g = flow_graph(programme.flows["f"])
    # one round: b, then a 8 times, then c (the else arm) = 10; the goto goes round again
    assert most_per_contact(g, _touches(g)) == Count(10, more=True)
    assert typical_per_contact(g, _touches(g)) == Count(10)
    assert diagram_for(programme, None).node("f").lines[1:] == ["10 or more messages,", "typically 10"]


def test_nested_repeats_inside_a_goto_loop_multiply(tmp_path):
    body = """ email start: b
 repeat every 7d at most 3 {
  email a
  repeat every 1d at most 2 { email c }
 }
 branch {
  when s { goto start }
  else { exit "done" }
 }"""
    g = flow_graph(playbook(tmp_path, body).flows["f"])
    # 1 + 3 x (1 + 2 x 1) = 10 a round
    assert most_per_contact(g, _touches(g)) == Count(10, more=True)


_TOUCH = st.sampled_from([" email a", " email b", " email c"])


def _steps(depth: int) -> st.SearchStrategy[list[str]]:
    leaf = st.one_of(_TOUCH, st.just(" wait 1d"), st.just(" goto start"))
    if depth == 0:
        return st.lists(leaf, min_size=1, max_size=3)

    def block(inner: list[str]) -> str:
        return "\n".join(inner)

    inner = _steps(depth - 1).map(block)
    compound = st.one_of(
        st.tuples(st.integers(1, 4), inner).map(lambda t: f" repeat every 7d at most {t[0]} {{\n{t[1]}\n }}"),
        st.tuples(inner, inner).map(lambda t: f" branch {{\n  when s {{\n{t[0]}\n  }}\n  else {{\n{t[1]}\n  }}\n }}"),
        st.tuples(st.integers(1, 99), inner, inner).map(
            lambda t: f" split {{\n  {t[0]}% {{\n{t[1]}\n  }}\n  {100 - t[0]}% {{\n{t[2]}\n  }}\n }}"
        ),
    )
    return st.lists(st.one_of(leaf, compound), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_steps(2).map("\n".join))
def test_at_most_is_never_below_typically(tmp_path, body):
    try:
        programme = playbook(tmp_path, " email start: b\n" + body)
    except DiagnosticError:
        assume(False)
        raise
    g = flow_graph(programme.flows["f"])
    most, typical = most_per_contact(g, _touches(g)), typical_per_contact(g, _touches(g))
    assert most.n >= typical.n
    assert most.more or not typical.more


def test_a_flow_without_messages_says_no_messages(tmp_path):
    quiet = diagram_for(playbook(tmp_path, ' wait 1d\n tag "x"'), None).node("f")
    assert quiet.lines[1:] == ["no messages", "completes on day 1"]


def test_endless_presence_says_or_more_not_at_most(tmp_path):
    box = diagram_for(playbook(tmp_path, " repeat every 7d { linkedin follow }"), None).node("f")
    # a follow is presence, not a message; the repeat has no `at most`
    assert box.lines[1:] == ["no messages", "+ 1 or more presence touches"]


# ------------------------------------------------ compact legend (#2) --


def _layout(programme, flow: str, direction: str) -> tuple[dict, dict]:
    """Graphviz's own layout of a flow diagram: each box's (left, right,
    top, bottom) in points, and the legend's box."""
    import json

    import graphviz

    source = to_dot(diagram_for(programme, flow), "compact", direction)
    laid = json.loads(graphviz.Source(source).pipe(format="json", engine="dot"))
    boxes, legend = {}, None
    for op in laid.get("_ldraw_", []):  # the title's lines, left-aligned: the flow's drawing starts with them
        if op.get("op") == "T":
            x, y = op["pt"]
            boxes[f"title {y}"] = (x, x + op["width"], y, y)
    for obj in laid["objects"]:
        if obj["name"] == "cluster_legend":
            left, bottom, right, top = map(float, obj["bb"].split(","))
            legend = (left, right, top, bottom)
        elif "pos" in obj:
            x, y = map(float, obj["pos"].split(","))
            half_w, half_h = float(obj["width"]) * 36, float(obj["height"]) * 36
            boxes[obj["name"]] = (x - half_w, x + half_w, y + half_h, y - half_h)
    return boxes, legend


@needs_dot
@pytest.mark.parametrize("name,flow", FLOWS)
def test_the_compact_legend_is_no_wider_than_the_flow_and_under_it(name, flow):
    boxes, legend = _layout(load(name), flow, "TB")
    flow_boxes = [box for node, box in boxes.items() if not node.startswith("legend.")]
    left, right = min(b[0] for b in flow_boxes), max(b[1] for b in flow_boxes)
    # before: every legend started under the sinks and ran right (inbound +70% wide)
    assert legend[0] >= left - 8 and legend[1] <= right + 8
    assert legend[2] < min(b[3] for b in flow_boxes)  # under the last box
    assert legend[1] - legend[0] <= right - left
    entries = sorted(
        (node for node in boxes if node.startswith("legend.") and node[7:].isdigit()), key=lambda k: int(k[7:])
    )
    rows = [entries[k : k + 2] for k in range(0, len(entries), 2)]
    for row in rows:  # read left to right, row after row
        assert [boxes[node][0] for node in row] == sorted(boxes[node][0] for node in row)
    for above, below in zip(rows, rows[1:]):
        assert boxes[above[0]][3] > boxes[below[0]][2]


@needs_dot
def test_left_to_right_the_legend_is_one_column_read_downwards():
    boxes, legend = _layout(load("inbound.nurture"), "inbound", "LR")
    entries = [f"legend.{k}" for k in range(6)]  # email give, email ask, LinkedIn give, LinkedIn, webhook, branch
    tops = [boxes[node][2] for node in entries]
    assert tops == sorted(tops, reverse=True)  # y grows upwards in Graphviz's layout
    flow_right = max(b[1] for node, b in boxes.items() if not node.startswith("legend."))
    assert legend[0] > flow_right - 8
    assert len({round(boxes[node][0] + boxes[node][1]) for node in entries}) == 1  # one column


# ----------------------------------------------- HTML overview scale (#3) --

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _scales_at_1400(page: Path) -> list[float]:
    """Each scaled diagram's drawn width over its own, in Chromium at 1400 px."""
    probe = """<script>
const scales = [...document.querySelectorAll('.fit svg')].map(
  s => (s.getBoundingClientRect().width / parseFloat(s.style.width)).toFixed(2));
document.title = 'S=' + scales.join(',');
</script></body>"""
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", probe), encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1400,900",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r"<title>S=([0-9.,]*)</title>", dom)
    assert found, dom[:500]
    return [float(x) for x in found.group(1).split(",")]


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_sim_overview_takes_the_page_width_to_stay_readable(tmp_path, sim_report):
    out = tmp_path / "sim.html"
    assert run(PROGRAMME, "--sim", sim_report, "-o", str(out)).exit_code == 0
    assert '<section id="overview" class="wide">' in out.read_text(encoding="utf-8")
    # before: the 1596 px overview beside the findings column was drawn at 0.62
    assert _scales_at_1400(out)[0] >= 0.8


# ---------------------------------------------- split arms (#4, #5b) --


def test_an_arm_subject_is_only_one_every_contact_of_the_arm_meets_first(tmp_path):
    body = """ split {
  50% "first" { branch {
   when s { email a }
   else { email b }
  } }
  50% "second" { wait 1d
   tag "x"
   email a
   email b }
 }"""
    extra = 'content d give "D give" subject "Subject of D"'
    programme = playbook(tmp_path, body.replace("email a", "email d"), extra)
    arrows = {edge.target: edge.lines for edge in diagram_for(programme, "f").edges if edge.kind == "split"}
    # the first arm parts at once: half its contacts get D, half B; the second's all get D first
    assert list(arrows.values()) == [["50% first"], ["50% second", "wait 1d", "“Subject of D”"]]


def test_an_arm_head_wraps_and_its_subject_is_quoted(tmp_path):
    body = """ split {
  50% "benchmark subject line" { wait 2d
   email d }
  50% "b" { email b }
 }"""
    extra = 'content d give "D" subject "Your 2026 onboarding benchmarks are ready"'
    arrows = [edge.lines for edge in diagram_for(playbook(tmp_path, body, extra), "f").edges if edge.kind == "split"]
    # before: "50% benchmark subject line" (26 chars) on one line, the subject unmarked
    assert arrows[0] == ["50% benchmark", "subject line", "wait 2d", "“Your 2026 onboarding", "benchmarks are ready”"]
    assert all(len(line) <= 25 for line in arrows[0])


# ------------------------------------- lines wrapped once, everywhere (#5) --

_LABEL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _mermaid_lines(text: str) -> list[str]:
    out = []
    for body in _LABEL.findall(text):
        for line in body.split("<br>"):
            out.append(re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), line))
    return out


@pytest.mark.parametrize("flow", [None, "inbound", "ghost", "archive", "reengage", "surround"])
def test_sim_and_lint_lines_fit_mermaids_label_width(sim_report, flow):
    where = ["--flow", flow] if flow else []
    for extra in (["--sim", sim_report], ["--lint"]):
        result = run(PROGRAMME, *where, *extra, "--format", "mermaid")
        assert result.exit_code == 0, result.output
        for line in _mermaid_lines(result.stdout):
            # before: `left: exit on replied within 90d 1` (34), lint notes of ~90 on one line
            assert len(line) <= 25 or line.startswith(("flow ", "email: ", "at most")), (extra, line)


# ------------------------------------------------------------ options (#7) --


def test_no_legend_with_another_legend_is_a_usage_error():
    for args in (["--no-legend", "--legend", "full"], ["--legend", "compact", "--no-legend"]):
        result = run(PROGRAMME, *args)
        assert result.exit_code == 2 and "--no-legend contradicts --legend" in result.output, args
    assert run(PROGRAMME, "--no-legend", "--legend", "none").exit_code == 0  # they agree


def test_legend_and_direction_both_take_any_case():
    assert "legend.notes" in run(PROGRAMME, "--flow", "inbound", "--legend", "FULL").stdout
    assert "rankdir=LR" in run(PROGRAMME, "--direction", "Lr").stdout


def test_an_unknown_flow_named_like_its_file_gets_a_did_you_mean():
    result = run(PROGRAMME, "--flow", "ghost_recovery")
    assert result.exit_code == 2
    assert "did you mean `ghost` (the flow in ghost-recovery.nurture)?" in result.output


# --------------------------------------------------------- edge kinds (#9) --


def test_an_edge_kind_the_diagram_does_not_know_is_an_error_not_a_default():
    from nurturedsl.render.diagram import _quiet_way

    # before: any unknown kind became "the typical way"; mypy checks the match is whole
    assert _quiet_way([("b", {"kind": "branch"}), ("e", {"kind": "else"})]) == "e"
    with pytest.raises(AssertionError):
        _quiet_way([("x", {"kind": "teleport"})])
