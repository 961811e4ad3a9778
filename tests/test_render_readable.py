"""Diagrams a VP reads (issue 15): top to bottom by default, a compact
legend (none in Mermaid), labels wrapped once, step names instead of
generated ids, split arms' subjects, messages per contact on the overview,
and HTML diagrams that fit the page. Expected numbers are read off the
playbooks by hand (the comments say how)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurturedsl import nodes as n
from nurturedsl.graph import flow_graph
from nurturedsl.render import words
from nurturedsl.render.command import diagram_for
from nurturedsl.render.diagram import Count, most_per_contact, short_legend, typical_per_contact
from nurturedsl.render.dot import to_dot

from .conftest import PLAYBOOKS
from .test_render import FLOWS, load, needs_dot, playbook, run

PROGRAMME = str(PLAYBOOKS / "programme.nurture")
GENERATED_ID = re.compile(r"\b[a-z][a-z_]*_\d+\b")


def _all_lines(diagram) -> list[str]:
    return [line for node in diagram.nodes for line in node.lines] + [
        line for edge in diagram.edges for line in edge.lines
    ]


# ------------------------------------------------------------ direction --


def test_top_to_bottom_is_the_default_and_left_to_right_an_option(tmp_path):
    dot = run(PROGRAMME, "--flow", "inbound").stdout
    assert re.search(r"\brankdir=TB\b", dot) and "rankdir=LR" not in dot
    assert "rankdir=LR" in run(PROGRAMME, "--flow", "inbound", "--direction", "LR").stdout
    assert "rankdir=TB" in run(PROGRAMME).stdout  # the overview too
    mermaid = run(PROGRAMME, "--flow", "inbound", "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart TB\n")
    assert run(PROGRAMME, "--format", "mermaid", "--direction", "lr").stdout.startswith("flowchart LR\n")
    bad = run(PROGRAMME, "--direction", "up")
    assert bad.exit_code == 2 and "--direction" in bad.output


@needs_dot
def test_a_bundled_flow_drawn_top_to_bottom_is_taller_than_wide(tmp_path):
    # before: inbound was 3057 x 568 px left to right
    out = tmp_path / "inbound.png"
    assert run(PROGRAMME, "--flow", "inbound", "-o", str(out)).exit_code == 0
    width, height = struct.unpack(">II", out.read_bytes()[16:24])
    assert width <= 1100 and height >= width
    wide = tmp_path / "wide.png"
    assert run(PROGRAMME, "--flow", "inbound", "--direction", "LR", "-o", str(wide)).exit_code == 0
    assert struct.unpack(">II", wide.read_bytes()[16:24])[0] > 2 * width


# --------------------------------------------------------------- legend --


def test_the_compact_legend_shows_only_the_shapes_a_label_does_not_explain():
    inbound = diagram_for(load("programme.nurture"), "inbound")
    # inbound holds: give emails, one ask email, `linkedin connect` with
    # give content, `linkedin follow` without content, a webhook, a branch;
    # entry and `completed` say what they are
    assert [text for _, _, text in short_legend(inbound)] == [
        "email, give",
        "email, ask",
        "LinkedIn, give",
        "LinkedIn",
        "webhook",
        "branch or split",
    ]
    legend_nodes = re.compile(r'^\t+"?legend\.\d+"? \[', re.M)
    assert len(legend_nodes.findall(to_dot(inbound))) == 6  # the default: compact
    assert len(legend_nodes.findall(to_dot(inbound, "full"))) == 8  # + entry, completed
    assert not legend_nodes.findall(to_dot(inbound, "none"))
    assert "legend.notes" in to_dot(inbound, "full") and "legend.notes" not in to_dot(inbound)


def test_mermaid_has_no_legend_unless_asked():
    assert "legend" not in run(PROGRAMME, "--flow", "inbound", "--format", "mermaid").stdout
    compact = run(PROGRAMME, "--flow", "inbound", "--format", "mermaid", "--legend", "compact").stdout
    assert len(re.findall(r"^\s+legend_\d+[(\[{>]", compact, re.M)) == 6
    assert "legend_notes" not in compact
    # after the last box (completed), not beside the first
    assert "  n_end ~~~ legend" in compact
    assert "legend" not in run(PROGRAMME, "--flow", "inbound", "--legend", "full", "--no-legend").stdout


# --------------------------------------------------------------- labels --


@pytest.mark.parametrize("flow", [None] + [flow for _, flow in FLOWS])
def test_bundled_labels_wrap_once_without_a_lone_word_or_a_generated_id(flow):
    programme = load("programme.nurture")
    diagram = diagram_for(programme, flow)
    for line in _all_lines(diagram):
        assert len(line) <= words.TITLE_WIDTH or line.startswith(("flow ", "email: ", "at most")), line
        assert not GENERATED_ID.search(line), line
    titles = [c.title for c in programme.contents.values()]
    for title in titles:
        wrapped = words.wrap(title)
        assert len(wrapped) <= 2
        if len(wrapped) == 2 and len(title.split()) >= 4:
            assert all(" " in line for line in wrapped), wrapped


def test_unnamed_steps_say_what_they_are_not_their_ids(tmp_path):
    body = """
 linkedin follow
 branch {
  when s { email a }
  else { split {
   60% { email b }
   40% { email c }
  } }
 }
 repeat every 7d at most 2 { email a }
 task "Call {name}" for sdr
 suppress "cold"
