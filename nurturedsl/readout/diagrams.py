"""The overview and each flow's diagram with the simulation's counts on
them, drawn by the render package (`render --sim`'s overlay), for the page."""

from __future__ import annotations

from .figures import Report
from .page import Diagrams

NO_PROGRAMME = (
    "No diagrams: the playbook was given as compiled IR (.json), which has no programme to draw; "
    "simulate the .nurture file for the overview and the flows with the simulation's counts."
)


def diagrams(playbook: str, report: Report) -> Diagrams:
    """(heading, SVG) of the overview and every flow, or why there are none."""
    if playbook.endswith(".json"):
        return NO_PROGRAMME
    from ..diagnostics import DiagnosticError
    from ..model import load
    from ..render.command import DOT_MISSING, diagram_for
    from ..render.dot import DotMissing, dot_available, render, to_dot
    from ..render.simoverlay import ReportError, check_report
    from ..render.words import clean

    if not dot_available():
        return "No diagrams: " + DOT_MISSING
    try:
        programme = load(playbook)
        check_report(report, programme, playbook)
    except (DiagnosticError, ReportError) as error:  # compiled a moment ago; a file changed since
        return f"No diagrams: {error}"
    drawn = [("Overview", diagram_for(programme, None, (), report))]
    for name, flow in programme.flows.items():
        heading = f"flow {name}" + (f": {clean(flow.title)}" if flow.title else "")
        drawn.append((heading, diagram_for(programme, name, (), report)))
    try:
        # the compact legend sits under the diagram, so it costs no width
        return [(heading, render(to_dot(d, legend_style="compact"), "svg").decode("utf-8")) for heading, d in drawn]
    except DotMissing:
        return "No diagrams: " + DOT_MISSING
