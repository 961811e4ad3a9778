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

The file is read as TOML, whatever way it writes its tables (headers,
dotted keys, inline tables), and every key and value is checked: a typo or
a value of the wrong kind is an error (exit 2) at `path:line:col`, with
what was expected, never a setting silently ignored nor a traceback.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Severity, did_you_mean
from ..tomlfile import TomlDocument, TomlError, describe_value, read_toml, shown
from .rule import FAMILIES, Option, Rule

CONFIG_FILES = ("nurturedsl.toml", "pyproject.toml")
_TOP_KEYS = ("select", "ignore", "extend-select", "fail-on", "per-file-ignores", "rules")
# A lint config is a few hundred bytes; a pyproject.toml a few KiB. The limit
# only stops a runaway file (or /dev/zero behind a symlink) from being read.
CONFIG_LIMIT = 1 << 20
# Option kinds written as a string in the config file, with an example.
_TEXT_KINDS = {"duration": "7d", "range": "7d..14d", "ratio": "3:1", "cap": "2 per 7d"}
# TOML's integers are 64-bit; tomllib reads larger ones, which would only
# overflow somewhere later (or fail to print: Python refuses str() of an
# integer of more than 4,300 digits).
_LARGEST = (1 << 63) - 1


class ConfigError(TomlError):
    """A config file that cannot be used; the message says where and why."""


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
        rules = list(rules)
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
            raise ConfigError(
                f"unknown rule `{shown(s)}`" + (f"; {hint[0]}" if hint else "") + " (see `nurturedsl rules`)"
            )
        codes += matched
    return codes


# ------------------------------------------------------------ the file --


def _fail(document: TomlDocument, keys: tuple[str, ...], message: str) -> ConfigError:
    return ConfigError(f"{document.at(keys)}: {message}")


def _read(path: Path) -> TomlDocument:
    try:
        return read_toml(path, CONFIG_LIMIT, "lint config file")
    except TomlError as error:
        raise ConfigError(str(error)) from None


def _pyproject_table(document: TomlDocument) -> tuple[bool, Any]:
    """Whether a pyproject.toml has a `tool.nurturedsl` key, and its value.
    Raises ConfigError when `tool` is not a table."""
    tool = document.data.get("tool")
    if tool is None:
        return False, None
    if not isinstance(tool, dict):
        raise _fail(
            document, ("tool",), f"`tool` must be a table (`[tool.nurturedsl]` ...), not {describe_value(tool)}"
        )
    if "nurturedsl" not in tool:
        return False, None
    return True, tool["nurturedsl"]


def find_config(start: str, read: set[str] | None = None) -> Path | None:
    """The nearest nurturedsl.toml, or pyproject.toml with a
    `tool.nurturedsl` table, in the folder of `start` or above. A
    pyproject.toml is read as TOML to see whether it has one (however it
    writes it); one that cannot be read or is not TOML is an error, since
    it might have configured lint. Each file looked into is added to `read`:
    they are the command's inputs, which no output may replace. Raises
    ConfigError."""
    folder = Path(start).resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        own = candidate / "nurturedsl.toml"
        if os.path.lexists(own):
            if read is not None:
                read.add(str(own))
            return own
        pyproject = candidate / "pyproject.toml"
        if os.path.lexists(pyproject):
            if read is not None:
                read.add(str(pyproject))
            if _pyproject_table(_read(pyproject))[0]:
                return pyproject
    return None


def load_config(path: str | Path, rules: list[type[Rule]]) -> LintConfig:
    """The config in `path`: `tool.nurturedsl` of a pyproject.toml, the top
    level of any other file. Raises ConfigError."""
    path = Path(path)
    document = _read(path)
    if path.name == "pyproject.toml":
        found, table = _pyproject_table(document)
        if not found:
            raise ConfigError(f"{document.display}: has no [tool.nurturedsl] table to configure lint with")
        prefix: tuple[str, ...] = ("tool", "nurturedsl")
        if not isinstance(table, dict):
            raise _fail(
                document,
                prefix,
                f"`tool.nurturedsl` must be a table of settings ([tool.nurturedsl]), not {describe_value(table)}",
            )
    else:
        table, prefix = document.data, ()
    return _parse(document, table, prefix, rules)


