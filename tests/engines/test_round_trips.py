"""Every target, on every bundled playbook and every engine fixture: golden
exports, the engine's rules, and both round trips (docs/engines.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nurturedsl.engines import TARGETS, target_named
from nurturedsl.engines import bindings as bindings_file
from nurturedsl.engines.core import Bindings, Report
from nurturedsl.engines.text import check_text
from nurturedsl.ir import compile_model
from nurturedsl.model import load

from ..conftest import PLAYBOOKS

FIXTURES = Path(__file__).parent / "fixtures"
# the programme's tests (`*_test.nurture`) compile to the programme they import: exported once
BUNDLED = [
    p.name
    for p in sorted(PLAYBOOKS.glob("*.nurture"))
    if not p.name.endswith("_test.nurture") and compile_model(load(str(p))).flows
]


def _bindings(target: str) -> Bindings:
    bound, _, problems = bindings_file.load(str(FIXTURES / target / "bindings.toml"), target_named(target))
    assert not [d for d in problems if d.severity.value == "error"], problems
    return bound


def _export(target: str, path: Path, bound: Bindings, fmt: str | None = None) -> dict[str, dict]:
    t = target_named(target)
    ir = compile_model(load(str(path)))
    report = Report(target, base=str(path.parent))
    docs = {flow: t.export(ir, flow, bound, report, fmt or t.formats[0]) for flow in sorted(ir.flows)}
    assert not report.refused, report.diagnostics
    return docs


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("playbook", BUNDLED)
def test_golden_export_follows_the_engine_rules(target, playbook, snapshot):
    docs = _export(target, PLAYBOOKS / playbook, _bindings(target))
    for flow, doc in docs.items():
        assert target_named(target).validate(doc, target_named(target).formats[0]) == [], flow
    assert json.dumps(docs, indent=1, sort_keys=True) == snapshot


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("playbook", BUNDLED)
def test_export_import_export_is_identical(target, playbook, tmp_path):
    t = target_named(target)
    bound = _bindings(target)
    for flow, first in _export(target, PLAYBOOKS / playbook, bound).items():
        imported = t.import_doc(first, bound, Report(target))
        assert check_text(imported.text, f"{flow}.nurture") == []
        path = tmp_path / f"{flow}.nurture"
        path.write_text(imported.text)
        again = _export(target, path, Bindings(target, {**bound.tables, **_merge(bound, imported.bindings)}))
        assert list(again.values()) == [first], flow


def _merge(bound: Bindings, extra):
    merged = {kind: dict(values) for kind, values in bound.tables.items()}
    for kind, values in extra.items():
        merged.setdefault(kind, {}).update(values)
    return merged


@pytest.mark.parametrize(
    "fixture",
    [p for target in sorted(TARGETS) for p in sorted((FIXTURES / target).glob("*.json"))],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_import_export_import_is_identical(fixture, tmp_path):
    target = fixture.parent.name
    t = target_named(target)
    original = json.loads(fixture.read_text())
    first = t.import_doc(original, None, Report(target))
    assert check_text(first.text, "first.nurture") == []
    path = tmp_path / "first.nurture"
    path.write_text(first.text)
    bound = Bindings(target, first.bindings)
    # an export file comes back as an export file: the API payload has no uuids to keep
    fmt = "bundle" if isinstance(original, list) and "bundle" in t.formats else None
    docs = _export(target, path, bound, fmt)
    for doc in docs.values():
        second = t.import_doc(doc, bound, Report(target))
        assert second.text == first.text


def _corpus() -> list[tuple[str, str, str, str]]:
    from .test_nothing_silently_lost import STEPS

    return [
        (target, fmt, what, step)
        for target in sorted(TARGETS)
        for fmt in target_named(target).formats
        for what, _, step in STEPS
    ]


@pytest.mark.parametrize(("target", "fmt", "what", "step"), _corpus(), ids=lambda v: str(v).replace(" ", "_"))
def test_every_step_type_exports_imports_and_exports_identically(target, fmt, what, step, tmp_path):
    """Beyond the bundled playbooks: a flow around each step type, in every
    format of every target. A step the target refuses has nothing to round-trip."""
    from .test_nothing_silently_lost import HEAD, _flow, _value

    t = target_named(target)
    path = tmp_path / "p.nurture"
    path.write_text(HEAD + _flow([], [step]))
    ir = compile_model(load(str(path)))
    tables: dict = {}
    for flow in ir.flows:
        for i, need in enumerate(t.needs(ir, flow)):
            tables.setdefault(need.kind, {})[need.name] = _value(t, need.kind, need.name, 100 + i)
    report = Report(target)
    first = t.export(ir, "f", Bindings(target, tables), report, fmt)
    if report.refused:
        pytest.skip(f"{target} refuses `{step}`")
    imported = t.import_doc(first, Bindings(target, tables), Report(target))
    assert check_text(imported.text, "i.nurture") == [], imported.text
    back = tmp_path / "i.nurture"
    back.write_text(imported.text)
    merged = {kind: {**tables.get(kind, {}), **values} for kind, values in imported.bindings.items()}
    again = t.export(compile_model(load(str(back))), "f", Bindings(target, {**tables, **merged}), Report(target), fmt)
    assert again == first
