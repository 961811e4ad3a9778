"""The work of `nurturedsl test`: find the test files, load and check
each, run the selected tests, write the results."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click

from .. import nodes as n
from ..files import playbook_files
from ..source import SourceFile
from .output import as_json, as_junit, as_text, coverage_findings, coverage_text, sim_report
from .runner import Broken, Result, Suite, compile_suite

EXIT_OK, EXIT_FAILED, EXIT_BROKEN = 0, 1, 2


@dataclass
class Options:
    paths: tuple[str, ...]
    keyword: str | None
    output_format: str
    output: str | None
    coverage: bool
    sim_report: str | None = None


def test_files(paths: list[str]) -> list[str]:
    """Files named, and the `*_test.nurture` files under folders named."""
    return playbook_files(paths, "tests")


def split_selection(paths: tuple[str, ...]) -> tuple[list[str], set[str]]:
    """`FILE::NAME` selects one test of a file; a word that is not a path
    is a test name."""
    files, names = [], set()
    for item in paths:
        path, _, name = item.partition("::")
        if name:
            names.add(name)
        if os.path.exists(path):
            files.append(path)
        elif name or path.endswith(".nurture") or os.sep in path:
            raise click.UsageError(f"no such file or folder: {path}")
        else:
            names.add(path)
    return files, names


def run_tests(o: Options, write: Callable[[str, str, list[str]], None]) -> int:
    from ..diagnostics import DiagnosticError, print_all, summary
    from ..model import load

    paths, names = split_selection(o.paths)
    if not paths:  # test NAMEs alone: the `*_test.nurture` files under the current folder
        paths = ["."]
    files = test_files(paths)
    if not files:
        click.echo("nurturedsl: no *_test.nurture files found in " + ", ".join(paths), err=True)
        return EXIT_BROKEN
    suites: list[tuple[Suite, list[n.PlaybookTest]]] = []
    broken: list[Broken] = []
    sources: dict[str, SourceFile] = {}
    inputs: list[str] = []
    for file in files:
        try:
            checked = load(file)
        except DiagnosticError as error:
            print_all(error.diagnostics, error.sources)
            click.echo(summary(error.diagnostics, 1), err=True)
            broken.append(Broken(os.path.normpath(file), list(error.diagnostics), dict(error.sources)))
            continue
        sources.update(checked.sources)
        inputs += list(checked.sources)
        chosen = [
            t
            for t in checked.tests.values()
            if (not names or t.name in names) and (o.keyword is None or o.keyword in t.name)
        ]
        suites.append((compile_suite(checked, file), chosen))
    # A broken file does not stop the others: their results are written, with
    # the broken file as an error entry, and the run exits 2 (docs/testing.md).
    results: list[Result] = [suite.run(test) for suite, chosen in suites for test in chosen]
    if not results and not broken:
        asked = (f" named {', '.join(sorted(names))}" if names else "") + (
            f" matching -k {o.keyword}" if o.keyword else ""
        )
        click.echo(f"nurturedsl: no tests{asked} in " + ", ".join(files), err=True)
        return EXIT_BROKEN
    tested = [suite for suite, _ in suites]
    findings = coverage_findings(tested) if o.coverage else None
    if o.output_format == "junit":
        text = as_junit(results, sources, broken)
    elif o.output_format == "json":
        text = as_json(results, sources, findings, broken)
    else:
        cover = coverage_text(tested, findings) if findings is not None else None
        text = as_text(results, sources, cover, broken)
    if o.output is None or o.output == "-":
        click.echo(text, nl=False)
    else:
        write(o.output, text, inputs)
    if findings and o.output_format == "text":
        print_all(findings, sources)
    if o.sim_report is not None and tested:
        report = sim_report(tested)
        if report is None:
            click.echo(
                "nurturedsl: --sim-report: the test files test different programmes; name files of one", err=True
            )
            return EXIT_BROKEN
        write(o.sim_report, report, inputs)
    failed = any(not r.passed for r in results)
    sys.stdout.flush()
    if broken:
        return EXIT_BROKEN
    return EXIT_FAILED if failed else EXIT_OK
