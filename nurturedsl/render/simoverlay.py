"""A simulation report on a diagram (`render --sim REPORT.json`): how many
contacts took each arrow, so the drop-off is visible.

The report is `nurturedsl simulate --format json` (docs/simulation.md, "The
report"): for each flow, `transitions` maps a step's node id to the number
of times each of its transitions was taken, in the IR's order, which is
the order of `graph.transitions`. Trailing zeros and steps never reached
may be left out; they count as 0.

On a flow:

- an arrow's count is the count of the transition leaving the box the
  arrow starts from. When waits (or a goto) are folded into the arrow, it
  is the same number: the simulator counts a transition when it is taken,
  before its wait, so a contact who leaves the flow during the wait has
  taken the arrow and drops out at the box it leads to;
- its percentage is that count over the contacts that came into the box it
  starts from (for the entry, the flow's entries);
- its pen width is 1 + 5 x count / the largest count on the flow; an arrow
  never taken is thin and grey;
- a box says how many came in (the sum of the counts on the arrows into
  it, `entered` for the entry) and how many of them dropped there: left
  the flow during the wait before it or at it (an exit condition, a
  handoff, a move) or were still there when the simulation ended. A box's
  arrows and its drop add up to what came in.

On the overview, flow boxes say their entries, exits go on the arrows to
the handoff, suppression, unsubscribed, threshold and `move to` boxes
they match, and the rest of the ways out are listed in the flow's box.
The shared boxes show the report's own figures (docs/simulation.md,
"Counts"): `handoffs.by_team` (contacts handed to the team, in a flow or
not), `suppressed`, `unsubscribes` and each threshold's contacts. A flow
left by a threshold's hand-off while its `exit on` that threshold held is
reported as that exit, so it is on the flow's arrow to the threshold.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..digraph import MultiDiGraph
from ..graph import ENTRY, flow_graph, transitions
from ..model import Programme
from . import words
from .diagram import Diagram, Edge, Node

FORMAT = "nurturedsl-simulation"
MAJOR = 1
# A report holds counts per arrow, not per contact: a few MiB for the largest
# programme. The limit only stops a runaway file or a device from being read.
MAX_REPORT_BYTES = 64 << 20
WIDEST = 6.0  # the pen width of the busiest arrow; the thinnest is 1

# A report as JSON gave it: load_report checks the members drawn here (counts
# finite and >= 0), and check_report that it fits the playbook.
Report = dict[str, Any]


FLOW_NOTES = (
    "simulated: 4 (80%) on an arrow: contacts who took it, share of those in its box",
    "4 in, 1 dropped: came into the box; left in the wait before it or at it",
    "arrow width by contacts; thin grey: no contact took it",
)
OVERVIEW_NOTES = (
    "simulated: 8 (80%) on an arrow: contacts who left the flow that way, share of its entries",
    "arrow width by contacts; thin grey: no contact left that way",
)


class ReportError(Exception):
    """A report that cannot be drawn: a one-line reason."""


# ----------------------------------------------------------------- reading --


def load_report(path: str) -> Report:
    """The report at `path`, its format, version and shape checked."""
    from ..files import UnreadableInput, read_input

    try:
        # never open() a FIFO nor read a device: read_input refuses them first
        text = read_input(path, MAX_REPORT_BYTES, "simulation report").decode("utf-8")
    except UnreadableInput as error:
        said = str(error)
        raise ReportError(
            "cannot read simulation report " + said[len("cannot read ") :] if said.startswith("cannot read ") else said
        ) from None
    except UnicodeDecodeError:
        raise ReportError(f"{path} is not a simulation report: it is not UTF-8 text") from None
    try:
        report = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(
            f"{path} is not a simulation report: not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise ReportError(f"{path} is not a simulation report: JSON nested too deeply") from None
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        found = report.get("format") if isinstance(report, dict) else None
        said = f"its format is {json.dumps(found)}" if isinstance(found, str) else 'it has no "format"'
        raise ReportError(
            f'{path} is not a simulation report: {said}, not "{FORMAT}" '
            "(make one with `nurturedsl simulate --format json`)"
        )
    version = report.get("version")
    major = version.split(".")[0] if isinstance(version, str) else ""
    if not major.isdigit():
        raise ReportError(f"{path} has no valid version ({json.dumps(version)}); expected {MAJOR}.x.y")
    if int(major) != MAJOR:
        raise ReportError(
            f"{path} is a version {version} simulation report; this nurturedsl draws "
            f"version {MAJOR}.x reports (simulate again with this nurturedsl)"
        )
    _check_shape(report, path)
    return report


def _count(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _check_shape(report: Report, path: str) -> None:
    def bad(where: str, what: str) -> ReportError:
        return ReportError(f"{path} is not a valid simulation report: {where} {what}")

    flows = report.get("flows")
    if not isinstance(flows, dict):
        raise bad("flows", "is missing or not an object")
    for name, flow in flows.items():
        where = f"flows.{name}"
        if not isinstance(flow, dict):
            raise bad(where, "is not an object")
        if not _count(flow.get("entered")):
            raise bad(f"{where}.entered", "is missing or not a count")
        exits = flow.get("exits", {})
        if not isinstance(exits, dict) or not all(_count(v) for v in exits.values()):
            raise bad(f"{where}.exits", "is not an object of counts")
        if "still_in" in flow and not _count(flow["still_in"]):
            raise bad(f"{where}.still_in", "is not a count")
        steps = flow.get("transitions")
        if not isinstance(steps, dict):
            raise bad(f"{where}.transitions", "is missing or not an object")
        for node, counts in steps.items():
            if not isinstance(counts, list) or not all(_count(c) for c in counts):
                raise bad(f"{where}.transitions.{node}", "is not a list of counts")


def check_report(report: Report, programme: Programme, path: str) -> None:
    """Refuse a report made from another version of the playbook, naming the
    first difference: a flow or step one has and the other has not, or a
    step with more transitions in the report than in the playbook."""

    def other(what: str) -> ReportError:
        return ReportError(f"{path} was made from a different version of the playbook: {what}; simulate it again")

    flows = report["flows"]
    for name in programme.flows:
        if name not in flows:
            raise other(f"flow `{name}` is not in the report")
    for name, data in flows.items():
        flow = programme.flows.get(name)
        if flow is None:
            raise other(f"the report has a flow `{name}` that the playbook has not")
        g = flow_graph(flow)
        for node, counts in data["transitions"].items():
            if node not in g:
                raise other(f"flow `{name}` has no step `{node}`")
            have = len(transitions(g, node))
            if len(counts) > have:
                raise other(
                    f"step `{node}` of flow `{name}` has {have} transition{'s' * (have != 1)} "
                    f"in the playbook, {len(counts)} in the report"
                )


# --------------------------------------------------------------- numbers --


def number(value: float) -> str:
    """`412`, `12,000`; a mean from a cohort keeps one decimal."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def percent(part: float, whole: float) -> str | None:
    """A share with no decimals, `<1%` and `>99%` at the edges, None of
    nothing."""
    if whole <= 0:
        return None
    share = 100 * part / whole
    if part > 0 and share < 1:
        return "<1%"
    if part < whole and share >= 99.5:
        return ">99%"
    return f"{math.floor(share + 0.5)}%"


