"""A simulation report drawn for people: `simulate --format html` and
`simulate --charts DIR`.

    figures.py   reading a report defensively: its numbers, intervals, labels
    charts.py    the charts (matplotlib), as SVG and PNG bytes
    page.py      one self-contained HTML page: tables, inline charts, diagrams
    diagrams.py  the overview and flow diagrams with the sim overlay (render)
    output.py    --charts DIR: each chart as NAME.svg and NAME.png, charts.md

It sits after `sim` and `render`: only the simulate command imports it, and
only when one of those options is given, so `simulate --format text` does
not load matplotlib.
"""

from __future__ import annotations

from .charts import charts
from .page import page

__all__ = ["charts", "page"]
