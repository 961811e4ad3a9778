"""Test results as text (pytest-like, with the contact's timeline on
failure), JUnit XML and JSON; and coverage as text and findings."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import socket
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import quoteattr

from ..diagnostics import Diagnostic, Severity
from ..source import SourceFile, Span
from .runner import Broken, Result, _epoch

RULE = "=" * 72


def source_text(sources: Mapping[str, SourceFile], span: Span) -> str:
    """An expectation as written (its first line)."""
    source = sources.get(span.file)
    if source is None:
        return ""
    line = source.line_text(span.line)
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    return line[span.column - 1 : end].strip()


def where(span: Span) -> str:
    return f"{span.file}:{span.line}:{span.column}"


def marked_timeline(result: Result) -> list[str]:
    """The contact's journey, with `>> [N]` where it departs from failed
    expectation N: on the record that breaks it, or a line at the moment by
    which the expected happening was due."""
    from ..sim.report import timeline

    lines = timeline(result.records, {"id": result.contact.get("name") or result.test.name}, result.zone).splitlines()
    body = [f"{'':8}{line[2:]}" for line in lines[1:]] if result.records else []
    marks: dict[int, list[str]] = {}
    times = [_epoch(r) for r in result.records]
    inserts: list[tuple[int, str]] = []
    for number, failure in enumerate(result.failures, 1):
        if failure.record is not None:
            marks.setdefault(failure.record, []).append(str(number))
        elif failure.at is not None:
            index = bisect.bisect_right(times, failure.at)
            due = failure.message.split(";")[0].removeprefix("expected ")
            inserts.append((index, f"{f'>> [{number}]':8}expected by here: {due}"))
    for record, numbers in marks.items():
        body[record] = f"{'>> [' + ','.join(numbers) + ']':8}" + body[record][8:]
    for index, text in sorted(inserts, reverse=True):
        body.insert(index, text)
    if not body:
        body = [f"{'':8}nothing happened"]
    return [f"  {lines[0]}", *body]


def as_text(
    results: list[Result],
    sources: Mapping[str, SourceFile],
    coverage: str | None = None,
    broken: list[Broken] | None = None,
) -> str:
    """`E` for a broken file: its errors are on stderr, as `check` prints them."""
    broken = broken or []
    out: list[str] = []
    files: dict[str, list[Result]] = {}
    for result in results:
        files.setdefault(result.file, []).append(result)
    for file, group in files.items():
        marks = "".join("." if r.passed else "F" for r in group)
        out.append(f"{file} {marks}")
    out += [f"{b.file} E" for b in broken]
    failed = [r for r in results if not r.passed]
    if failed:
        out += ["", " FAILURES ".center(72, "=")]
        for result in failed:
            title = f" {result.test.name} "
            out.append(title.center(72, "_"))
            if result.test.title:
                out.append(f"  {result.test.title}")
            for number, failure in enumerate(result.failures, 1):
                span = failure.expectation.span
                out.append(f"[{number}] {where(span)}: {source_text(sources, span)}")
                out.append(f"    {failure.message}")
            out += marked_timeline(result)
            out.append("")
    if coverage:
        out += ["", coverage.rstrip()]
    passed = len(results) - len(failed)
    errors = f"{len(broken)} error{'' if len(broken) == 1 else 's'}" if broken else ""
    counts = ", ".join(part for part in (f"{len(failed)} failed" if failed else "", f"{passed} passed", errors) if part)
    out.append(f" {counts} ".center(72, "="))
    return "\n".join(out) + "\n"


def _failure_text(result: Result, sources: Mapping[str, SourceFile]) -> str:
    lines = []
    for number, failure in enumerate(result.failures, 1):
        span = failure.expectation.span
        lines += [f"[{number}] {where(span)}: {source_text(sources, span)}", f"    {failure.message}"]
    return "\n".join([*lines, *marked_timeline(result)])


def as_junit(results: list[Result], sources: Mapping[str, SourceFile], broken: list[Broken] | None = None) -> str:
    """JUnit XML as the Ant JUnit task writes it (the schema CI systems
    read): one `testsuite` per test file, one `testcase` per test; a
    broken file is a suite of one `testcase` with an `error`."""
    files: dict[str, list[Result]] = {}
    for result in results:
        files.setdefault(result.file, []).append(result)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    host = socket.gethostname() or "localhost"
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for number, (file, group) in enumerate(files.items()):
        failures = sum(1 for r in group if not r.passed)
        seconds = sum(r.seconds for r in group)
        package = file.rsplit("/", 1)[0] if "/" in file else "."
        out.append(
            f'  <testsuite name={quoteattr(file)} package={quoteattr(package)} id="{number}" '
            f'timestamp="{stamp}" hostname={quoteattr(host)} tests="{len(group)}" failures="{failures}" '
            f'errors="0" time="{seconds:.3f}">'
        )
        out.append("    <properties/>")
        for result in group:
            out.append(
                f"    <testcase name={quoteattr(result.test.name)} classname={quoteattr(file)} "
                f'time="{result.seconds:.3f}">'
            )
            if result.failures:
                message = "; ".join(f.message for f in result.failures)
                out.append(
                    f'      <failure message={quoteattr(message)} type="expectation">'
                    f"{_escape(_failure_text(result, sources))}</failure>"
                )
            out.append("    </testcase>")
        out.append("    <system-out/>")
        out.append("    <system-err/>")
        out.append("  </testsuite>")
    for number, b in enumerate(broken or [], len(files)):
        package = b.file.rsplit("/", 1)[0] if "/" in b.file else "."
        out += [
            f'  <testsuite name={quoteattr(b.file)} package={quoteattr(package)} id="{number}" '
            f'timestamp="{stamp}" hostname={quoteattr(host)} tests="1" failures="0" errors="1" time="0.000">',
            "    <properties/>",
            f'    <testcase name="(file)" classname={quoteattr(b.file)} time="0.000">',
            f'      <error message={quoteattr(b.message)} type="broken test file">{_escape(b.text())}</error>',
            "    </testcase>",
            "    <system-out/>",
            "    <system-err/>",
            "  </testsuite>",
        ]
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_json(
    results: list[Result],
    sources: Mapping[str, SourceFile],
    coverage: list[Diagnostic] | None,
    broken: list[Broken] | None = None,
) -> str:
    tests: list[dict[str, Any]] = []
    for result in results:
        span = result.test.name_span
        tests.append(
            {
                "file": result.file,
                "line": span.line,
                "name": result.test.name,
                "title": result.test.title,
                "outcome": "passed" if result.passed else "failed",
                "failures": [
                    {
                        "line": f.expectation.span.line,
                        "column": f.expectation.span.column,
                        "expectation": source_text(sources, f.expectation.span),
                        "message": f.message,
                    }
                    for f in result.failures
                ],
                "trace": result.records,
            }
        )
    failed = sum(1 for r in results if not r.passed)
    document: dict[str, Any] = {
        "summary": {
            "tests": len(results),
            "passed": len(results) - failed,
            "failed": failed,
            "errors": len(broken or []),
        },
        "tests": tests,
        "errors": [
            {
                "file": b.file,
                "message": b.message,
                "diagnostics": [_finding(d) for d in sorted(b.diagnostics, key=Diagnostic.sort_key)],
            }
            for b in broken or []
        ],
    }
    if coverage is not None:
        document["coverage"] = [_finding(d) for d in coverage]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "message": d.message,
        "file": d.span.file if d.span else None,
        "line": d.span.line if d.span else None,
        "column": d.span.column if d.span else None,
    }


def coverage_findings(suites: list[Any]) -> list[Diagnostic]:
    """TST001 for a step no test reached, TST002 for a branch arm no test
    took: per flow of every programme tested, at the step's span."""
    from ..nodes import iter_steps

    reached: set[tuple[str, str]] = set()
    taken: set[tuple[str, str, int]] = set()
    flows: dict[str, tuple[Any, dict[str, Any]]] = {}
    for suite in suites:
        reached |= suite.reached
        taken |= suite.taken
        for name, flow in suite.checked.flows.items():
            flows.setdefault(name, (flow, suite.ir["flows"][name]["nodes"]))
    found: list[Diagnostic] = []
    for name, (flow, nodes) in sorted(flows.items()):
        for step in iter_steps(flow.steps):
            if not step.id or step.id not in nodes:
                continue
            if (name, step.id) not in reached:
                found.append(
                    Diagnostic(
                        "TST001",
                        f"no test reaches step `{step.id}` of flow `{name}`",
                        step.span,
                        severity=Severity.WARNING,
                        name="untested-step",
                    )
                )
                continue
            edges = nodes[step.id]["next"]
            if len(edges) > 1:
                for index, edge in enumerate(edges):
                    if (name, step.id, index) not in taken:
                        arm = edge.get("kind", "arm")
                        found.append(
                            Diagnostic(
                                "TST002",
                                f"no test takes the {arm} arm of `{step.id}` (to `{edge['to']}`) in flow `{name}`",
                                step.span,
                                severity=Severity.WARNING,
                                name="untested-arm",
                            )
                        )
    return found


