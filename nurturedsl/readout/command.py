"""The readout's side of `simulate`: the CLI hands this module to the
simulator's command (`run_simulate(..., readout=command)`) when
`--format html` or `--charts DIR` is given, so nurturedsl/sim never imports
the readout (nor, through it, render, model or matplotlib).

    check(folder, ir, inputs, outputs)  before the run: every chart file
                                        the playbook will give, refused
                                        with its reason
    page(document, playbook)            the HTML page of a JSON report
    write(folder, document, inputs)     after the run: the charts, charts.md
"""

from __future__ import annotations

import os
import re
from typing import Any

from .figures import Report


class ReadoutError(Exception):
    """A one-line reason for exit 2 (the simulator's command prints it)."""


# What a file of ours looks like: a chart name, then .svg or .png.
OURS = re.compile(r"(?:funnel-.+|weekly|time-to-handoff|split-.+)\.(?:svg|png)")


def planned(ir: dict[str, Any]) -> list[str]:
    """The files --charts DIR will hold for this playbook, known from its IR:
    the report's funnels, splits and buckets are there (as zeros) before a
    contact has run, and every run has at least one week."""
    from ..sim.report import Tally, figures, layout
    from .charts import names

    shape = layout(ir)
    shape["weeks"] = ["-"]  # only whether there is a weekly chart matters here
    files = []
    zero = figures(Tally(), shape)  # type: ignore[no-untyped-call]
    for name in names(zero):
        files += [f"{name}.svg", f"{name}.png"]
    return files + ["charts.md"]


def check(folder: str, ir: dict[str, Any], inputs: list[tuple[str, str]], outputs: list[tuple[str, str]]) -> None:
    """Refuse, before anything is simulated or written, a DIR that cannot
    hold the charts or a chart file that is an input or another output.
    `inputs` are (what, path), `outputs` (option, path)."""
    from ..files import UnsafeOutput, check_output, same_file
    from .output import ChartsError, check_folder

    try:
        check_folder(folder)
    except ChartsError as error:
        raise ReadoutError(str(error)) from None
    for file in planned(ir):
        path = os.path.join(folder, file)
        try:
            check_output(path)
            for what, source in inputs:
                check_output(path, [source], what=f"{what}, one of the command's inputs")
        except UnsafeOutput as error:
            raise ReadoutError(f"--charts: {error}") from None
        for option, given in outputs:
            if same_file(path, given):
                raise ReadoutError(
                    f"--charts: {path} is the {option} output; the charts and the {option} file need a file each"
                )


def page(document: Report, playbook: str) -> str:
    from .charts import NoMatplotlib
    from .diagrams import diagrams
    from .page import page as drawn

    try:
        return drawn(document, diagrams(playbook, document))
    except NoMatplotlib as error:
        raise ReadoutError(str(error)) from None


def write(folder: str, document: Report, inputs: list[str]) -> list[str]:
    """Write the charts; a note on stderr names the files in DIR that look
    like charts but this run did not write (from an earlier run, say of a
    renamed flow). They are left alone: they may be someone's."""
    import click

    from .charts import NoMatplotlib
    from .output import ChartsError, write_charts

    try:
        written = write_charts(folder, document, inputs)
    except (ChartsError, NoMatplotlib) as error:
        raise ReadoutError(str(error)) from None
    ours = {os.path.basename(path) for path in written}
    stale = sorted(name for name in os.listdir(folder) if OURS.fullmatch(name) and name not in ours)
    if stale:
        shown = ", ".join(stale[:10]) + (f" and {len(stale) - 10} more" if len(stale) > 10 else "")
        click.echo(
            f"nurturedsl: note: --charts {folder}: not written by this run, left as they were "
            f"(charts.md does not list them): {shown}",
            err=True,
        )
    return written
