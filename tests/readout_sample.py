"""A simulation report for the readout tests: a real run's 1.2.0 members
(`simulate --format json` of the bundled programme) with the 1.3.0 members
of the agreed shape (funnel, splits, weekly, time to handoff) written in by
hand, so the page and the charts are tested before the simulator makes them."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(ROOT, "playbooks", "programme.nurture")
REPLAY = [
    "--contacts",
    os.path.join(ROOT, "examples", "contacts.csv"),
    "--events",
    os.path.join(ROOT, "examples", "events.jsonl"),
    # the examples' history replayed as simulated time, so the report has figures
    "--start",
    "2026-01-05",
]
COHORT = ["--cohort", "400", "--responses", os.path.join(ROOT, "examples", "responses.toml"), "--runs", "4"]


def run(*args: str, python: bool = False) -> subprocess.CompletedProcess[str]:
    """`nurturedsl ARGS`, or with `python`, `python3 ARGS`."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    command = [sys.executable, *args] if python else [sys.executable, "-m", "nurturedsl", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@cache
def _real(mode: str) -> tuple[str, str]:
    """One run of each mode: its JSON report, and the folder its --charts went to."""
    folder = tempfile.mkdtemp(prefix=f"readout-{mode}-")
    charts = os.path.join(folder, "charts")
    done = run("simulate", PLAYBOOK, *(REPLAY if mode == "replay" else COHORT), "--format", "json", "--charts", charts)
    assert done.returncode == 0, done.stderr
    return done.stdout, charts


def real(mode: str = "replay") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_real(mode)[0])
    return data


def charts_folder(mode: str = "replay") -> str:
    return _real(mode)[1]


INBOUND_FUNNEL = [
    {
        "step": "@entry",
        "label": "entry",
        "kind": "entry",
        "reached": 120,
        "sent": 0,
        "held": 0,
        "held_by": {},
        "blocked": 0,
        "left": {},
        "lost": 0,
    },
    {
        "step": "welcome",
        "label": 'email "Welcome to Acme"',
        "kind": "email",
        "reached": 120,
        "sent": 118,
        "held": 14,
        "held_by": {"quiet_hours": 10, "send_days": 4, "frequency_cap": 0, "cadence": 0},
        "blocked": 2,
        "left": {"exit on unsubscribed": 3},
        "lost": 3,
    },
    {
        "step": "checklist",
        "label": 'email "The evaluation checklist"',
        "kind": "email",
        "reached": 117,
        "sent": 117,
        "held": 3,
        "held_by": {"quiet_hours": 3},
        "blocked": 0,
        "left": {"exit on replied": 9, "exit on unsubscribed": 8},
        "lost": 17,
    },
    {
        "step": "ask",
        "label": 'email "Book a demo"',
        "kind": "email",
        "reached": 100,
        "sent": 100,
        "held": 0,
        "held_by": {},
        "blocked": 0,
        "left": {"exit on booked(demo)": 12},
        "lost": 0,
    },
    {
        "step": "@end",
        "label": "end",
        "kind": "end",
        "reached": 88,
        "sent": 0,
        "held": 0,
        "held_by": {},
        "blocked": 0,
        "left": {"completed": 88},
        "lost": 0,
    },
]


def shaped(mode: str = "replay") -> dict[str, Any]:
    """The real report plus the 1.3.0 members."""
    report = copy.deepcopy(real(mode))
    report["version"] = "1.3.0"
    report["attribution"] = {"window": "P14D", "seconds": 1209600}
    report.setdefault("start_reason", "given with --start")
    for name, flow in report["flows"].items():
        flow["has_goal"] = name == "inbound"
        flow["goal_attributed"] = 15 if name == "inbound" else 0
        flow["conversion"] = {"rate": 0.125 if name == "inbound" else None}
        flow["funnel"] = copy.deepcopy(INBOUND_FUNNEL) if name == "inbound" else []
        flow["lost_most"] = ["checklist", "welcome"] if name == "inbound" else []
        flow["paths"] = (
            [
                {"path": ["branch_1:technical"], "runs": 70, "goal_attributed": 10, "rate": 0.1429},
                {"path": ["branch_1:else"], "runs": 50, "goal_attributed": 5, "rate": 0.1},
            ]
            if name == "inbound"
            else []
        )
    report["splits"] = {
        "ghost.first_give": {
            "kind": "experiment",
            "arms": [
                {
                    "arm": "case study",
                    "entered": 200,
                    "goal_attributed": 24,
                    "rate": 0.12,
                    "rate_interval": [0.0821, 0.1724],
                    "unsubscribes": 4,
                },
                {
                    "arm": "roi story",
                    "entered": 200,
                    "goal_attributed": 30,
                    "rate": 0.15,
                    "rate_interval": [0.1072, 0.2061],
                    "unsubscribes": 2,
                },
            ],
            "difference": {"between": ["roi story", "case study"], "value": 0.03, "interval": [-0.0378, 0.0978]},
            "winner": None,
            "decided": False,
        }
    }
    report["weekly"] = [
        {
            "week": k,
            "from": f"2026-01-{5 + 7 * k:02d}",
            "entries": 10 + k,
            "touches": {"email": 20 + 3 * k, "sms": k},
            "handoffs": k // 2,
            "goals": k % 3,
        }
        for k in range(4)
    ]
    report["handoffs"]["time_to_handoff"] = {
        "buckets": [
            {"from_days": a, "to_days": b, "contacts": c}
            for a, b, c in [
                (0, 1, 1),
                (1, 3, 4),
                (3, 7, 6),
                (7, 14, 2),
                (14, 30, 1),
                (30, 60, 0),
                (60, 90, 0),
                (90, 180, 0),
                (180, 365, 0),
                (365, None, 0),
            ]
        ],
        "p25": 2.5,
        "median": 4.1,
        "p75": 7.25,
        "p90": 12.0,
    }
    return report


def older(report: dict[str, Any]) -> dict[str, Any]:
    """The report as a 1.2.0 simulator wrote it: without the members 1.3.0
    added (the page and the charts must still read such a file)."""
    report = copy.deepcopy(report)
    report["version"] = "1.2.0"
    for member in ("attribution", "start_reason", "splits", "weekly"):
        report.pop(member, None)
    report["handoffs"].pop("time_to_handoff", None)
    for flow in report["flows"].values():
        for member in ("has_goal", "goal_attributed", "conversion", "funnel", "lost_most", "paths"):
            flow.pop(member, None)
    return report
