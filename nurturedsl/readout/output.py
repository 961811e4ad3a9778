"""`simulate --charts DIR`: each chart as DIR/NAME.svg and DIR/NAME.png, and
DIR/charts.md, a Markdown summary that embeds the PNGs (a CI job summary or
a pull-request comment). Each file is written atomically; DIR is created if
missing; none of the files may be one of the command's inputs."""

from __future__ import annotations

import os

from .figures import Report, get, number


class ChartsError(Exception):
    """DIR cannot hold the charts: a one-line reason."""


def check_folder(folder: str) -> None:
    """Refuse, before the run, a DIR that is not a folder or cannot be made."""
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise ChartsError(f"--charts {folder}: is a file, not a folder")
    parent = os.path.dirname(os.path.abspath(folder))
    if not os.path.isdir(folder) and not os.path.isdir(parent):
        raise ChartsError(f"--charts {folder}: the folder {parent} does not exist")


def write_charts(folder: str, report: Report, inputs: list[str]) -> list[str]:
    """Write every chart and charts.md; the paths written, in order."""
    from ..files import UnsafeOutput, check_output, write_atomic
    from .charts import charts

    check_folder(folder)
    drawn = charts(report)
    files: list[tuple[str, bytes]] = []
    for name, (svg, png) in drawn.items():
        files += [(f"{name}.svg", svg), (f"{name}.png", png)]
    files.append(("charts.md", summary(report, list(drawn)).encode("utf-8")))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise ChartsError(f"--charts {folder}: cannot make the folder: {error.strerror}") from None
    written = []
    for file, data in files:
        path = os.path.join(folder, file)
        try:
            check_output(path, inputs)
            write_atomic(path, data)
        except UnsafeOutput as error:
            raise ChartsError(f"--charts: {error}") from None
        except OSError as error:
            raise ChartsError(f"--charts: cannot write {path}: {error.strerror}") from None
        written.append(path)
    return written


def summary(report: Report, names: list[str]) -> str:
    """Markdown: the run in a line, the headline figures, each chart's PNG."""
    mode = "Forecast" if report.get("mode") == "cohort" else "Replay"
    lines = [
        f"## {report.get('playbook', 'playbook')}: simulation",
        "",
        f"{mode} of {number(report.get('contacts'))} contacts from {report.get('start')} until {report.get('until')}"
        + (f" ({report['start_reason']})" if isinstance(report.get("start_reason"), str) else "")
        + ".",
        "",
        "| flow | entered | goal | conversion |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, flow in (report.get("flows") or {}).items():
        rate = get(flow, ("conversion", "rate"))
        shown = f"{100 * rate:.1f}%" if isinstance(rate, (int, float)) else "-"
        goal = flow.get("goal_attributed", flow.get("goal_reached"))
        lines.append(f"| {name} | {number(flow.get('entered'))} | {number(goal)} | {shown} |")
    lines += ["", f"Handed off: {number(get(report, ('handoffs', 'contacts')))} contacts.", ""]
    if not names:
        lines.append("No charts: this report has no funnel, weekly, handoff-time or split figures.")
    for name in names:
        lines += [f"![{name}]({name}.png)", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
