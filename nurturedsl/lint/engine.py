"""Runs the rules: load each named file, lint the programmes at the top of
the import tree, and turn findings into diagnostics that respect the config
and the inline suppressions.

Every named file is loaded and checked on its own with its imports, exactly
as `nurturedsl check` does (`model.load_each`), so lint reports the same core
errors as check, including those of a file that only fails alone (it uses a
name that only its importer's other imports define). Rules then run only on
the *roots*: named files that check clean and that no other clean named
file imports. `nurturedsl lint playbooks/` so lints `programme.nurture`,
which holds every flow, once, instead of each flow once per file that
imports it. Findings are kept only in files that were named: imports are
context, and pre-commit passing one changed file should hear about that
file.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import nodes as n
from ..diagnostics import Diagnostic, Severity
from ..model import Programme, load_each
from ..nodes import iter_steps
from ..source import SourceFile, Span
from . import suppress
from .config import LintConfig
from .registry import RULES
from .rule import Context, Finding, Rule, RunInfo


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # a file could not be read, parsed or checked: the core's errors are in
    # `diagnostics` and the run exits 2
    broken: bool = False


def lint(files: list[str], config_for: Callable[[str], LintConfig], today: _dt.date) -> LintResult:
    from ..gcpause import gc_paused

    with gc_paused():
        return _lint(files, config_for, today)


def _lint(files: list[str], config_for: Callable[[str], LintConfig], today: _dt.date) -> LintResult:
    result = LintResult(files=list(files))
    real = _RealPaths()
    loaded = load_each(files)
    result.diagnostics += loaded.diagnostics
    result.sources.update(loaded.sources)
    result.broken = bool(loaded.diagnostics)
    programmes = loaded.programmes

    run = RunInfo(
        linted_files={real(f) for f in files},
        imports=loaded.imports,
        displays=loaded.displays,
        flow_files=loaded.flow_files,
    )
    run.failed_files = run.linted_files - {real(p.path) for p in programmes}
    for programme in programmes:
        run.imported_files |= {real(f) for f in programme.sources if real(f) != real(programme.path)}
        run.used_segments |= _segments_used(programme)
        for flow in programme.flows.values():
            run.used_contents |= {s.content for s in iter_steps(flow.steps) if isinstance(s, n.Touch) and s.content}
        for score in programme.scores.values():
            for threshold in score.thresholds:
                run.used_contents |= {a.content for a in threshold.actions if isinstance(a, n.Touch) and a.content}
    roots = [p for p in programmes if real(p.path) not in run.imported_files]

    for programme in roots:
        config = config_for(programme.path)
        result.diagnostics += _lint_programme(programme, config, run, today, real)
    result.diagnostics = _unique(result.diagnostics)
    return result


def _lint_programme(
    programme: Programme, config: LintConfig, run: RunInfo, today: _dt.date, real: _RealPaths
) -> list[Diagnostic]:
    ctx = Context(programme, run, today, config.options)
    enabled = config.enabled(RULES)
    enabled_codes = {rule.code for rule in enabled}
    ends = suppress.block_ends(programme)
    suppressions = [
        s
        for path, source in programme.sources.items()
        if real(path) in run.linted_files
        for s in suppress.find(source, ends.get(path, {}))
    ]
    ignored_by_file: dict[str, set[str]] = {}
    found: list[Diagnostic] = []
    for rule in enabled:
        for finding in rule().check(ctx):
            span = finding.span
            if span is not None and (real(span.file) not in run.linted_files or real(span.file) in run.failed_files):
                continue
            if span is not None:
                ignored = ignored_by_file.get(span.file)
                if ignored is None:
                    ignored = ignored_by_file[span.file] = config.ignored_in(span.file, RULES)
                if rule.code in ignored:
                    continue
                if _suppressed(rule, span, suppressions):
                    continue
            found.append(_diagnostic(rule, config.severity(rule), finding, ctx))
    if "NUR099" in enabled_codes:
        found += _unused_suppressions(suppressions, enabled_codes, config)
    return found


def _suppressed(rule: type[Rule], span: Span, suppressions: list[suppress.Suppression]) -> bool:
    hit = False
    for s in suppressions:
        if not s.covers(span):
            continue
        for written in s.rules:
            if written.upper() == rule.code or written.lower() == rule.name:
                s.used.add(written)
                hit = True
    return hit


def _unused_suppressions(
    suppressions: list[suppress.Suppression], enabled_codes: set[str], config: LintConfig
) -> list[Diagnostic]:
    from .registry import BY_CODE, BY_NAME

    rule = BY_CODE["NUR099"]
    out: list[Diagnostic] = []
    for s in suppressions:
        for written in s.rules:
            if written in s.used:
                continue
            known = BY_CODE.get(written.upper()) or BY_NAME.get(written.lower())
            if known is None:
                message = f"`{written}` in this suppression is not a rule"
                hints = ("see `nurturedsl rules` for the codes and names",)
            elif known.code not in enabled_codes:
                continue  # a rule switched off here may be on elsewhere
            else:
                message = f"this suppression of {known.code} ({known.name}) silences nothing"
                hints = ("remove it, or move it to the line or block it was meant for",)
            out.append(Diagnostic(rule.code, message, s.span, config.severity(rule), hints=hints, name=rule.name))
    return out


def _diagnostic(rule: type[Rule], severity: Severity, finding: Finding, ctx: Context) -> Diagnostic:
    notes = list(finding.notes)
    if finding.path and finding.flow in ctx.programme.flows:
        notes.insert(0, "path: " + ctx.analysis(ctx.programme.flows[finding.flow]).describe(finding.path))
    return Diagnostic(
        rule.code,
        finding.message,
        finding.span,
        severity,
        notes=tuple(notes),
        hints=finding.hints,
        related=finding.related,
        name=rule.name,
    )


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen, out = set(), []
    for d in diagnostics:
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return sorted(out, key=Diagnostic.sort_key)


def _segments_used(programme: Programme) -> set[str]:
    """Segments that flows and scores refer to, directly or through other
    segments."""
    from ..model import iter_conditions

    conditions = [rule.condition for score in programme.scores.values() for rule in score.fit_rules]
    for flow in programme.flows.values():
        conditions += [e.condition for e in flow.entries if e.condition is not None]
        conditions += [s.condition for s in flow.settings if isinstance(s, (n.Audience, n.Goal))]
        conditions += list(flow.exits)
        for step in iter_steps(flow.steps):
            conditions += n.step_conditions(step)
    used: set[str] = set()
    stack = conditions
    while stack:
        for c in iter_conditions(stack.pop()):
            if isinstance(c, n.Ref) and c.resolved == "segment" and c.path[0] not in used:
                used.add(c.path[0])
                stack.append(programme.segments[c.path[0]].condition)
    return used


class _RealPaths:
    """os.path.realpath, remembered: the engine asks about the same few files
    for every finding."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = os.path.realpath(path)
        return found
