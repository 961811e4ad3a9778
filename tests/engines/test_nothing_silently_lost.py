"""Nothing a flow says is lost without a word, for every target: each step
type, flow setting and runtime policy setting either changes the engine
document or is a diagnostic at its line (docs/engines.md, "The fidelity
report"). The construct list covers every IR node type, so a new one
cannot be added without deciding how each engine carries it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest

from nurturedsl.engines import TARGETS, target_named
from nurturedsl.engines.core import Bindings, Kind, Report
from nurturedsl.ir import compile_model
from nurturedsl.irmodel import NodeType
from nurturedsl.model import load

HEAD = """\
content a give "A" unsubscribe link
content b give "B" unsubscribe link
segment vip = tagged "vip"
attribute plan: string
score lead { +5 on visited("pricing") }
flow other { email b }
"""

# (what it is, the node types it exercises, the step as written); the
# baseline is the same flow without the step's line.
STEPS: list[tuple[str, tuple[str, ...], str]] = [
    ("email", ("email",), "email b"),
    ("sms", ("sms",), "sms b"),
    ("linkedin", ("linkedin",), "linkedin follow"),
    ("ads", ("ads",), 'ads add "Retargeting"'),
    ("task", ("task",), 'task "Call them" for sdr'),
    ("notify", ("notify",), 'notify sdr "Look at {name}"'),
    ("wait", ("wait",), "wait 3d"),
    ("wait until", ("wait_until",), 'wait until plan == "pro" up to 5d'),
    ("wait calendar", ("wait_calendar",), "wait until mon 09:00"),
    ("wait for", ("wait_for",), "wait for up to 3d { on replied { email b } on timeout { email b } }"),
    ("branch", ("branch",), "branch { when vip { email b } }"),
    ("split", ("split",), 'split { 50% "x" { email b } 50% "y" { email a } }'),
    ("repeat", ("repeat",), "repeat every 7d at most 2 { email b }"),
    ("goto", ("goto",), "goto start"),
    ("move to", ("move_to",), "move to other"),
    ("tag", ("tag",), 'tag "hot"'),
    ("set", ("set",), 'set plan = "pro"'),
    ("suppress", ("suppress",), 'suppress "cold" revisit 90d'),
    ("handoff", ("handoff",), "handoff sales"),
    ("exit", ("exit",), 'exit "done"'),
    (
        "experiment",
        ("experiment",),
        'experiment subject { goal replied window 14d decide after 100 per arm 50% "x" { email b } 50% "y" { email a } }',
    ),
    ("webhook", ("webhook",), 'webhook post "https://hooks.example.com/x"'),
    ("score", ("score",), "score lead +10"),
]
# Flow settings a runner acts on (docs/ir.md, Flows), as a line of the flow's header.
SETTINGS = [
    ("audience", "audience vip"),
    ("goal", "goal replied"),
    ("exit trigger", "exit on replied"),
    ("a cadence a wait breaks", "cadence 5d..9d"),
    ("max touches a path exceeds", "max_touches 1"),
    ("reentry", "reentry allowed"),
    ("reentry after", "reentry after 30d"),
    ("rate limit", "rate_limit entries 100 per 1d"),
    ("entry condition", 'entry on downloaded("guide") when vip'),
    ("entry delay", 'entry on downloaded("guide") after 1d'),
]
# Policy settings a runner acts on (docs/ir.md, Policy); give_to_get and
# unsubscribe_required are static checks, first_touch is a report.
POLICY = [
    ("frequency cap", "frequency_cap 2 per 7d"),
    ("channel frequency cap", "frequency_cap email 1 per 7d"),
    ("quiet hours", "quiet_hours 20:00..08:00"),
    ("send days", "send_days mon..fri"),
]


def _flow(header: list[str], steps: list[str]) -> str:
    lines = ["flow f {", '  entry on downloaded("guide")', *[f"  {h}" for h in header]]
    lines += ["  email start: a", "  wait 2d", *[f"  {s}" for s in steps], "  wait 2d", "  email a", "}"]
    return "\n".join(lines) + "\n"


def _value(target: Any, kind: Kind, name: str, n: int) -> Any:
    """A value the target takes for a binding of this kind."""
    # the fullest form first: a flow bound with its campaign too, a recipient with its email
    candidates: list[Any] = [{"segment": n, "campaign": n}, {"user": n, "email": n}, {"segment": n}, {"form": n}]
    candidates += [n, f"property_{n}", f"4-{n}"]
    for value in candidates:
        if target.binding_problem(kind, name, value) is None:
            return value
    raise AssertionError(f"no test value for a {target.name} {kind} binding")


def _export(target_name: str, path: Path) -> tuple[str, set[tuple[str, int | None]]]:
    target = target_named(target_name)
    ir = compile_model(load(str(path)))
    tables: dict[Kind, dict[str, Any]] = {}
    for flow in ir.flows:
        for i, need in enumerate(target.needs(ir, flow)):
            tables.setdefault(need.kind, {})[need.name] = _value(target, need.kind, need.name, 100 + i)
    report = Report(target_name, base=str(path.parent))
    target.outside_flows(ir, report)
    doc = target.export(ir, "f", Bindings(target_name, tables), report, target.formats[0])
    if not report.refused:  # a refused export is not written, so it need not be valid
        assert target.validate(doc, target.formats[0]) == []
    said = {(d.code, d.span.line if d.span else None) for d in report.diagnostics}
    return json.dumps(doc, sort_keys=True), said


def _lost(tmp_path: Path, target: str, text: str, marked: int) -> bool:
    """Whether the construct on line `marked` of `text` is dropped without a
    word: the document is the same as without that line, and nothing new is
    said (a diagnostic at the construct, or at its flow where the IR keeps
    no place of its own for the setting)."""
    with_it = tmp_path / "with.nurture"
    without = tmp_path / "without.nurture"
    with_it.write_text(text)
    without.write_text(_without(text, marked))
    doc, said = _export(target, with_it)
    base, said_before = _export(target, without)
    moved = {(code, line if line is None or line < marked else line - 1) for code, line in said}
    return doc == base and moved <= said_before


def _without(text: str, line: int) -> str:
    lines = text.splitlines()
    del lines[line - 1]
    return "\n".join(lines) + "\n"


def test_the_steps_cover_every_node_type():
    covered = {t for _, types, _ in STEPS for t in types} | {"entry", "end"}
    assert covered == set(get_args(NodeType))


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize(("what", "types", "step"), STEPS, ids=[s[0] for s in STEPS])
def test_every_step_is_carried_or_reported(tmp_path, target, what, types, step):
    text = HEAD + _flow([], [step])
    marked = text.splitlines().index(f"  {step}") + 1
    assert not _lost(tmp_path, target, text, marked), f"{target} drops `{step}` without a word"


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize(("what", "setting"), SETTINGS, ids=[s[0] for s in SETTINGS])
def test_every_flow_setting_a_runner_acts_on_is_carried_or_reported(tmp_path, target, what, setting):
    header = [setting]
    steps = ["email b"]
    if setting.startswith("entry"):
        # it replaces the flow's plain entry trigger
        text = HEAD + _flow(header, steps).replace('  entry on downloaded("guide")\n', "", 1)
        marked = text.splitlines().index(f"  {setting}") + 1
        with_it, without = tmp_path / "with.nurture", tmp_path / "without.nurture"
        with_it.write_text(text)
        without.write_text(HEAD + _flow([], steps))
        doc, said = _export(target, with_it)
        base, _ = _export(target, without)
        assert doc != base or any(line == marked for _, line in said), f"{target} drops `{setting}` without a word"
        return
    if setting.startswith("cadence"):
        # without the line the policy's default (7d..14d) binds as well: compare with a cadence that does not
        text = HEAD + _flow(header, steps)
        with_it, without = tmp_path / "with.nurture", tmp_path / "without.nurture"
        with_it.write_text(text)
        without.write_text(text.replace(setting, "cadence 1d..9d"))
        (doc, said), (base, said_before) = _export(target, with_it), _export(target, without)
        assert doc != base or said - said_before, f"{target} drops `{setting}` without a word"
        return
    text = HEAD + _flow(header, steps)
    marked = text.splitlines().index(f"  {setting}") + 1
    assert not _lost(tmp_path, target, text, marked), f"{target} drops `{setting}` without a word"


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize(("what", "setting"), POLICY, ids=[s[0] for s in POLICY])
def test_every_policy_setting_a_runner_acts_on_is_carried_or_reported(tmp_path, target, what, setting):
    policy = f"policy {{\n  {setting}\n}}\n"
    with_it, without = tmp_path / "with.nurture", tmp_path / "without.nurture"
    with_it.write_text(policy + HEAD + _flow([], ["email b"]))
    without.write_text(HEAD + _flow([], ["email b"]))
    doc, said = _export(target, with_it)
    base, said_before = _export(target, without)
    # a policy setting is reported at the flow it applies to, or at its own line
    assert doc != base or {code for code, _ in said} - {code for code, _ in said_before}, (
        f"{target} drops `{setting}` without a word"
    )
