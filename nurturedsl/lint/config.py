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

import bisect
import fnmatch
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Severity, did_you_mean
from ..files import UnreadableInput, read_input
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


class ConfigError(Exception):
    """A config file that cannot be used; the message says where and why."""


def _toml() -> Any:
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
                f"unknown rule `{_shown(s)}`" + (f"; {hint[0]}" if hint else "") + " (see `nurturedsl rules`)"
            )
        codes += matched
    return codes


# ------------------------------------------------------------ the file --


@dataclass
class _Document:
    """A config file read as TOML, that can say where each key is written."""

    path: Path
    display: str
    data: dict[str, Any]
    text: str
    _where: dict[tuple[str, ...], tuple[int, int]] | None = None

    def at(self, keys: tuple[str, ...]) -> str:
        """`path:line:col` of the key `keys` (or of the nearest enclosing key
        found), or the bare path."""
        if self._where is None:
            self._where = _key_positions(self.text)
        for end in range(len(keys), 0, -1):
            found = self._where.get(keys[:end])
            if found is not None:
                return f"{self.display}:{found[0]}:{found[1]}"
        return self.display

    def fail(self, keys: tuple[str, ...], message: str) -> ConfigError:
        return ConfigError(f"{self.at(keys)}: {message}")


def _display(path: Path) -> str:
    """The path relative to the working directory, or absolute outside it."""
    try:
        relative = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive, on Windows
        return str(path)
    return str(path) if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def _read(path: Path) -> _Document:
    """The file as TOML. Raises ConfigError, located where TOML says."""
    display = _display(path)
    try:
        data = read_input(str(path), CONFIG_LIMIT, "lint config file")
    except UnreadableInput as error:
        raise ConfigError(str(error).replace(str(path), display, 1)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(f"{display}:{line}:{column}: not UTF-8 text; save the file as UTF-8") from None
    toml = _toml()
    try:
        document = toml.loads(text)
    except toml.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where:
            message = message[: where.start()]
            raise ConfigError(f"{display}:{where.group(1)}:{where.group(2)}: not valid TOML: {message}") from None
        raise ConfigError(f"{display}: not valid TOML: {message}") from None
    except ValueError as error:  # tomllib lets int() refuse a number of 4,300 digits
        raise ConfigError(f"{display}: not valid TOML: {_shown(error, 120)}") from None
    except RecursionError:
        raise ConfigError(f"{display}: not a usable TOML file: its arrays or tables are nested too deeply") from None
    return _Document(path, display, document, text)


def _pyproject_table(document: _Document) -> tuple[bool, Any]:
    """Whether a pyproject.toml has a `tool.nurturedsl` key, and its value.
    Raises ConfigError when `tool` is not a table."""
    tool = document.data.get("tool")
    if tool is None:
        return False, None
    if not isinstance(tool, dict):
        raise document.fail(("tool",), f"`tool` must be a table (`[tool.nurturedsl]` ...), not {_kind(tool)}")
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
            raise document.fail(
                prefix, f"`tool.nurturedsl` must be a table of settings ([tool.nurturedsl]), not {_kind(table)}"
            )
    else:
        table, prefix = document.data, ()
    return _parse(document, table, prefix, rules)


def _parse(document: _Document, table: dict[str, Any], prefix: tuple[str, ...], rules: list[type[Rule]]) -> LintConfig:
    def fail(keys: tuple[str, ...], message: str) -> ConfigError:
        return document.fail(prefix + keys, message)

    def strings(key: str) -> tuple[str, ...]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise fail((key,), f'`{key}` must be a list of strings, e.g. {key} = ["NUR201"], not {_kind(value)}')
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
                f"unknown key `{_shown(key)}`"
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
                f'{{ "legacy/*.nurture" = ["NUR901"] }}, not {_kind(value)}',
            )
        for pattern, codes in value.items():
            keys = ("per-file-ignores", pattern)
            if not isinstance(codes, list) or not all(isinstance(x, str) for x in codes):
                raise fail(
                    keys,
                    f"per-file-ignores `{_shown(pattern)}` must be a list of rule codes, "
                    f'e.g. ["NUR901"], not {_kind(codes)}',
                )
            config.per_file_ignores[pattern] = selectors(keys, tuple(codes))
    if "rules" in table:
        value = table["rules"]
        if not isinstance(value, dict):
            raise fail(
                ("rules",),
                "`rules` must be a table of rules, e.g. [rules.NUR901] (in pyproject.toml "
                f"[tool.nurturedsl.rules.NUR901]), not {_kind(value)}",
            )
        configured: dict[str, str] = {}
        for key, settings in value.items():
            code = _rule_settings(config, key, settings, rules, _under(fail, ("rules", key)))
            if code in configured:
                raise fail(
                    ("rules", key),
                    f"[rules.{_shown(key)}] configures {code} again, after "
                    f"[rules.{_shown(configured[code])}]; keep one",
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
        raise ConfigError(f"`{key}` must be one of {', '.join(names)}, not {_kind(value)}")
    return Severity(value)


def _rule_settings(config: LintConfig, key: str, settings: Any, rules: list[type[Rule]], fail: _Fail) -> str:
    """Reads `[rules.KEY]` into `config`; the code of the rule it names."""
    by_key = {r.code: r for r in rules} | {r.name: r for r in rules}
    rule = by_key.get(key.upper()) or by_key.get(key.lower())
    if rule is None:
        hint = did_you_mean(key, by_key)
        raise fail(
            (), f"[rules.{_shown(key)}]: unknown rule" + (f"; {hint[0]}" if hint else "") + " (see `nurturedsl rules`)"
        )
    if not isinstance(settings, dict):
        raise fail(
            (), f'`rules.{_shown(key)}` must be a table of settings, e.g. severity = "error", not {_kind(settings)}'
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
                f"[rules.{_shown(key)}]: {rule.code} has no option `{_shown(name)}`"
                + (f"; {hint[0]}" if hint else "")
                + " (it has: "
                + ", ".join(known)
                + ")",
            )
        try:
            config.options.setdefault(rule.code, {})[name] = _option_value(option, raw)
        except ValueError as error:
            raise fail((name,), f"[rules.{_shown(key)}]: `{name}`: {error}") from None
    return rule.code


def _option_value(option: Option, raw: Any) -> Any:
    """A config value checked for the option's kind, then parsed. Raises
    ValueError saying what was expected."""
    if option.kind in _TEXT_KINDS and not isinstance(raw, str):
        raise ValueError(f'expected a string like "{_TEXT_KINDS[option.kind]}", not {_kind(raw)}')
    if option.kind in _TEXT_KINDS and re.search(r"\d{20}", raw):
        raise ValueError(f"`{_shown(raw)}` has a number too large to mean anything")
    if option.kind == "int" and isinstance(raw, int) and raw > _LARGEST:
        raise ValueError(f"{_shown(raw)} is too large; the largest is {_LARGEST}")
    value = option.parse(raw)
    numbers = (
        [value]
        if isinstance(value, int)
        else [x for x in value if isinstance(x, int)]
        if isinstance(value, tuple)
        else []
    )
    if any(x > _LARGEST for x in numbers):
        raise ValueError(f"`{_shown(raw)}` is too large")
    if option.kind == "duration" and value < 0 or option.kind == "range" and value[0] < 0:
        raise ValueError(f"`{_shown(raw)}`: a length of time cannot be negative")
    if option.kind == "cap" and value[1] <= 0:
        raise ValueError(f"`{_shown(raw)}`: the window must be longer than nothing")
    return value


def _kind(value: Any) -> str:
    """A config value as a message names it: `3 (an integer)`."""
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a boolean)"
    if isinstance(value, int):
        return f"{_shown(value)} (an integer)"
    if isinstance(value, float):
        return f"{_shown(value)} (a number)"
    if isinstance(value, str):
        return f'"{_shown(value)}" (a string)'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"{_shown(value)} (a date or time)"