def _parse(
    document: TomlDocument, table: dict[str, Any], prefix: tuple[str, ...], rules: list[type[Rule]]
) -> LintConfig:
    def fail(keys: tuple[str, ...], message: str) -> ConfigError:
        return _fail(document, prefix + keys, message)

    def strings(key: str) -> tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise fail(
                (key,), f'`{key}` must be a list of strings, e.g. {key} = ["NUR201"], not {describe_value(value)}'
            )
        return tuple(value)

    def selectors(keys: tuple[str, ...], values: tuple[str, ...]) -> tuple[str, ...]:
        try:
            resolve(values, rules)
        except ConfigError as error:
            raise fail(keys, f"`{'.'.join(keys)}`: {error}") from None
        return values

    for key in table:
        if key not in _TOP_KEYS:
            hint = did_you_mean(key, _TOP_KEYS)
            raise fail(
                (key,),
                f"unknown key `{shown(key)}`"
                + (f"; {hint[0]}" if hint else "")
                + " (keys: "
                + ", ".join(_TOP_KEYS)
                + ")",
            )
    config = LintConfig(path=str(document.path), root=str(document.path.parent))
    if "select" in table:
        config.select = selectors(("select",), strings("select"))
    if "ignore" in table:
        config.ignore = selectors(("ignore",), strings("ignore"))
    if "extend-select" in table:
        config.extend_select = selectors(("extend-select",), strings("extend-select"))
    if "fail-on" in table:
        try:
            config.fail_on = parse_severity(table["fail-on"], "fail-on")
        except ConfigError as error:
            raise fail(("fail-on",), str(error)) from None
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise fail(
                ("per-file-ignores",),
                "`per-file-ignores` must be a table of patterns, e.g. "
                f'{{ "legacy/*.nurture" = ["NUR901"] }}, not {describe_value(value)}',
            )
        for pattern, codes in value.items():
            keys = ("per-file-ignores", pattern)
            if not isinstance(codes, list) or not all(isinstance(x, str) for x in codes):
                raise fail(
                    keys,
                    f"per-file-ignores `{shown(pattern)}` must be a list of rule codes, "
                    f'e.g. ["NUR901"], not {describe_value(codes)}',
                )
            config.per_file_ignores[pattern] = selectors(keys, tuple(codes))
    if "rules" in table:
        value = table["rules"]
        if not isinstance(value, dict):
            raise fail(
                ("rules",),
                "`rules` must be a table of rules, e.g. [rules.NUR901] (in pyproject.toml "
                f"[tool.nurturedsl.rules.NUR901]), not {describe_value(value)}",
            )
        configured: dict[str, str] = {}
        for key, settings in value.items():
            code = _rule_settings(config, key, settings, rules, _under(fail, ("rules", key)))
            if code in configured:
                raise fail(
                    ("rules", key),
                    f"[rules.{shown(key)}] configures {code} again, after [rules.{shown(configured[code])}]; keep one",
                )
            configured[code] = key
    return config


_Fail = Callable[[tuple[str, ...], str], ConfigError]


def _under(fail: _Fail, keys: tuple[str, ...]) -> _Fail:
    """`fail` for the keys under `keys`."""
    return lambda more, message: fail(keys + more, message)


def parse_severity(value: Any, key: str, allow_off: bool = False) -> Severity | None:
    names = [s.value for s in Severity] + (["off"] if allow_off else [])
    if value == "off" and allow_off:
        return None
    if not isinstance(value, str) or value not in names:
        raise ConfigError(f"`{key}` must be one of {', '.join(names)}, not {describe_value(value)}")
    return Severity(value)


def _rule_settings(config: LintConfig, key: str, settings: Any, rules: list[type[Rule]], fail: _Fail) -> str:
    """Reads `[rules.KEY]` into `config`; the code of the rule it names."""
    by_key = {r.code: r for r in rules} | {r.name: r for r in rules}
    rule = by_key.get(key.upper()) or by_key.get(key.lower())
    if rule is None:
        hint = did_you_mean(key, by_key)
        raise fail(
            (), f"[rules.{shown(key)}]: unknown rule" + (f"; {hint[0]}" if hint else "") + " (see `nurturedsl rules`)"
        )
    if not isinstance(settings, dict):
        raise fail(
            (),
            f'`rules.{shown(key)}` must be a table of settings, e.g. severity = "error", not {describe_value(settings)}',
        )
    for name, raw in settings.items():
        if name == "severity":
            try:
                config.severities[rule.code] = parse_severity(raw, f"rules.{key}.severity", allow_off=True)
            except ConfigError as error:
                raise fail((name,), str(error)) from None
            continue
        option = next((o for o in rule.options if o.name == name), None)
        if option is None:
            known = ["severity"] + [o.name for o in rule.options]
            hint = did_you_mean(name, known)
            raise fail(
                (name,),
                f"[rules.{shown(key)}]: {rule.code} has no option `{shown(name)}`"
                + (f"; {hint[0]}" if hint else "")
                + " (it has: "
                + ", ".join(known)
                + ")",
            )
        try:
            config.options.setdefault(rule.code, {})[name] = _option_value(option, raw)
        except ValueError as error:
            raise fail((name,), f"[rules.{shown(key)}]: `{name}`: {error}") from None
    return rule.code


def _option_value(option: Option, raw: Any) -> Any:
    """A config value checked for the option's kind, then parsed. Raises
    ValueError saying what was expected."""
    if option.kind in _TEXT_KINDS and not isinstance(raw, str):
        raise ValueError(f'expected a string like "{_TEXT_KINDS[option.kind]}", not {describe_value(raw)}')
    if option.kind in _TEXT_KINDS and re.search(r"\d{20}", raw):
        raise ValueError(f"`{shown(raw)}` has a number too large to mean anything")
    if option.kind == "int" and isinstance(raw, int) and raw > _LARGEST:
        raise ValueError(f"{shown(raw)} is too large; the largest is {_LARGEST}")
    value = option.parse(raw)
    numbers = (
        [value]
        if isinstance(value, int)
        else [x for x in value if isinstance(x, int)]
        if isinstance(value, tuple)
        else []
    )
    if any(x > _LARGEST for x in numbers):
        raise ValueError(f"`{shown(raw)}` is too large")
    if option.kind == "duration" and value < 0 or option.kind == "range" and value[0] < 0:
        raise ValueError(f"`{shown(raw)}`: a length of time cannot be negative")
    if option.kind == "cap" and value[1] <= 0:
        raise ValueError(f"`{shown(raw)}`: the window must be longer than nothing")
    return value
