"""`nurturedsl lint` behind click: options to a config, the engine, a
report, an exit code."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import sys

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


def run_lint(*, paths, raw_paths, output_format, fail_on, select, ignore, extend_select, today, config_file,
             output, quiet, write) -> int:
    from .engine import lint
    from .registry import RULES
    from .report import render

    rules = list(RULES)
    if not paths:
        return _usage("no .nurture files found in " + ", ".join(raw_paths))
    try:
        day = _dt.date.fromisoformat(today) if today else _dt.date.today()
    except ValueError:
        return _usage(f"--today takes a date as YYYY-MM-DD, not `{today}`")
    try:
        select_, ignore_, extend_ = _selectors(select), _selectors(ignore), _selectors(extend_select)
        for selectors in (select_, ignore_, extend_):
            resolve(selectors, rules)
        configs: dict[str, LintConfig] = {}

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
            found = find_config(os.path.dirname(os.path.abspath(path)))
            key = str(found)
            if key not in configs:
                configs[key] = overridden(load_config(found, rules) if found else LintConfig())
            return configs[key]

        first = config_for(paths[0])
    except ConfigError as error:
        return _usage(str(error))

    result = lint(paths, config_for, day)
    threshold = Severity(fail_on) if fail_on else (first.fail_on or Severity.WARNING)
    failing = any(_RANK[d.severity] >= _RANK[threshold] for d in result.diagnostics)
    code = EXIT_USAGE if result.broken else EXIT_FINDINGS if failing else EXIT_OK

    colour = output is None and output_format == "text" and _colour(sys.stdout)
    text = render(output_format, result, rules, colour=colour)
    if output_format == "text" and quiet and not result.diagnostics:
        text = ""
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        write(output, text, inputs=list(result.sources))
    return code


def _colour(stream) -> bool:
    from ..diagnostics import use_colour

    return use_colour(stream)