"""
    diagram = diagram_for(playbook(tmp_path, body), "f")
    lines = _all_lines(diagram)
    assert not [line for line in lines if GENERATED_ID.search(line)]
    heads = [node.lines[0] for node in diagram.nodes]
    assert {"LinkedIn follow", "branch", "split", "repeat", "email", "task", "suppress"} <= set(heads)
    # the ids stay where tools look: node ids and tooltips
    assert any("branch_1" in line for node in diagram.nodes for line in node.tooltip)


@given(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=8), min_size=4, max_size=12))
def test_a_wrapped_label_never_leaves_a_word_alone(parts):
    text = " ".join(parts)
    wrapped = words.wrap(text)
    assert 1 <= len(wrapped) <= 2 and all(len(line) <= words.TITLE_WIDTH for line in wrapped)
    if len(wrapped) == 2:
        assert all(" " in line for line in wrapped), wrapped


# ------------------------------------------------------- split subjects --


def test_split_arms_say_what_they_send(tmp_path):
    extra = 'content s1 give "Same guide"\n  subject "Your guide, as promised"\n'
    extra += 'content s2 give "Same guide"\n  subject "Still want the guide?"\n'
    body = """
 split {
  50% "promise" { email one: s1 }
  50% "question" { wait 1d
   tag "b"
   email two: s2 }
 }
"""
    diagram = diagram_for(playbook(tmp_path, body, extra=extra), "f")
    arms = [edge.lines for edge in diagram.edges if edge.kind == "split"]
    # the boxes would look alike (one title): the arrows carry name, share, subject
    assert arms == [
        ["50% promise", "“Your guide, as promised”"],
        ["50% question", "wait 1d", "“Still want the guide?”"],
    ]


def test_an_arm_whose_box_already_shows_its_title_is_not_repeated():
    ghost = diagram_for(load("programme.nurture"), "ghost")
    assert [edge.lines for edge in ghost.edges if edge.kind == "split"] == [["50% case study"], ["50% roi story"]]


# --------------------------------------------------- messages per contact --


@pytest.mark.parametrize(
    "flow, expected",
    [
        # welcome, checklist, video, then one arm (tech_proof, biz_proof, or
        # the else arm's `linkedin connect`: `linkedin follow` is presence),
        # then ask: 5 on every way; the else arm (a quiet contact) gets 5
        ("inbound", "at most 5 messages"),
        # one arm of the experiment (1), then the close email on time-out (1)
        ("ghost", "at most 2 messages"),
        # `repeat ... at most 8` of one email
        ("archive", "at most 8 messages"),
        ("reengage", "at most 3 messages"),
        # welcome, checklist, video, SMS or LinkedIn connect, ask; the ads
        # are presence, the task and notify go to the team
        ("surround", "at most 5 messages"),
    ],
)
def test_the_overview_counts_messages_per_contact_not_steps(flow, expected):
    overview = diagram_for(load("programme.nurture"), None)
    assert expected in overview.node(flow).lines


def test_at_most_and_typically_differ_where_arms_differ(tmp_path):
    body = """
 email a
 branch {
  when s { email b
   email c }
  else { wait 1d }
 }
 split {
  70% { email a }
  30% { email b
   email c }
 }
 repeat every 7d at most 3 { email a }
 wait until replied up to 5d {
  on event { email b
   email c }
  on timeout { exit "quiet" }
 }