def width(count: float, most: float) -> float:
    """1 + 5 x count / the largest count: 1 for nothing, 6 for the most."""
    return 1 + (WIDEST - 1) * count / most if most > 0 else 1


def _tell(edge: Edge, text: str, join: int = words.TITLE_WIDTH) -> None:
    """The count on an arrow's last line (`wait 3d · 412 (83%)`) when it fits."""
    if edge.lines and len(edge.lines[-1]) + len(text) + 3 <= join:
        edge.lines[-1] += f" · {text}"
    else:
        edge.lines.append(text)


# ---------------------------------------------------------------- a flow --


def place_on_flow(diagram: Diagram, g: MultiDiGraph[str], data: dict[str, Any]) -> None:
    """Counts, shares and widths on a flow's arrows; what came into and
    dropped at each box."""
    taken = data["transitions"]

    def count(edge: Edge) -> float:
        counts = taken.get(edge.source, [])
        return counts[edge.index] if edge.index is not None and edge.index < len(counts) else 0

    counts = [count(edge) for edge in diagram.edges]
    came: dict[str, float] = {ENTRY: data["entered"]}
    went: dict[str, float] = {}
    for edge, c in zip(diagram.edges, counts):
        if edge.target != ENTRY:
            came[edge.target] = came.get(edge.target, 0) + c
        went[edge.source] = went.get(edge.source, 0) + c
    most = max(counts, default=0)
    for edge, c in zip(diagram.edges, counts):
        share = percent(c, came.get(edge.source, 0))
        _tell(edge, number(c) + (f" ({share})" if share else ""))
        edge.width = width(c, most)
        edge.muted = c == 0
    for node in diagram.nodes:
        if node.source is None or node.source not in g:
            continue
        inside = came.get(node.id, 0)
        line = f"{number(inside)} {'entered' if node.id == ENTRY else 'in'}"
        if node.id in went and inside > went[node.id]:
            line += f", {number(inside - went[node.id])} dropped"
        node.lines.append(line)
    diagram.notes += FLOW_NOTES
    still = data.get("still_in")
    if still:
        diagram.title.append(f"simulated: {number(data['entered'])} entered, {number(still)} still in at the end")
    else:
        diagram.title.append(f"simulated: {number(data['entered'])} entered")


# ------------------------------------------------------------ the overview --


