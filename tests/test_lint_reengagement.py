"""NUR803: a re-engagement flow's exits and goal must not read activity from
before the contact went quiet, however the test is written."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import write

FLOW = """\
content still_useful give "Still useful?" unsubscribe link
segment engaged = replied or clicked(any)
segment engaged_lately = replied within 30d or clicked(any) within 30d
flow reengage {{
  entry when inactive for 90d
  {header}
  email honest: still_useful
  wait 7d
  suppress "cold-contacts" revisit 180d
}}
"""


@pytest.mark.parametrize(
    "header, fires",
    [
        ("exit on replied, unsubscribed", True),  # the whole history
        ("exit on engaged, unsubscribed", True),  # the same, through a segment
        ("exit on replied within 365d, unsubscribed", True),  # looks back past the quiet period
        ("goal not replied\n  exit on unsubscribed", True),  # everyone who never replied, at entry
        ("exit on not (replied within 90d), unsubscribed", True),  # everyone, at entry
        ("exit on replied within 90d, unsubscribed", False),
        ("exit on engaged_lately, unsubscribed", False),
        ("goal clicked(any) within 90d\n  exit on unsubscribed", False),
    ],
)
def test_exits_and_goals_that_hold_at_entry(tmp_path, header, fires):
    path = write(tmp_path, "r.nurture", FLOW.format(header=header))
    result = CliRunner().invoke(
        main, ["lint", str(path), "--format", "json", "--select", "NUR803"], catch_exceptions=False
    )
    found = [d for d in json.loads(result.output)["diagnostics"] if d["code"] == "NUR803"]
    assert bool(found) is fires, result.output
    assert all(d["line"] == 6 for d in found)  # on the flow's own line, also when found in a segment
