"""Mutations of bytes and of tokens: what a bad edit, a bad merge, a cut-off
download or a wrong encoding does to a file."""

from __future__ import annotations

import random
import re

_TOKEN = re.compile(
    rb'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[+-]?\d+(?:\.\d+)?[A-Za-z%]*|\.\.|->|[=!<>]=|\s+|.', re.S
)

# Bytes and snippets that have broken text readers before: NUL, a BOM in the
# middle, CR alone, invalid UTF-8, an encoded lone surrogate, non-characters,
# right-to-left marks, a huge number, a very deep nesting.
SPICE = (
    b"\x00",
    b"\xef\xbb\xbf",
    b"\r",
    b"\r\n",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbf\xbf",
    b"\xe2\x80\xae",
    b"\xc2\xa0",
    b"\t",
    b"\x0b",
    b"\x0c",
    b"\x1b[31m",
    "é".encode(),
    "\U0001f600".encode(),
    b'"',
    b"\\",
    b"{",
    b"}",
    b"(",
    b")",
    b"[",
    b"]",
    b",",
    b":",
    b"=",
    b"#",
    b"%",
    b"..",
    b"->",
    b"-",
    b"+",
    b"9" * 40,
    b"1e308",
    b"-0",
    b"NaN",
    b"Infinity",
    b"(" * 200,
    b"{" * 200,
    b"not " * 100,
    b"\n" * 50,
)


def tokens(data: bytes) -> list[bytes]:
    return _TOKEN.findall(data)


def mutate(rng: random.Random, data: bytes, rounds: int | None = None) -> bytes:
    """One to four edits of `data`, at the byte, token or line level."""
    for _ in range(rounds if rounds is not None else rng.choice((1, 1, 1, 2, 3, 4))):
        data = rng.choice(_OPERATIONS)(rng, data)
    return data


def _span(rng: random.Random, size: int, longest: int = 64) -> tuple[int, int]:
    if size == 0:
        return 0, 0
    start = rng.randrange(size)
    return start, min(size, start + rng.randint(1, longest))


def delete_bytes(rng, data):
    a, b = _span(rng, len(data))
    return data[:a] + data[b:]


def insert_bytes(rng, data):
    at = rng.randint(0, len(data))
    spice = rng.choice(SPICE) if rng.random() < 0.7 else bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return data[:at] + spice + data[at:]


def duplicate_bytes(rng, data):
    a, b = _span(rng, len(data), 400)
    return data[:b] + data[a:b] + data[b:]


def swap_bytes(rng, data):
    a, b = _span(rng, len(data))
    c, d = _span(rng, len(data))
    if b <= c:
        return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]
    return data


def truncate(rng, data):
    return data[: rng.randint(0, len(data))]


def flip_byte(rng, data):
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]


def _token_edit(rng, data, edit):
    parts = tokens(data)
    if not parts:
        return data
    words = [i for i, t in enumerate(parts) if not t.isspace()]
    if not words:
        return data
    return b"".join(edit(rng, parts, words))


def delete_token(rng, data):
    def edit(rng, parts, words):
        del parts[rng.choice(words)]
        return parts

    return _token_edit(rng, data, edit)


def duplicate_token(rng, data):
    def edit(rng, parts, words):
        i = rng.choice(words)
        parts.insert(i, parts[i] + b" ")
        return parts

    return _token_edit(rng, data, edit)


def swap_tokens(rng, data):
    def edit(rng, parts, words):
        i, j = rng.choice(words), rng.choice(words)
        parts[i], parts[j] = parts[j], parts[i]
        return parts

    return _token_edit(rng, data, edit)


def replace_token(rng, data):
    def edit(rng, parts, words):
        other = parts[rng.choice(words)]
        parts[rng.choice(words)] = other
        return parts

    return _token_edit(rng, data, edit)


def glue_tokens(rng, data):
    """`goal icp` -> `goalicp`: whitespace between two words removed."""

    def edit(rng, parts, words):
        spaces = [i for i, t in enumerate(parts) if t.isspace()]
        if spaces:
            del parts[rng.choice(spaces)]
        return parts

    return _token_edit(rng, data, edit)


def misspell_token(rng, data):
    def edit(rng, parts, words):
        i = rng.choice(words)
        word = parts[i]
        if len(word) > 1:
            j = rng.randrange(len(word) - 1)
            word = word[:j] + word[j + 1 : j + 2] + word[j : j + 1] + word[j + 2 :]
        parts[i] = word
        return parts

    return _token_edit(rng, data, edit)


def extreme_number(rng, data):
    """A number or duration made huge, zero, negative or fractional."""

    def edit(rng, parts, words):
        numbers = [i for i in words if parts[i][:1].isdigit() or parts[i][:1] in b"+-"]
        if numbers:
            i = rng.choice(numbers)
            suffix = re.sub(rb"^[+-]?[\d.]+", b"", parts[i])
            parts[i] = rng.choice((b"0", b"-1", b"99999999999999999999", b"1.5", b"9" * 400, b"+0", b"00")) + suffix
        return parts

    return _token_edit(rng, data, edit)


def _lines(data):
    return data.split(b"\n")


def delete_line(rng, data):
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def duplicate_line(rng, data):
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"\n".join(lines)


def swap_lines(rng, data):
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def change_line_endings(rng, data):
    return rng.choice(
        (
            data.replace(b"\n", b"\r\n"),
            data.replace(b"\n", b"\r"),
            b"\xef\xbb\xbf" + data,
            data.encode() if isinstance(data, str) else data.decode("utf-8", "replace").encode("utf-16"),
        )
    )


_OPERATIONS = (
    delete_bytes,
    insert_bytes,
    duplicate_bytes,
    swap_bytes,
    truncate,
    flip_byte,
    delete_token,
    duplicate_token,
    swap_tokens,
    replace_token,
    glue_tokens,
    misspell_token,
    extreme_number,
    delete_token,
    duplicate_token,
    swap_tokens,
    replace_token,  # token edits are the common case
    delete_line,
    duplicate_line,
    swap_lines,
    change_line_endings,
)
