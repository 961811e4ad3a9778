"""The formatter: one canonical layout for `.nurture` files (`nurturedsl fmt`).

Contract: `format_text(text)` returns the text laid out in the house style
(docs/formatting.md) or raises `DiagnosticError` (the file does not parse)
or `Unsafe` (the result would not mean the same, keep the same comments or
silence the same findings: never written). The result is a fixed point:
formatting it again changes nothing (the layout is repeated until it
settles; if it does not, the layout that keeps no columns is used).

The layout is driven by the shape of the parse tree, not by constructs: a
tree node with `{` ... `}` is a *block*, its tree children between the
braces are its *items* (statements), and the top level is a block without
braces. A construct added to the grammar later is laid out by these rules
without touching this module. The only construct-aware table is `_tight`,
spacing by token, below.

- A `{` at the start of a line joins the line before (`_joins_line_before`).
- Indentation: two spaces per open block; each item of a multi-line block
  starts a line; a block written on one line stays on one line while its
  line fits in `WIDTH` columns.
- Line breaks inside an item are the user's (gofmt keeps them); such a
  continuation line keeps its offset from its item's first line, 2 to 8.
- Spacing: one space between tokens, none where `_tight` says. Between two
  phrases of one item (or two items on a line) the user's wider gap is kept
  when it aligns the next token with a token of the item before or after in
  the same block and paragraph, or the nearest of its kind (`_Grid`), or
  when it is two spaces before a phrase (`_between_phrases`). Statements
  sharing a line with a `# nurture: ignore[...]` (or the last line of a
  block it covers whole, after the block) are not split, and a block
  on its line is spread only if every directive still covers the same
  nodes afterwards (`_still_suppresses`), else the line stays over `WIDTH`.
- Blank lines: at most one, only before an item or an own-line comment, never
  right inside a brace; top-level declarations of different kinds, or with a
  multi-line block, are separated by one.
- Comments: a trailing comment stays at the end of the line its line's first
  token is on, at its column (at least two spaces after the code); an
  own-line comment stays before the next token, at that token's indentation.
"""

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Tree
from pydantic import BaseModel

from . import nodes as n
from .diagnostics import Diagnostic, DiagnosticError
from .source import SourceFile, Span

# lint/suppress.py's directive; fmt runs before lint, so the pattern is
# repeated here and a test keeps the two the same
_DIRECTIVE = re.compile(r"nurture\s*:\s*ignore\s*\[([^\]]*)\]", re.IGNORECASE)
WIDTH = 100  # a one-line block is spread over lines when its line is longer
_MAX_OFFSET = 8  # a continuation line's indentation past its item's, at most
_TAB = 8

# Spacing by token: (left, right) pairs with no space between them. A value
# matches a token's text; `NAME` (and other capitals) its type.
_TIGHT_BEFORE = {")", "]", ",", ":", "..", "."}
_TIGHT_AFTER = {"(", "[", "..", "."}


def _tight(left: _Tok, right: _Tok, before_left: _Tok | None) -> bool:
    if right.text in _TIGHT_BEFORE or left.text in _TIGHT_AFTER:
        return True
    if right.text == "(" and (left.type == "NAME" or left.text == "consent"):
        return True  # a call: `visited("pricing")`, `consent("sms")`
    if left.text == "{" and right.text == "}":
        return True  # `else {}`
    # `give_to_get 3:1`: a ratio, where a label's colon is followed by a space
    return left.text == ":" and right.type == "NUMBER" and before_left is not None and before_left.type == "NUMBER"