"""
    programme = playbook(tmp_path, body)
    g = flow_graph(programme.flows["f"])

    def counts(node):
        return 1 if isinstance(g.nodes[node]["step"], n.Touch) else 0

    # most: 1 + 2 (the `when` arm) + 2 (the 30% arm) + 3 x 1 + 2 (the event arm) = 10
    # typically: 1 + 0 (else) + 1 (the larger share) + 3 + 0 (time-out, exit) = 5
    assert most_per_contact(g, counts) == Count(10)
    assert typical_per_contact(g, counts) == Count(5)
    assert diagram_for(programme, None).node("f").lines[-2:] == ["at most 10 messages,", "typically 5"]


def test_a_goto_loop_or_an_endless_repeat_says_or_more(tmp_path):
    looped = playbook(
        tmp_path, ' email first: a\n wait 1d\n branch {\n  when s { goto first }\n  else { exit "x" }\n }'
    )
    g = flow_graph(looped.flows["f"])
    touch = lambda node: 1 if isinstance(g.nodes[node]["step"], n.Touch) else 0  # noqa: E731
    assert most_per_contact(g, touch) == Count(1, more=True) and typical_per_contact(g, touch) == Count(1)
    assert diagram_for(looped, None).node("f").lines[-2:] == ["1 or more messages,", "typically 1"]
    endless = playbook(tmp_path, " repeat every 7d { email a }")
    g = flow_graph(endless.flows["f"])
    assert most_per_contact(g, touch) == typical_per_contact(g, touch) == Count(1, more=True)


def test_messages_per_contact_is_linear_in_a_flow_of_many_paths(tmp_path):
    # 24 branches in a row: 2^24 paths, each with one email per branch
    body = "\n".join(" branch {\n  when s { email a }\n  else { email b }\n }" for _ in range(24))
    g = flow_graph(playbook(tmp_path, body).flows["f"])
    touch = lambda node: 1 if isinstance(g.nodes[node]["step"], n.Touch) else 0  # noqa: E731
    assert most_per_contact(g, touch) == typical_per_contact(g, touch) == Count(24)


# ----------------------------------------------------------------- HTML --


@needs_dot
def test_html_diagrams_fit_the_column_with_the_full_size_one_click_away(tmp_path):
    out = tmp_path / "page.html"
    assert run(PROGRAMME, "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "overflow-x: auto" not in page  # no scroll box around a diagram
    fitted = re.findall(r'<div class="fit"><svg style="width: (\d+)px; aspect-ratio: [\d.]+ / [\d.]+"', page)
    assert len(fitted) == 6  # the overview and five flows
    assert page.count("<details><summary>Full size (") == 6
    assert "rankdir" not in page and 'class="fit"' in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_html_page_has_no_horizontal_scroll_at_1400_px(tmp_path):
    out = tmp_path / "page.html"
    assert run(PROGRAMME, "-o", str(out)).exit_code == 0
    probe = """<script>
const fits = [...document.querySelectorAll('.fit svg')].map(s => {
  const box = s.getBoundingClientRect(), column = s.closest('.diagram').getBoundingClientRect();
  return box.width <= column.width + 1 && box.height > 50;
});
document.title = 'W=' + document.documentElement.scrollWidth + ' fits=' + fits.join(',');
</script></body>"""
    out.write_text(out.read_text(encoding="utf-8").replace("</body>", probe), encoding="utf-8")
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,900", "--dump-dom", out.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    title = re.search(r"<title>W=(\d+) fits=([a-z,]*)</title>", dom)
    assert title, dom[:500]
    assert int(title.group(1)) <= 1400
    assert title.group(2).split(",") == ["true"] * 6
