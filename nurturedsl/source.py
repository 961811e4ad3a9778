"""Source files and spans: where every node and diagnostic points."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns count from 1."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int, column: int, width: int = 1) -> Span:
        return cls(file, line, column, line, column + width)


def split_lines(text: str) -> tuple[str, ...]:
    """Lines as the lexer counts them: ended by `\n` (a `\r` before it is
    part of the ending), not by everything `str.splitlines()` ends a line at
    (a lone `\r`, form feed, `\x1e`, NEL, U+2028), or a diagnostic would
    quote another line than the one it locates."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line starts none
    return tuple(line[:-1] if line.endswith("\r") else line for line in lines)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file's text as parsed: BOM removed, line endings as written."""

    path: str
    text: str
    # Split once: diagnostics and lint messages quote lines by number, and
    # splitting per quote made reporting quadratic in the file's size.
    lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", split_lines(self.text))

    def line_text(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return ""
