"""Lint configuration: `[tool.nurturedsl]` in pyproject.toml, or the top
level of nurturedsl.toml, found by walking up from the linted file.

    [tool.nurturedsl]
    select = ["ALL"]               # codes, prefixes (NUR2), families, names
    ignore = ["NUR704"]
    extend-select = []
    fail-on = "warning"            # error | warning | info
    per-file-ignores = { "legacy/*.nurture" = ["NUR901"] }

    [tool.nurturedsl.rules.NUR901] # or [tool.nurturedsl.rules.stale-review]
    severity = "error"             # error | warning | info | off
    max-age = "60d"                # the rule's own options

Every key is checked: a typo is an error (exit 2) with a hint, never a
setting silently ignored.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..diagnostics import Severity, did_you_mean
from .rule import FAMILIES, Rule

CONFIG_FILES = ("nurturedsl.toml", "pyproject.toml")
_TOP_KEYS = ("select", "ignore", "extend-select", "fail-on", "per-file-ignores", "rules")


class ConfigError(Exception):
    """A config file that cannot be used; the message says where and why."""


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


@dataclass
class LintConfig:
    path: str | None = None  # the file it came from, if any
    root: str = "."  # per-file-ignores patterns are relative to this
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    fail_on: Severity | None = None
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severities: dict[str, Severity | None] = field(default_factory=dict)  # None: off
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enabled(self, rules: Iterable[type[Rule]]) -> list[type[Rule]]:
        rules = list(rules)
        chosen = set(resolve(self.select or ("ALL",), rules))
        chosen |= set(resolve(self.extend_select, rules))
        chosen -= set(resolve(self.ignore, rules))
        chosen = {code for code in chosen if self.severities.get(code, True) is not None}
        return [rule for rule in rules if rule.code in chosen]

    def severity(self, rule: type[Rule]) -> Severity:
        return self.severities.get(rule.code) or rule.severity

    def ignored_in(self, path: str, rules: Iterable[type[Rule]]) -> set[str]:
        """Codes that per-file-ignores silence in `path`."""
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root)).replace(os.sep, "/")
        codes: set[str] = set()
        for pattern, selectors in self.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
                codes |= set(resolve(selectors, rules))
        return codes


def resolve(selectors: Iterable[str], rules: list[type[Rule]]) -> list[str]:
    """Codes matching selectors: `ALL`, a code, a code prefix, a family or a
    rule name. Raises ConfigError for a selector that matches nothing."""
    codes: list[str] = []
    for selector in selectors:
        s = selector.strip()
        if s.upper() == "ALL":
            matched = [r.code for r in rules]
        elif s.upper().startswith("NUR"):
            matched = [r.code for r in rules if r.code.startswith(s.upper())]
        elif s.lower() in FAMILIES:
            matched = [r.code for r in rules if r.family == s.lower()]
        else:
            matched = [r.code for r in rules if r.name == s.lower()]
        if not matched:
            known = [r.code for r in rules] + [r.name for r in rules] + list(FAMILIES)
            hint = did_you_mean(s, known)
            raise ConfigError(f"unknown rule `{s}`" + (f"; {hint[0]}" if hint else "")
                              + " (see `nurturedsl rules`)")
        codes += matched
    return codes


def find_config(start: str) -> Path | None:
    """The nearest nurturedsl.toml, or pyproject.toml with a
    [tool.nurturedsl] table, in the folder of `start` or above."""
    folder = Path(start).resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "nurturedsl.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return b"[tool.nurturedsl" in path.read_bytes()
    except OSError:
        return False


def load_config(path: str | Path, rules: list[type[Rule]]) -> LintConfig:
    path = Path(path)
    display = os.path.relpath(path) if not os.path.isabs(str(path)) else str(path)
    try:
        with open(path, "rb") as handle:
            data = _toml().load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read {display}: {error.strerror}") from None
    except ValueError as error:  # tomllib.TOMLDecodeError
        raise ConfigError(f"{display}: not valid TOML: {error}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("nurturedsl", {})
        where = "[tool.nurturedsl]"
    else:
        table = data
        where = "the top level"
    return parse_config(table, rules, f"{display} ({where})", str(path), str(path.parent))


def parse_config(table: dict, rules: list[type[Rule]], where: str, path: str | None = None,
                 root: str = ".") -> LintConfig:
    def fail(message: str) -> ConfigError:
        return ConfigError(f"{where}: {message}")

    def strings(key: str) -> tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise fail(f"`{key}` must be a list of strings, e.g. {key} = [\"NUR201\"]")
        return tuple(value)

    for key in table:
        if key not in _TOP_KEYS:
            hint = did_you_mean(key, _TOP_KEYS)
            raise fail(f"unknown key `{key}`" + (f"; {hint[0]}" if hint else "")
                       + " (keys: " + ", ".join(_TOP_KEYS) + ")")
    config = LintConfig(path=path, root=root)
    try:
        if "select" in table:
            config.select = strings("select")
            resolve(config.select, rules)
        if "ignore" in table:
            config.ignore = strings("ignore")
            resolve(config.ignore, rules)
        if "extend-select" in table:
            config.extend_select = strings("extend-select")
            resolve(config.extend_select, rules)
        if "fail-on" in table:
            config.fail_on = parse_severity(table["fail-on"], "fail-on")
        if "per-file-ignores" in table:
            value = table["per-file-ignores"]
            if not isinstance(value, dict):
                raise fail('`per-file-ignores` must be a table, e.g. { "legacy/*.nurture" = ["NUR901"] }')
            for pattern, selectors in value.items():
                if not isinstance(selectors, list) or not all(isinstance(x, str) for x in selectors):
                    raise fail(f"per-file-ignores `{pattern}` must be a list of rule codes")
                resolve(selectors, rules)
                config.per_file_ignores[pattern] = tuple(selectors)
        for key, settings in table.get("rules", {}).items():
            _rule_settings(config, key, settings, rules)
    except ConfigError as error:
        if str(error).startswith(where):
            raise
        raise fail(str(error)) from None
    return config


def parse_severity(value: Any, key: str, allow_off: bool = False) -> Severity | None:
    names = [s.value for s in Severity] + (["off"] if allow_off else [])
    if value == "off" and allow_off:
        return None
    if value not in names:
        raise ConfigError(f"`{key}` must be one of {', '.join(names)}, not {value!r}")
    return Severity(value)


def _rule_settings(config: LintConfig, key: str, settings: Any, rules: list[type[Rule]]) -> None:
    by_key = {r.code: r for r in rules} | {r.name: r for r in rules}
    rule = by_key.get(key.upper()) or by_key.get(key.lower())
    if rule is None:
        hint = did_you_mean(key, by_key)
        raise ConfigError(f"[rules.{key}]: unknown rule" + (f"; {hint[0]}" if hint else ""))
    if not isinstance(settings, dict):
        raise ConfigError(f"`rules.{key}` must be a table of settings")
    for name, raw in settings.items():
        if name == "severity":
            config.severities[rule.code] = parse_severity(raw, f"rules.{key}.severity", allow_off=True)
            continue
        option = next((o for o in rule.options if o.name == name), None)
        if option is None:
            known = ["severity"] + [o.name for o in rule.options]
            hint = did_you_mean(name, known)
            raise ConfigError(f"[rules.{key}]: {rule.code} has no option `{name}`"
                              + (f"; {hint[0]}" if hint else "") + " (it has: " + ", ".join(known) + ")")
        try:
            config.options.setdefault(rule.code, {})[name] = option.parse(raw)
        except ValueError as error:
            raise ConfigError(f"[rules.{key}]: `{name}`: {error}") from None
