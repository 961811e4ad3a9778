"""`nurturedsl lint` behind click: options to a config, the engine, a
report, an exit code."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from ..diagnostics import Severity
from .config import ConfigError, LintConfig, find_config, load_config, resolve

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def _selectors(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _usage(message: str) -> int:
    click.echo(f"nurturedsl: error: {message}", err=True)
    return EXIT_USAGE


def run_lint(
    *,
    paths: list[str],
    raw_paths: tuple[str, ...],
    output_format: str,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    today: str | None,
    config_file: str | None,
    output: str | None,
    quiet: bool,
    write: Callable[..., Any],
    left_out: int = 0,
) -> int:
    """`left_out`: the `*_test.nurture` files of the folders named, not
    linted; the text summary says how many, so nobody takes them as linted."""
    from .engine import lint
    from .registry import RULES
    from .report import render

    rules = list(RULES)
    if not paths:
        return _usage("no .nurture files found in " + ", ".join(raw_paths))
    try:
        # the form the help names only: Python 3.11 would also take `20261122`
        # and `2026-W47-1`, 3.10 would not
        if today and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", today):
            raise ValueError(today)
        day = _dt.date.fromisoformat(today) if today else _dt.date.today()
    except ValueError:
        return _usage(f"--today takes a date as YYYY-MM-DD, not `{today}`")
    try:
        select_, ignore_, extend_ = _selectors(select), _selectors(ignore), _selectors(extend_select)
        for selectors in (select_, ignore_, extend_):
            resolve(selectors, rules)
        configs: dict[str, LintConfig] = {}
        found_in: dict[str, Path | None] = {}
        config_files: set[str] = {config_file} if config_file else set()

        def overridden(config: LintConfig) -> LintConfig:
            return dataclasses.replace(
                config,
                select=select_ or config.select,
                ignore=config.ignore + ignore_,
                extend_select=config.extend_select + extend_,
            )

        fixed = overridden(load_config(config_file, rules)) if config_file else None

        def config_for(path: str) -> LintConfig:
            if fixed is not None:
                return fixed
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in found_in:
                found_in[folder] = find_config(folder, read=config_files)
            found = found_in[folder]
            key = str(found)
            if key not in configs:
                configs[key] = overridden(load_config(found, rules) if found else LintConfig())
            return configs[key]

        # Every file's config is read here, before linting, so that a broken
        # one is a usage error (exit 2) whichever file needs it.
        first = config_for(paths[0])
        for path in paths[1:]:
            config_for(path)
    except ConfigError as error:
        return _usage(str(error))

    result = lint(paths, config_for, day)
    threshold = Severity(fail_on) if fail_on else (first.fail_on or Severity.WARNING)
    failing = any(_RANK[d.severity] >= _RANK[threshold] for d in result.diagnostics)
    code = EXIT_USAGE if result.broken else EXIT_FINDINGS if failing else EXIT_OK

    colour = output is None and output_format == "text" and _colour(sys.stdout)
    text = render(output_format, result, rules, colour=colour)
    if output_format == "text" and left_out:
        files = f"{left_out} test file{'' if left_out == 1 else 's'}"
        text = text[:-1] + f" ({files} left out: `nurturedsl check` and `nurturedsl test` read them)\n"
    if output_format == "text" and quiet and not result.diagnostics:
        text = ""
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        write(output, text, inputs=list(result.sources) + sorted(config_files))
    return code


def _colour(stream: TextIO) -> bool:
    from ..diagnostics import use_colour

    return use_colour(stream)