def place_on_overview(diagram: Diagram, programme: Programme, report: Report) -> None:
    """Entries in the flow boxes, exits on the arrows they match, the rest
    of the ways out listed in the flow's box."""
    from .overview import UNSUBSCRIBED, suppression_ids

    boxes = {node.id: node for node in diagram.nodes}
    arrows = {(edge.source, edge.target): edge for edge in diagram.edges}
    lists = suppression_ids(programme)
    # every arrow from a flow to where contacts leave it gets a count, 0
    # when no contact left that way
    totals: dict[tuple[str, str], float] = {
        (edge.source, edge.target): 0
        for edge in diagram.edges
        if edge.source in programme.flows
        and edge.target in boxes
        and boxes[edge.target].shape in ("handoff", "suppress", "exit", "threshold", "flow")
    }
    for name in programme.flows:
        data = report["flows"][name]
        box = boxes.get(name)
        if box is None:
            continue
        entered = f"{number(data['entered'])} entered"
        contacts = data.get("contacts")
        if _count(contacts) and contacts != data["entered"]:
            entered += f" ({number(contacts)} contacts)"
        if data.get("still_in"):
            entered += f", {number(data['still_in'])} still in"
        box.lines.append(entered)
        rest: list[str] = []
        for reason, c in data.get("exits", {}).items():  # optional, as _check_shape has it
            target = _exit_target(reason, lists, boxes)
            if target is not None and (name, target) in totals:
                totals[(name, target)] += c
            else:
                rest.append(f"{reason} {number(c)}")
        if rest:
            box.lines += _wrap(["left: " + rest[0]] + rest[1:])
    most = max(totals.values(), default=0)
    for key, c in totals.items():
        edge = arrows[key]
        share = percent(c, report["flows"][edge.source]["entered"])
        _tell(edge, number(c) + (f" ({share})" if share else ""))
        edge.width = width(c, most)
        edge.muted = c == 0
    diagram.notes += OVERVIEW_NOTES
    _totals(boxes, report, lists, UNSUBSCRIBED)


def _exit_target(reason: str, lists: dict[str, str], boxes: dict[str, Node]) -> str | None:
    """The overview box a way out of a flow leads to, if it has one:
    `handoff to sales`, `suppressed "cold-contacts"`, `moved to archive`,
    `exit on unsubscribed`, `exit on lead.sql` (a threshold)."""
    from .overview import UNSUBSCRIBED

    target, shape = None, None
    if reason.startswith("handoff to "):
        target, shape = "@handoff." + reason[len("handoff to ") :], "handoff"
    elif reason.startswith("suppressed "):
        try:
            name = json.loads(reason[len("suppressed ") :])
        except json.JSONDecodeError:
            return None
        target, shape = (lists.get(name) if isinstance(name, str) else None), "suppress"
    elif reason.startswith("moved to "):
        target, shape = reason[len("moved to ") :], "flow"
    elif reason == "exit on unsubscribed":
        target, shape = UNSUBSCRIBED, "exit"
    elif reason.startswith("exit on "):
        target, shape = reason[len("exit on ") :], "threshold"
    box = boxes.get(target) if target is not None else None
    return target if box is not None and box.shape == shape else None


def _totals(boxes: dict[str, Node], report: Report, lists: dict[str, str], unsubscribed: str) -> None:
    """Programme-wide totals in the shared boxes, where the report has them."""
    handoffs = report.get("handoffs")
    teams = handoffs.get("by_team") if isinstance(handoffs, dict) else None
    suppressed = report.get("suppressed")
    thresholds = report.get("thresholds")
    names = {box: name for name, box in lists.items()}
    for node_id, node in boxes.items():
        if node_id.startswith("@handoff.") and isinstance(teams, dict) and _count(teams.get(node_id[9:], 0)):
            node.lines.append(f"{number(teams.get(node_id[9:], 0))} handed off")
        elif node_id == unsubscribed and _count(report.get("unsubscribes")):
            node.lines.append(
                f"{number(report['unsubscribes'])} contact{'' if report['unsubscribes'] == 1 else 's'} in all"
            )
        elif node_id in names and isinstance(suppressed, dict):
            name = names[node_id]
            if _count(suppressed.get(name, 0)):
                node.lines.append(f"{number(suppressed.get(name, 0))} suppressed")
        elif node.shape == "threshold" and isinstance(thresholds, dict):
            crossed = thresholds.get(node_id)
            if isinstance(crossed, dict) and _count(crossed.get("contacts")):
                node.lines.append(f"crossed by {number(crossed['contacts'])}")


def _wrap(text_items: list[str], width: int = words.TITLE_WIDTH) -> list[str]:
    """`left: a 1, b 2` on as few lines as fit, splitting only an item too
    long for a line of its own (`left: exit on replied` / `within 90d 1`)."""
    lines: list[str] = []
    for item in text_items:
        item = words.clean(item)
        if len(item) > width:
            if lines:
                lines[-1] += ","
            lines += words.paragraph(item, width)
        elif lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += ", " + item
        else:
            if lines:
                lines[-1] += ","
            lines.append(item)
    return lines
