"""`nurturedsl render` behind click: options to a diagram, a format, a file."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the pipeline is imported when a diagram is drawn
    from ..diagnostics import Diagnostic
    from ..model import Programme
    from ..source import SourceFile
    from .diagram import Diagram
    from .simoverlay import Report

    # cli._load: (programme or None, diagnostics, sources)
    Load = Callable[[str], tuple[Programme | None, list[Diagnostic], dict[str, SourceFile]]]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
FORMATS = ("dot", "svg", "png", "mermaid", "html")
NEEDS_DOT = ("svg", "png", "html")
BINARY = ("png",)
SUFFIXES = {
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".md": "mermaid",
    ".html": "html",
    ".htm": "html",
}

LEGENDS = ("full", "compact", "none")
DIRECTIONS = ("TB", "LR")


def default_legend(fmt: str) -> str:
    """Mermaid goes where GitHub draws it, in a page that can say what the
    shapes mean, and Mermaid would put a legend beside the flow: none.
    Graphviz and the HTML page: the compact row under the diagram."""
    return "none" if fmt == "mermaid" else "compact"


DOT_MISSING = (
    "SVG/PNG/HTML need Graphviz's `dot` program, which is not installed. Install it with "
    "`sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
    "`sudo dnf install graphviz` (Fedora) or `winget install graphviz` (Windows), "
    "or see https://graphviz.org/download/; DOT and Mermaid output need nothing."
)


def _usage(message: str) -> int:
    click.echo(f"nurturedsl: error: {message}", err=True)
    return EXIT_USAGE


class FormatError(Exception):
    """--format and -o disagree, or -o names a format render cannot write."""


def output_format(chosen: str | None, output: str | None) -> str:
    """--format, else what -o's suffix says, else DOT. A suffix that names
    another format (`--format svg -o x.png`) or none render writes
    (`-o x.pdf`) is refused: a file that is not what its name says is worse
    than an error."""
    suffix = os.path.splitext(output)[1].lower() if output and output != "-" else ""
    implied = SUFFIXES.get(suffix)
    if chosen:
        if implied and implied != chosen and not (chosen == "mermaid" and suffix == ".md"):
            raise FormatError(f"--format {chosen} but -o {output} names a {implied} file")
        return chosen
    if suffix and implied is None:
        known = " ".join(sorted(SUFFIXES))
        raise FormatError(f"-o {output}: render cannot write {suffix} files; use one of {known}, or --format")
    return implied or "dot"


def run_render(
    *,
    file: str,
    flow_name: str | None,
    fmt: str | None,
    output: str | None,
    lint: bool,
    legend: str | None,
    load: Load,
    unreadable: Callable[[list[Diagnostic]], bool],
    sim: str | None = None,
    direction: str = "TB",
) -> int:
    from .dot import DotMissing, dot_available

    try:
        fmt = output_format(fmt, output)
    except FormatError as error:
        return _usage(str(error))
    to_stdout = output is None or output == "-"
    legend_style = legend or default_legend(fmt)
    if fmt in BINARY and to_stdout:
        return _usage(f"{fmt.upper()} is binary: write it to a file with -o, e.g. `-o {flow_name or 'overview'}.{fmt}`")
    if fmt in NEEDS_DOT and not dot_available():
        return _usage(DOT_MISSING)

    report = None
    if sim is not None:
        from .simoverlay import ReportError, load_report

        try:
            report = load_report(sim)
        except ReportError as error:
            return _usage(str(error))

    programme, diagnostics, sources = load(file)
    if programme is None:
        from ..diagnostics import print_all, summary

        print_all(diagnostics, sources)
        click.echo(summary(diagnostics, 1), err=True)
        return EXIT_USAGE if unreadable(diagnostics) else EXIT_PROBLEMS
    if flow_name is not None and flow_name not in programme.flows:
        from ..diagnostics import did_you_mean

        hint = did_you_mean(flow_name, programme.flows) or _flow_of_file(programme, flow_name)
        known = ", ".join(programme.flows) or "none"
        return _usage(f"no flow `{flow_name}` in {file}" + (f"; {hint[0]}" if hint else "") + f" (flows: {known})")
    if report is not None and sim is not None:  # (a report is read from --sim)
        from .simoverlay import ReportError, check_report

        try:
            check_report(report, programme, sim)
        except ReportError as error:
            return _usage(str(error))

    findings: list[Diagnostic] = []
    config_files: set[str] = set()
    if lint or fmt == "html":
        from ..lint.config import ConfigError
        from .overlay import lint_programme

        try:
            findings = lint_programme(programme, read=config_files)
        except ConfigError as error:
            return _usage(str(error))
    try:
        data = _produce(
            programme,
            flow_name,
            fmt,
            findings,
            legend_style,
            wrap_markdown=_suffix(output) == ".md",
            report=report,
            direction=direction,
        )
    except DotMissing:
        return _usage(DOT_MISSING)
    if output is None or output == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            click.echo(data, nl=False)
        return EXIT_OK
    inputs = list(programme.sources) + ([sim] if sim is not None else []) + sorted(config_files)
    return _write(output, data if isinstance(data, bytes) else data.encode("utf-8"), inputs)


def _suffix(output: str | None) -> str:
    return os.path.splitext(output or "")[1].lower()


def diagram_for(
    programme: Programme, flow_name: str | None, findings: Iterable[Diagnostic] = (), report: Report | None = None
) -> Diagram:
    """The overview, or one flow, with the findings drawn on it and, given a
    simulation report checked against the programme, its counts."""
    from ..graph import flow_graph
    from .diagram import flow_diagram
    from .overlay import place_on_flow, place_on_overview
    from .overview import overview_diagram

    if flow_name is None:
        diagram = overview_diagram(programme)
        place_on_overview(diagram, programme, list(findings))
        if report is not None:
            from .simoverlay import place_on_overview as place_overview_counts

            place_overview_counts(diagram, programme, report)
        return diagram
    flow = programme.flows[flow_name]
    g = flow_graph(flow)
    diagram = flow_diagram(programme, flow, g)
    place_on_flow(diagram, flow, g, list(findings))
    if report is not None:
        from .simoverlay import place_on_flow as place_flow_counts

        place_flow_counts(diagram, g, report["flows"][flow_name])
    return diagram


def _produce(
    programme: Programme,
    flow_name: str | None,
    fmt: str,
    findings: list[Diagnostic],
    legend: str,
    wrap_markdown: bool,
    report: Report | None = None,
    direction: str = "TB",
) -> str | bytes:
    if fmt == "html":
        return _html(programme, flow_name, findings, legend, report, direction)
    diagram = diagram_for(programme, flow_name, findings, report)
    if fmt == "mermaid":
        from .mermaid import to_mermaid

        text = to_mermaid(diagram, legend, direction)
        return f"```mermaid\n{text}```\n" if wrap_markdown else text
    from .dot import render, to_dot

    source = to_dot(diagram, legend, direction)
    if fmt == "dot":
        return source
    data = render(source, fmt)
    return data.decode("utf-8") if fmt == "svg" else data


def _html(
    programme: Programme,
    flow_name: str | None,
    findings: list[Diagnostic],
    legend: str,
    report: Report | None = None,
    direction: str = "TB",
) -> str:
    from .. import __version__
    from .diagram import where
    from .html import page
    from .overlay import inside
    from .words import clean

    names = [flow_name] if flow_name else list(programme.flows)
    in_flows = {
        name: [d for d in findings if d.span and inside(programme.flows[name].span, d.span)] for name in programme.flows
    }
    placed = {id(d) for found in in_flows.values() for d in found}
    sections: list[tuple[str, str, Diagram, list[Diagnostic]]] = []
    if flow_name is None:
        overview = diagram_for(programme, None, findings, report)
        overview.links = {name: f"#flow-{name}" for name in names}
        sections.append(("overview", "Overview", overview, [d for d in findings if id(d) not in placed]))
    for name in names:
        flow = programme.flows[name]
        heading = f"flow {name}" + (f": {clean(flow.title)}" if flow.title else "")
        sections.append((f"flow-{name}", heading, diagram_for(programme, name, findings, report), in_flows[name]))
    subtitle = (
        f"{len(programme.flows)} flows, {len(findings)} lint findings. "
        f"Drawn from the playbook by nurturedsl {__version__}."
    )
    return page(clean(programme.name), subtitle, sections, lambda span: where(programme, span), legend, direction)


def _write(output: str, data: bytes, inputs: list[str]) -> int:
    from ..files import UnsafeOutput, check_output, write_atomic

    try:
        check_output(output, inputs)
        write_atomic(output, data)
    except UnsafeOutput as error:
        return _usage(str(error))
    except OSError as error:
        return _usage(f"cannot write {output}: {error.strerror}")
    return EXIT_OK


def _flow_of_file(programme: Programme, asked: str) -> tuple[str, ...]:
    """`--flow ghost_recovery` for the flow in ghost-recovery.nurture: the
    hint names the flow of the file whose name is asked for (or close to
    it), when that file holds one flow."""
    import difflib

    def key(text: str) -> str:
        return text.lower().replace("-", "_").replace(" ", "_")

    by_file: dict[str, tuple[str, list[str]]] = {}
    for name, flow in programme.flows.items():
        base = os.path.basename(flow.span.file)
        by_file.setdefault(key(os.path.splitext(base)[0]), (base, []))[1].append(name)
    match = difflib.get_close_matches(key(asked), sorted(by_file), n=1, cutoff=0.8)
    if not match or len(by_file[match[0]][1]) != 1:
        return ()
    base, (name,) = by_file[match[0]]
    return (f"did you mean `{name}` (the flow in {base})?",)