def coverage_text(suites: list[Any], findings: list[Diagnostic]) -> str:
    lines = [" coverage ".center(72, "-")]
    flows: dict[str, int] = {}
    for suite in suites:
        for name in suite.checked.flows:
            steps = [k for k in suite.ir["flows"][name]["nodes"] if "@" not in k]
            flows[name] = len(steps)
    for name in sorted(flows):
        untested = [
            d.message.split("`")[1] for d in findings if d.code == "TST001" and d.message.endswith(f"flow `{name}`")
        ]
        arms = [d for d in findings if d.code == "TST002" and d.message.endswith(f"flow `{name}`")]
        line = f"{name}: {flows[name] - len(untested)}/{flows[name]} steps reached"
        if untested:
            line += "; not reached: " + ", ".join(untested)
        lines.append(line)
        lines += [f"  {d.message.rsplit(' in flow', 1)[0]}" for d in arms]
    return "\n".join(lines) + "\n"


def sim_report(suites: list[Any]) -> str | None:
    """The tests' contacts as one `simulate --format json` report, for
    `render --sim`: an arrow no test took is drawn thin and grey. None when
    the test files compile to different programmes (one report draws one)."""
    from ..sim.report import Tally, as_json, figures, layout
    from ..sim.values import iso

    first = suites[0].ir
    if any(suite.ir["flows"] != first["flows"] for suite in suites[1:]):
        return None
    total = Tally()  # type: ignore[no-untyped-call]
    for suite in suites:
        total.add(suite.tally)
    header = {
        "mode": "replay",
        "playbook": first.get("playbook", {}).get("name", "playbook"),
        "inputs": {"tests": ", ".join(suite.file for suite in suites)},
        "start": iso(min(suite.start for suite in suites)),
        "start_reason": "the earliest `start` of the tests",
        "until": iso(max(suite.end for suite in suites)),
        "seed": 0,
        "notes": ["the contacts of `nurturedsl test`, one per test"],
    }
    return as_json(header, figures(total, layout(first)))