class Unsafe(Exception):
    """The formatted text would differ in meaning, comments or suppressions."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message, self.line = message, line


# ---------------------------------------------------------------- reading --


@dataclass
class _Tok:
    text: str
    type: str
    line: int  # original, 1-based
    col: int  # original visual column (tabs expanded), 0-based
    end: int  # original visual column after the token
    path: tuple[int, ...]  # tree node ids, root first
    item: int  # innermost item containing the token (-1: none)
    item_start: bool = False
    container: int = -1  # for `{` and `}`: their block
    start_char: int = 0  # original, 0-based, in characters (not tab-expanded)
    end_char: int = 0


@dataclass
class _Shape:
    tokens: list[_Tok] = field(default_factory=list)
    kind: dict[int, str] = field(default_factory=dict)  # node id -> "block" | "item" | ""
    rule: dict[int, str] = field(default_factory=dict)
    item_parent: dict[int, int] = field(default_factory=dict)  # item -> its block
    braces: dict[int, tuple[int, int]] = field(default_factory=dict)  # block -> (index of {, index of })


def _visual(lines: list[str], line: int, column: int) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text[: column - 1].expandtabs(_TAB))


def _shape(tree: Tree[Token], lines: list[str]) -> _Shape:
    shape = _Shape()
    ids = iter(range(1 << 30))

    def visit(node: Tree[Token], path: tuple[int, ...], item: int, parent: int) -> None:
        me = next(ids)
        shape.rule[me] = node.data if isinstance(node.data, str) else node.data.value
        has_brace = any(isinstance(c, Token) and c.type == "LBRACE" for c in node.children)
        block = has_brace or not path
        is_item = parent >= 0
        shape.kind[me] = "block" if block else "item" if is_item else ""
        if is_item:
            item = me
            shape.item_parent[me] = parent
        here = (*path, me)
        start = len(shape.tokens)
        inside = not has_brace  # the top level has no braces: everything is inside
        for child in node.children:
            if isinstance(child, Token):
                if child.type == "LBRACE":
                    inside = True
                elif child.type == "RBRACE":
                    inside = False
                line, column = child.line or 1, child.column or 1
                col = _visual(lines, line, column)
                end = _visual(lines, line, child.end_column or column)
                if (child.end_line or line) != line:
                    end = col + len(child.value)
                tok = _Tok(child.value, child.type, line, col, end, here, item)
                tok.start_char, tok.end_char = column - 1, (child.end_column or column) - 1
                if child.type in ("LBRACE", "RBRACE"):
                    tok.container = me
                    low, high = shape.braces.get(me, (-1, -1))
                    index = len(shape.tokens)
                    shape.braces[me] = (index, high) if child.type == "LBRACE" else (low, index)
                shape.tokens.append(tok)
            else:
                child_is_item = block and inside
                visit(child, here, item, me if child_is_item else -1)
        if is_item and len(shape.tokens) > start:
            shape.tokens[start].item_start = True

    visit(tree, (), -1, -1)
    return shape


# ---------------------------------------------------------------- layout --


@dataclass
class _Line:
    indent: int
    parts: list[str] = field(default_factory=list)  # text, gaps included
    comment: str | None = None
    comment_col: int = 0
    blank_before: bool = False
    own_comment: bool = False

    def code(self) -> str:
        return "".join(self.parts)


def _paragraphs(lines: list[str]) -> list[int]:
    """Paragraph number of each original line (1-based index)."""
    numbers = [0]
    current = 0
    blank = True
    for text in lines:
        if not text.strip():
            blank = True
            numbers.append(-1)
            continue
        if blank:
            current += 1
            blank = False
        numbers.append(current)
    return numbers


class _Grid:
    """Where a wider gap is a column: the columns (tokens after a gap inside
    a line) of each original line, and which lines a line lines up with."""

    def __init__(self, shape: _Shape, lines: list[str]) -> None:
        self.para = _paragraphs(lines)
        toks = shape.tokens
        first_on_line: dict[int, int] = {}  # original line -> index of its first token
        columns: dict[int, set[int]] = collections.defaultdict(set)  # original line -> its columns
        items: dict[int, list[int]] = collections.defaultdict(list)  # block -> first lines of its items
        item_of_line: dict[int, int] = {}  # original line -> the item it starts
        item_at: dict[int, int] = {}  # item -> its place among its block's items
        sibling_items: dict[int, list[int]] = collections.defaultdict(list)
        for index, tok in enumerate(toks):
            if tok.line not in first_on_line:
                first_on_line[tok.line] = index
                if tok.item_start:
                    item_of_line[tok.line] = tok.item
            if tok.item_start:
                item_at[tok.item] = len(items[shape.item_parent[tok.item]])
                items[shape.item_parent[tok.item]].append(tok.line)
                sibling_items[shape.item_parent[tok.item]].append(tok.item)
            # a column is made by a token after a gap inside a line, not by an
            # indentation or a token stuck to the one before
            if index and toks[index - 1].line == tok.line and tok.col > toks[index - 1].end:
                columns[tok.line].add(tok.col)
        kin: dict[int, list[int]] = collections.defaultdict(list)  # item -> places of its nearest kin
        for members in sibling_items.values():
            latest: dict[str, int] = {}  # rule -> place of the last item of that rule
            for place, member in enumerate(members):
                before = latest.get(shape.rule[member])
                if before is not None:
                    kin[member].append(before)
                    kin[members[before]].append(place)
                latest[shape.rule[member]] = place
        code_lines = sorted(first_on_line)
        position = {line: index for index, line in enumerate(code_lines)}

        self.shape, self.columns, self.items, self.item_at, self.kin = shape, columns, items, item_at, kin
        self.first_on_line, self.item_of_line = first_on_line, item_of_line
        self.code_lines, self.position = code_lines, position

    def neighbours(self, line: int) -> Iterator[int]:
        """The lines a column on `line` lines up with: the first lines of the
        items before and after its own in the same block, and of the nearest
        of its own kind on each side (a score's behaviour rules line up
        across the fit rules between them), for a line that starts an item;
        the code lines around it, for a continuation line; in the same
        paragraph either way."""
        item = self.item_of_line.get(line)
        if item is not None:
            siblings = self.items[self.shape.item_parent[item]]
            at = self.item_at[item]
            candidates = siblings[max(0, at - 1) : at] + siblings[at + 1 : at + 2]
            candidates += [siblings[i] for i in self.kin.get(item, ())]
        else:
            at = self.position[line]
            candidates = self.code_lines[max(0, at - 1) : at] + self.code_lines[at + 1 : at + 2]
        return (other for other in candidates if other != line and self.para[other] == self.para[line])

    def aligned(self, tok: _Tok) -> bool:
        return any(tok.col in self.columns[other] for other in self.neighbours(tok.line))


@functools.lru_cache(maxsize=4)
def _layout_tree(text: str) -> tuple[Tree[Token], list[Token]]:
    """A text's full tree and comments, once per text: formatting reads the
    result again to check it settles, and the safety check reads it too."""
    from .syntax import layout_tree

    return layout_tree(text)


def _layout(text: str, canonical: bool, exploded: set[int]) -> tuple[list[_Line], set[int]]:
    lines = text.split("\n")
    tree, comments = _layout_tree(text)
    shape = _shape(tree, lines)
    toks = shape.tokens
    grid = _Grid(shape, lines)
    first_on_line, aligned = grid.first_on_line, grid.aligned

    def one_line(block: int) -> bool:
        low, high = shape.braces.get(block, (-1, -1))
        if low < 0 or high < 0 or block in exploded:
            return False
        return toks[low].line == toks[high].line

    open_block = {block: not one_line(block) for block in shape.braces}
    multiline = _with_open_blocks(shape, open_block)

    suppressing = {comment.line for comment in comments if _DIRECTIVE.search(comment.value)}
    tails = _covered_tails(text) if suppressing else {}
    tail_lines: set[int | None] = set(tails)
    commented = {comment.line for comment in comments}
    elements: list[tuple[int, int, int, Any]] = [(t.line, t.col, 0, i) for i, t in enumerate(toks)]
    for comment in comments:
        line = comment.line or 1
        elements.append((line, _visual(lines, line, comment.column or 1), 1, comment))
    elements.sort(key=lambda e: (e[0], e[1]))

    out: list[_Line] = []
    line_of_tok: dict[int, int] = {}
    block_line: dict[int, int] = {}  # one-line block -> output line of its `{`
    item_indent: dict[int, int] = {}  # item -> output indentation of its first line
    item_orig_indent: dict[int, int] = {}
    pending: list[_Line] = []  # own-line comments waiting for the next token's indentation
    depth = 0
    prev: _Tok | None = None
    prev_prev: _Tok | None = None
    prev_end_line = 0  # original line the previous element ended on
    prev_was_open_brace = False
    trailing: list[tuple[int, Token]] = []
    decl_kinds: list[tuple[str, bool]] = []  # top-level: (rule, has a multi-line block)
    after_decl = 0  # index of the first output line after the previous declaration
    top_item = -1

    def decl_of(tok: _Tok) -> int:
        for node in tok.path:
            if shape.item_parent.get(node) == 0:
                return node
        return -1

    for _line, _col, is_comment, payload in elements:
        if is_comment:
            comment = payload
            if prev is not None and prev.line == comment.line:
                trailing.append((first_on_line[comment.line], comment))
                prev_end_line = comment.line
                continue
            blank = comment.line - prev_end_line > 1 and bool(out) and not prev_was_open_brace
            entry = _Line(0, comment=comment.value.rstrip(), blank_before=blank, own_comment=True)
            out.append(entry)
            pending.append(entry)
            prev_end_line = comment.line
            prev_was_open_brace = False
            continue
        index = payload
        tok = toks[index]
        if tok.type == "RBRACE":
            depth -= 1
        block_of_item = shape.item_parent.get(tok.item, -1) if tok.item_start else -1
        forced = prev is None or (
            tok.item_start and (block_of_item == 0 or open_block.get(block_of_item, True) is True)
        )
        if tok.type == "RBRACE" and open_block.get(tok.container, True):
            forced = True
        if forced and prev is not None and prev.line == tok.line and tok.line in suppressing:
            # what shares a line with a `# nurture: ignore[...]` stays on it
            # (statements, a `}` and what follows it): the directive covers
            # its line, and a break would uncover what moves off it. Only a
            # block being spread breaks it, checked by `_still_suppresses`.
            forcing = tok.container if tok.type == "RBRACE" else block_of_item
            if forcing not in exploded:
                forced = False
        if forced and prev is not None and prev.line == tok.line and tok.start_char + 1 >= tails.get(tok.line, 1 << 30):
            # after the `}` of a block a directive covers whole, on that
            # line: covered too (lint counts lines), so it stays on the `}` line
            forced = False
        if tok.item_start and tok.item >= 0:
            item_orig_indent[tok.item] = toks[first_on_line[tok.line]].col
        if (forced or tok.line > prev_end_line) and not _joins_line_before(
            tok, prev, pending, suppressing, commented, tail_lines
        ):
            if tok.item_start and forced or tok.type == "RBRACE" and forced:
                indent = 2 * depth
            else:
                base_item = tok.item
                base = item_indent.get(base_item, 2 * depth)
                offset = tok.col - item_orig_indent.get(base_item, 0)
                indent = base + max(2, min(_MAX_OFFSET, offset))
            blank = tok.item_start and bool(out) and tok.line - prev_end_line > 1 and not prev_was_open_brace
            # top level: different kinds, or a multi-line block, get a blank line
            if tok.item_start and block_of_item == 0:
                if top_item >= 0:
                    rule = shape.rule[tok.item]
                    last_rule, last_multi = decl_kinds[-1]
                    if rule != last_rule or last_multi or (tok.item in multiline):
                        if not any(line.blank_before for line in out[after_decl:]) and not blank:
                            if after_decl < len(out):
                                out[after_decl].blank_before = True
                            else:
                                blank = True
                top_item = tok.item
                decl_kinds.append((shape.rule[tok.item], (tok.item in multiline)))
            current = _Line(indent, blank_before=blank)
            for comment_line in pending:
                comment_line.indent = indent + (2 if tok.type == "RBRACE" and forced else 0)
            pending = []
            out.append(current)
            current.parts.append(tok.text)
        else:
            current = out[-1]
            assert prev is not None  # only the first token has none, and it starts a line
            gap = 0 if _tight(prev, tok, prev_prev) else 1
            user_gap = tok.col - prev.end if prev.line == tok.line else gap
            tabbed = prev.line == tok.line and "\t" in lines[tok.line - 1][prev.end_char : tok.start_char]
            after_comma = prev.text == ","  # `replied,  booked(...)`: one space
            if (
                not canonical
                and gap == 1
                and user_gap > 1
                and not tabbed
                and not after_comma
                and _phrase_gap(shape, prev, tok)
            ):
                if aligned(tok) or (user_gap == 2 and _between_phrases(prev, tok)):
                    gap = user_gap
            current.parts.append(" " * gap + tok.text)
        if tok.item_start and tok.item >= 0:
            item_indent[tok.item] = current.indent
        line_of_tok[index] = len(out) - 1
        if tok.type == "LBRACE":
            depth += 1
            if not open_block.get(tok.container, True):
                block_line[tok.container] = len(out) - 1
        if top_item >= 0 and decl_of(tok) == top_item:
            after_decl = len(out)
        prev_prev, prev = prev, tok
        prev_end_line = tok.line
        prev_was_open_brace = tok.type == "LBRACE"
    for comment_line in pending:
        comment_line.indent = 0
    _place_trailing(trailing, out, line_of_tok, toks, lines)
    # blocks written on one line whose line is too long are spread out
    too_long = {block for block, number in block_line.items() if out[number].indent + len(out[number].code()) > WIDTH}
    return out, too_long


@functools.lru_cache(maxsize=4)
def _covered_tails(text: str) -> dict[int, int]:
    """Last line -> end column of each block a `# nurture: ignore[...]` on
    its first line covers whole, when it ends on a later line: what follows
    it on its last line is covered as well."""
    from .syntax import parse

    directive_lines = {line for line, _text, _covered in _directives(text)}
    tails: dict[int, int] = {}
    for _path, span, block in _spans(parse(SourceFile("<fmt>", text))):
        if block and span.line in directive_lines and span.end_line > span.line:
            tails[span.end_line] = min(tails.get(span.end_line, 1 << 30), span.end_column)
    return tails


def _joins_line_before(
    tok: _Tok,
    prev: _Tok | None,
    pending: list[_Line],
    suppressing: set[int | None],
    commented: set[int | None],
    covered_tails: set[int | None],
) -> bool:
    """A `{` alone at the start of its line goes to the end of the line
    before (`{` ends its line), unless that would move a comment past it
    (an own-line comment between them, a trailing comment on both lines) or
    change what a `# nurture: ignore[...]` covers (a directive on either
    line, or either being the last line of a block one covers whole)."""
    if tok.type != "LBRACE" or prev is None or prev.line == tok.line or pending:
        return False
    if {tok.line, prev.line} & (suppressing | covered_tails):
        return False  # it would bring a node onto (or take one off) a covered line
    return not (tok.line in commented and prev.line in commented)


def _place_trailing(
    trailing: list[tuple[int, Token]], out: list[_Line], line_of_tok: dict[int, int], toks: list[_Tok], lines: list[str]
) -> None:
    """Each trailing comment goes to the end of the output line holding the
    first token of its original line, in its column; behind tabs, or on a
    line that was spread out, two spaces after the code instead."""
    for first, comment in trailing:
        target = out[line_of_tok[first]]
        target.comment = comment.value.rstrip()
        column = comment.column or 1
        written = lines[(comment.line or 1) - 1][: column - 1]
        last = first
        while last + 1 < len(toks) and toks[last + 1].line == comment.line:
            last += 1
        spread = line_of_tok[last] != line_of_tok[first]
        keep = "\t" not in written and not spread
        target.comment_col = _visual(lines, comment.line or 1, column) if keep else 0


def _with_open_blocks(shape: _Shape, open_block: dict[int, bool]) -> set[int]:
    """The top-level items holding a block spread over lines."""
    found = set()
    for block, is_open in open_block.items():
        low, _high = shape.braces[block]
        if is_open and low >= 0 and len(shape.tokens[low].path) > 1:
            found.add(shape.tokens[low].path[1])
    return found


def _phrase_gap(shape: _Shape, left: _Tok, right: _Tok) -> bool:
    """Two tokens whose nearest common node is an item or a block: a gap
    between phrases of a statement, or between statements, where a column
    may be kept. Inside a condition, a duration range or a call it is not."""
    common = -1
    for a, b in zip(left.path, right.path):
        if a != b:
            break
        common = a
    return shape.kind.get(common) in ("item", "block")


def _between_phrases(left: _Tok, right: _Tok) -> bool:
    """Two spaces may set a phrase apart (an option, a modifier, a block, the
    next statement: `stage early  attached`, `"Book a demo"  cta "..."`), but
    not a statement's own word (`wait  3d`), nor its keyword from the rest
    (`goal  booked(...)`)."""
    common_depth = 0
    for a, b in zip(left.path, right.path):
        if a != b:
            break
        common_depth += 1
    if left.text == "{" or right.text == "}":
        return False  # `{ email x }`: one space inside a one-line block
    right_nested = len(right.path) > common_depth
    left_nested = len(left.path) > common_depth
    return right_nested and (left_nested or not left.item_start)


def _render(out: list[_Line], canonical: bool) -> str:
    result: list[str] = []
    for line in out:
        if line.blank_before and result:
            result.append("")
        if line.own_comment:
            result.append(" " * line.indent + (line.comment or ""))
            continue
        code = " " * line.indent + line.code()
        if line.comment is not None:
            column = len(code) + 2 if canonical else max(line.comment_col, len(code) + 2)
            code = code.ljust(column) + line.comment
        result.append(code.rstrip())
    while result and not result[-1]:
        result.pop()
    return "\n".join(result) + "\n" if result else ""


def _once(text: str, canonical: bool) -> str:
    exploded: set[int] = set()
    kept: set[int] = set()  # too long, but spreading it would uncover a suppression
    directives = None  # read when a block is to be spread, not before
    for _attempt in range(64):
        out, too_long = _layout(text, canonical, exploded)
        candidates = too_long - exploded - kept
        if not candidates:
            return _render(out, canonical)
        # the outermost first: spreading it may make the inner ones fit
        block = min(candidates)
        if directives is None:
            directives = _directives(text)
        if directives and not _still_suppresses(directives, _layout(text, canonical, exploded | {block})[0]):
            kept.add(block)
        else:
            exploded.add(block)
    return _render(out, canonical)


def _directives(text: str) -> list[tuple[int, str, frozenset[tuple[Any, ...]]]]:
    """What each `# nurture: ignore[...]` of `text` covers (none: no check)."""
    if not _DIRECTIVE.search(text):
        return []
    from .syntax import parse

    return _suppressed(parse(SourceFile("<fmt>", text)), _layout_tree(text)[1])


def _still_suppresses(directives: list[tuple[int, str, frozenset[tuple[Any, ...]]]], out: list[_Line]) -> bool:
    """Whether spreading a block keeps every suppression covering what it
    covered. A directive on a flow's (segment's, branch's...) first line
    covers the whole block, and stays on that line when the block is spread;
    one on any other line (a `test`, `policy`, `contact` or arm's block, a
    step's line) covers only its line, so spreading that line would uncover
    what moves off it: such a line is kept as it is, even over `WIDTH`."""
    from .syntax import parse

    after = _render(out, canonical=False)
    now = _suppressed(parse(SourceFile("<fmt>", after)), _layout_tree(after)[1])
    return [(text, covered) for _line, text, covered in directives] == [(text, covered) for _line, text, covered in now]


# ---------------------------------------------------------------- safety --


def _meaning(node: Any) -> Any:
    """A node tree with every span left out."""
    if isinstance(node, BaseModel):
        return (
            type(node).__name__,
            tuple(
                (name, _meaning(getattr(node, name)))
                for name in type(node).model_fields
                if not name.endswith("span") and not isinstance(getattr(node, name), Span)
            ),
        )
    if isinstance(node, (list, tuple)):
        return tuple(_meaning(item) for item in node)
    if isinstance(node, dict):
        return tuple(sorted((str(k), _meaning(v)) for k, v in node.items()))
    if isinstance(node, Span):
        return None
    return node


_BLOCKS = (
    n.PlaybookHeader,
    n.Segment,
    n.Content,
    n.Score,
    n.Flow,
    n.Branch,
    n.Split,
    n.Repeat,
    n.WaitUntil,
    n.Experiment,
    n.WaitFor,
)


def _spans(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Span, bool]]:
    """(structural path, span, is a block suppressions cover whole) of every node."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if isinstance(value, Span):
                yield (*path, name), value, name == "span" and isinstance(node, _BLOCKS)
            else:
                yield from _spans(value, (*path, name))
    elif isinstance(node, (list, tuple)):
        for index, item in enumerate(node):
            yield from _spans(item, (*path, index))


def _suppressed(document: n.Document, comments: list[Token]) -> list[tuple[int, str, frozenset[tuple[Any, ...]]]]:
    """(line, text, what it covers) of each `# nurture: ignore[...]`, in
    order: the nodes starting on its line, or in the block whose first line
    it is on (lint/suppress.py)."""
    if not any(_DIRECTIVE.search(comment.value) for comment in comments):
        return []
    spans = list(_spans(document))
    ends: dict[int, int] = {}
    for _path, span, block in spans:
        if block:
            ends[span.line] = max(ends.get(span.line, span.line), span.end_line)
    result = []
    for comment in comments:
        if not _DIRECTIVE.search(comment.value):
            continue
        line = comment.line or 1
        last = ends.get(line, line)
        covered = frozenset(path for path, span, _block in spans if line <= span.line <= last)
        result.append((line, comment.value.strip(), covered))
    return result


def _verify(path: str, before: str, after: str) -> None:
    from .syntax import parse

    old = parse(SourceFile(path, before))
    try:
        new = parse(SourceFile(path, after))
    except DiagnosticError as error:
        raise Unsafe("the formatted text does not parse: " + error.diagnostics[0].message) from None
    if _meaning(old) != _meaning(new):
        raise Unsafe("the formatted text would mean something else")
    _tree, old_comments = _layout_tree(before)
    _tree, new_comments = _layout_tree(after)
    kept = collections.Counter(c.value.rstrip() for c in new_comments)
    for comment in old_comments:
        if kept[comment.value.rstrip()] <= 0:
            raise Unsafe("the formatted text would lose or change this comment", comment.line or 1)
        kept[comment.value.rstrip()] -= 1
    if sum(kept.values()):
        raise Unsafe("the formatted text would have a comment the file does not have")
    was, now = _suppressed(old, old_comments), _suppressed(new, new_comments)
    for (line, text, covered), (_line, new_text, new_covered) in zip(was, now):
        if (text, covered) != (new_text, new_covered):
            raise Unsafe("this `# nurture: ignore[...]` would silence something else", line)


# ---------------------------------------------------------------- entry --


def format_text(text: str, path: str = "<stdin>") -> str:
    """The formatted text; raises `DiagnosticError` (does not parse) or `Unsafe`."""
    from .syntax import parse

    parse(SourceFile(path, text))  # the parse error, located, before anything else
    crlf = "\r\n" in text
    plain = text.replace("\r\n", "\n")
    if plain.startswith("\ufeff"):
        plain = plain[1:]
    result = plain
    for _round in range(4):
        again = _once(result, canonical=False)
        if again == result:
            break
        result = again
    else:
        result = _once(plain, canonical=True)
        if _once(result, canonical=False) != result:
            raise Unsafe("the layout does not settle (formatting it twice would change it again)")
    if result == plain:
        return text  # nothing changes: nothing to check
    _verify(path, plain, result)
    return result.replace("\n", "\r\n") if crlf else result


def unsafe_diagnostic(path: str, error: Unsafe) -> Diagnostic:
    return Diagnostic(
        "NUR030",
        f"not formatted: {error.message}",
        Span.point(path, error.line, 1),
        hints=("the file is left as it is: this is a bug in `fmt`, please report it with the file",),
    )
