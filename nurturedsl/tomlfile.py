"""TOML files a user writes (lint config, bindings): read with errors at
`path:line:col`, and values described in messages the same way everywhere."""

from __future__ import annotations

import bisect
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import UnreadableInput, read_input


class TomlError(Exception):
    """A TOML file that cannot be used; the message says where and why."""


def toml_module() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


@dataclass
class TomlDocument:
    """A TOML file as read, that can say where each key is written."""

    path: Path
    display: str
    data: dict[str, Any]
    text: str
    _where: dict[tuple[str, ...], tuple[int, int]] | None = None

    def at(self, keys: tuple[str, ...]) -> str:
        """`path:line:col` of the key `keys` (or of the nearest enclosing key
        found), or the bare path."""
        if self._where is None:
            self._where = key_positions(self.text)
        for end in range(len(keys), 0, -1):
            found = self._where.get(keys[:end])
            if found is not None:
                return f"{self.display}:{found[0]}:{found[1]}"
        return self.display

    def fail(self, keys: tuple[str, ...], message: str) -> TomlError:
        return TomlError(f"{self.at(keys)}: {message}")


def display_path(path: Path) -> str:
    """The path relative to the working directory, or absolute outside it."""
    try:
        relative = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive, on Windows
        return str(path)
    return str(path) if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def read_toml(path: Path, limit: int, what: str) -> TomlDocument:
    """The file as TOML. Raises TomlError, located where TOML says."""
    display = display_path(path)
    try:
        data = read_input(str(path), limit, what)
    except UnreadableInput as error:
        raise TomlError(str(error).replace(str(path), display, 1)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise TomlError(f"{display}:{line}:{column}: not UTF-8 text; save the file as UTF-8") from None
    toml = toml_module()
    try:
        document = toml.loads(text)
    except toml.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where:
            message = message[: where.start()]
            raise TomlError(f"{display}:{where.group(1)}:{where.group(2)}: not valid TOML: {message}") from None
        raise TomlError(f"{display}: not valid TOML: {message}") from None
    except ValueError as error:  # tomllib lets int() refuse a number of 4,300 digits
        raise TomlError(f"{display}: not valid TOML: {shown(error, 120)}") from None
    except RecursionError:
        raise TomlError(f"{display}: not a usable TOML file: its arrays or tables are nested too deeply") from None
    return TomlDocument(path, display, document, text)


def describe_value(value: Any) -> str:
    """A config value as a message names it: `3 (an integer)`."""
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a boolean)"
    if isinstance(value, int):
        return f"{shown(value)} (an integer)"
    if isinstance(value, float):
        return f"{shown(value)} (a number)"
    if isinstance(value, str):
        return f'"{shown(value)}" (a string)'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"{shown(value)} (a date or time)"


def shown(value: Any, width: int = 60) -> str:
    """A value in a message, cut so that a runaway one stays on one line."""
    if isinstance(value, int) and value.bit_length() > 64:
        return "an integer of more than 64 bits"  # str() refuses one of 4,300 digits
    text = str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


# ------------------------------------------------- where keys are written --

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_positions(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
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
            return str(toml_module().loads("k = " + self.text[start : self.i])["k"])
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