def _shown(value: Any, width: int = 60) -> str:
    """A value in a message, cut so that a runaway one stays on one line."""
    if isinstance(value, int) and value.bit_length() > 64:
        return "an integer of more than 64 bits"  # str() refuses one of 4,300 digits
    text = str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


# ------------------------------------------------- where keys are written --

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key_positions(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """(line, column) of each key of a TOML document that parses, by its
    full path: `[a.b]` and `[[a.b]]` headers, dotted keys and keys of
    inline tables. The first place a path is written wins. Best effort: it
    only feeds error locations, so what it cannot follow is left out."""
    scanner = _Scanner(text)
    try:
        scanner.document()
    except (IndexError, ValueError, RecursionError):
        pass
    return scanner.found


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.found: dict[tuple[str, ...], tuple[int, int]] = {}
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, index)
        return line, index - self._line_starts[line - 1] + 1

    def record(self, path: tuple[str, ...], index: int) -> None:
        self.found.setdefault(path, self.position(index))

    def peek(self, ahead: int = 0) -> str:
        k = self.i + ahead
        return self.text[k] if k < len(self.text) else ""

    def blank(self, newlines: bool) -> None:
        """Skips spaces and comments, and newlines too if asked."""
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch in " \t" or newlines and ch in "\r\n":
                self.i += 1
            elif ch == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            else:
                return

    def document(self) -> None:
        table: tuple[str, ...] = ()
        while True:
            self.blank(newlines=True)
            if self.i >= len(self.text):
                return
            if self.peek() == "[":
                self.i += 2 if self.peek(1) == "[" else 1
                table = self.key(())
                self.blank(newlines=False)
                self.i += 2 if self.peek(1) == "]" else 1
            else:
                self.pair(table)

    def key(self, prefix: tuple[str, ...]) -> tuple[str, ...]:
        """A dotted key; records where each part of it is written."""
        path = prefix
        while True:
            self.blank(newlines=False)
            start = self.i
            path += (self.simple_key(),)
            self.record(path, start)
            self.blank(newlines=False)
            if self.peek() != ".":
                return path
            self.i += 1

    def simple_key(self) -> str:
        ch = self.peek()
        if ch in "\"'":
            start = self.i
            self.string()
            return str(_toml().loads("k = " + self.text[start : self.i])["k"])
        match = _BARE_KEY.match(self.text, self.i)
        if match is None:
            raise ValueError(self.i)
        self.i = match.end()
        return match.group()

    def pair(self, table: tuple[str, ...]) -> None:
        path = self.key(table)
        self.blank(newlines=False)
        if self.peek() != "=":
            raise ValueError(self.i)
        self.i += 1
        self.blank(newlines=False)
        self.value(path)

    def value(self, path: tuple[str, ...]) -> None:
        ch = self.peek()
        if ch in "\"'":
            self.string()
        elif ch == "[":
            self.i += 1
            while True:
                self.blank(newlines=True)
                if self.peek() == "]":
                    self.i += 1
                    return
                self.value(path)
                self.blank(newlines=True)
                if self.peek() == ",":
                    self.i += 1
        elif ch == "{":
            self.i += 1
            while True:
                self.blank(newlines=False)
                if self.peek() == "}":
                    self.i += 1
                    return
                self.pair(path)
                self.blank(newlines=False)
                if self.peek() == ",":
                    self.i += 1
        else:  # a number, boolean, date or time: up to what ends a value
            match = re.compile(r"[^,\]}\n#]*").match(self.text, self.i)
            assert match is not None
            if match.end() == self.i:
                raise ValueError(self.i)
            self.i = match.end()

    def string(self) -> None:
        quote = self.peek()
        if self.text.startswith(quote * 3, self.i):
            end = self.i + 3
            while True:
                end = self.text.index(quote * 3, end)
                if quote == '"' and _escaped(self.text, end):
                    end += 1
                    continue
                break
            while self.text.startswith(quote, end + 3):  # up to two quotes may close the string's text
                end += 1
            self.i = end + 3
            return
        end = self.i + 1
        while True:
            end = self.text.index(quote, end)
            if quote == '"' and _escaped(self.text, end):
                end += 1
                continue
            break
        self.i = end + 1


def _escaped(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd run of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1
