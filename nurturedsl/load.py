"""Loading: files read, parsed and their imports followed; declarations
collected into a programme's symbol tables; and the hints that name the
import a missing name needs. Nothing here judges meaning: that is check.py."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import nodes as n
from . import vocabulary as vocab
from .diagnostics import Diagnostic, DiagnosticError, did_you_mean
from .programme import Programme
from .source import SourceFile, Span
from .syntax import parse

MAX_FILE_BYTES = 8 * 1024 * 1024
ROOT_MARKERS = ("nurturedsl.toml", "pyproject.toml", ".git")


# ------------------------------------------------------------------ loading --


def read_source(path: str) -> SourceFile:
    """Read a file as text, or raise a diagnostic saying why it cannot be."""
    from .files import TooLarge, UnreadableInput, read_input

    try:
        data = read_input(path, MAX_FILE_BYTES, "playbook")
    except TooLarge as error:
        raise DiagnosticError(
            [
                Diagnostic(
                    "NUR008",
                    (
                        f"file grew past {MAX_FILE_BYTES // 1048576} MiB while it was read"
                        if error.grew
                        else f"file is {error.size_text}"
                    )
                    + f"; playbooks are limited to {MAX_FILE_BYTES // 1048576} MiB",
                    None,
                    hints=(f"{path}: split it into files joined with `import`",),
                )
            ]
        ) from None
    except UnreadableInput as error:
        raise DiagnosticError([Diagnostic("NUR009", str(error), None)]) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DiagnosticError(
            [
                Diagnostic(
                    "NUR007",
                    "this is not UTF-8 text: a playbook must be a UTF-8 text file",
                    Span.point(path, line, column),
                    notes=(f"byte 0x{data[error.start]:02x} at offset {error.start}",),
                )
            ]
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise DiagnosticError(
            [
                Diagnostic(
                    "NUR007",
                    "this is not a text file: it contains a NUL byte",
                    Span.point(path, line, column),
                )
            ]
        )
    return SourceFile(path, text)


def _shorten(text: str, limit: int = 120) -> str:
    """A path short enough to quote in a one-line message."""
    return text if len(text) <= limit else text[: limit // 2] + "…" + text[-limit // 2 :]


def project_root(path: Path) -> Path:
    """The nearest folder above the playbook that marks a project; imports
    may not reach outside it."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


def _real_paths() -> Callable[[str], str]:
    """os.path.realpath, remembered for the run."""
    cache: dict[str, str] = {}

    def real(path: str) -> str:
        found = cache.get(path)
        if found is None:
            found = cache[path] = os.path.realpath(path)
        return found

    return real


class _Loader:
    def __init__(self, path: str):
        self.path = path
        self.programme = Programme(path=path)
        self.diagnostics: list[Diagnostic] = []
        self.root = project_root(Path(path))
        self.done: set[Path] = set()
        self.documents: list[n.Document] = []

    def load(self) -> None:
        self._load(self.path, Path(self.path).resolve(), [])
        for document in self.documents:
            self._collect(document)

    def _load(self, display: str, real: Path, chain: list[tuple[Path, str, Span | None]]) -> None:
        try:
            source = read_source(display)
        except DiagnosticError as error:
            self.diagnostics.extend(error.diagnostics)
            return
        self.programme.sources[display] = source
        try:
            document = parse(source)
        except DiagnosticError as error:
            self.diagnostics.extend(error.diagnostics)
            return
        chain = chain + [(real, display, None)]
        for declaration in document.declarations:
            if isinstance(declaration, n.Import):
                self._import(display, real, declaration, chain)
        self.documents.append(document)
        self.done.add(real)

    def _import(self, display: str, real: Path, imp: n.Import, chain: list[tuple[Path, str, Span | None]]) -> None:
        target_display = os.path.normpath(os.path.join(os.path.dirname(display), imp.path))
        try:
            target = (real.parent / imp.path).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            self.diagnostics.append(
                Diagnostic("NUR020", f"cannot follow import `{imp.path}`: its links form a loop", imp.span)
            )
            return
        # An import is relative to the real file that imports it; when that
        # file is reached through a symlink in another folder, the name
        # beside the link is another file (or none): name the one read.
        if os.path.realpath(target_display) != str(target):
            target_display = os.path.relpath(target)
        if os.path.isabs(imp.path) or not target.is_relative_to(self.root):
            self.diagnostics.append(
                Diagnostic(
                    "NUR022",
                    f"import `{imp.path}` reaches outside the project folder",
                    imp.span,
                    notes=(f"the project folder is {self.root}",),
                    hints=(
                        "imports are relative to the importing file and must stay inside the project "
                        "(the nearest folder with nurturedsl.toml, pyproject.toml or .git)",
                    ),
                )
            )
            return
        on_chain = [entry for entry in chain if entry[0] == target]
        if on_chain:
            start = next(i for i, entry in enumerate(chain) if entry[0] == target)
            names = [entry[1] for entry in chain[start:]] + [target_display]
            self.diagnostics.append(
                Diagnostic(
                    "NUR021",
                    "import cycle: " + " -> ".join(names),
                    imp.span,
                    hints=("move what both files need into a third file that both import",),
                )
            )
            return
        if target in self.done:
            self.programme.imports.setdefault(display, []).append(target_display)
            return
        # One stat, read by kind: Path.is_dir() raises on a name too long for
        # the file system, and a FIFO is neither missing nor a playbook.
        try:
            mode = os.stat(target).st_mode
        except OSError as error:
            if error.errno not in (errno.ENOENT, errno.ENOTDIR):
                self.diagnostics.append(
                    Diagnostic(
                        "NUR020", f"cannot read imported file `{_shorten(imp.path)}`: {error.strerror}", imp.span
                    )
                )
                return
            known = []
            try:
                if target.parent.is_dir():
                    known = [p.name for p in target.parent.glob("*.nurture")]
            except OSError:
                pass
            self.diagnostics.append(
                Diagnostic(
                    "NUR020",
                    f"imported file `{_shorten(imp.path)}` does not exist",
                    imp.span,
                    notes=(f"looked for {_shorten(target_display)}",),
                    hints=did_you_mean(target.name, known),
                )
            )
            return
        if stat.S_ISDIR(mode):
            self.diagnostics.append(
                Diagnostic("NUR020", f"imported `{imp.path}` is a folder, not a playbook file", imp.span)
            )
            return
        if not stat.S_ISREG(mode):
            from .files import describe_kind

            self.diagnostics.append(
                Diagnostic("NUR020", f"imported `{imp.path}` is {describe_kind(mode)}, not a playbook file", imp.span)
            )
            return
        self.programme.imports.setdefault(display, []).append(target_display)
        self._load(target_display, target, chain)

    # ---- symbol tables
    def _define(self, table: dict[str, Any], name: str, node: n.Node, span: Span, what: str) -> None:
        if name in table:
            first = table[name]
            first_span = getattr(first, "name_span", first.span)
            self.diagnostics.append(
                Diagnostic(
                    "NUR011",
                    f"{what} `{name}` is defined twice",
                    span,
                    related=((first_span, "first defined here"),),
                    hints=("rename one of them",),
                )
            )
            return
        table[name] = node

    def _collect(self, document: n.Document) -> None:
        p = self.programme
        headers = [d for d in document.declarations if isinstance(d, n.PlaybookHeader)]
        for extra in headers[1:]:
            self.diagnostics.append(
                Diagnostic(
                    "NUR011",
                    "a file has one `playbook` header; this is the second",
                    extra.span,
                    related=((headers[0].span, "the first is here"),),
                )
            )
        if headers:
            p.headers[document.span.file] = headers[0]
            if document.span.file == self.path:
                p.header = headers[0]
        for d in document.declarations:
            if isinstance(d, n.Policy):
                self._merge_policy(d)
            elif isinstance(d, n.AttributeDecl):
                key = ".".join(d.path)
                if key in vocab.BUILTIN_ATTRIBUTES:
                    self.diagnostics.append(
                        Diagnostic(
                            "NUR011",
                            f"`{key}` is a built-in attribute of type {vocab.BUILTIN_ATTRIBUTES[key]}",
                            d.span,
                            hints=("remove this declaration",),
                        )
                    )
                    continue
                self._define(p.custom_attributes, key, d, d.span, "attribute")
            elif isinstance(d, n.EventDecl):
                if d.name in vocab.BUILTIN_EVENTS:
                    self.diagnostics.append(
                        Diagnostic(
                            "NUR011", f"`{d.name}` is a built-in event", d.span, hints=("remove this declaration",)
                        )
                    )
                    continue
                self._define(p.events, d.name, d, d.span, "event")
            elif isinstance(d, n.Segment):
                self._define(p.segments, d.name, d, d.name_span, "segment")
            elif isinstance(d, n.Content):
                self._define(p.contents, d.name, d, d.name_span, "content")
            elif isinstance(d, n.Score):
                self._define(p.scores, d.name, d, d.name_span, "score")
            elif isinstance(d, n.Flow):
                self._define(p.flows, d.name, d, d.name_span, "flow")
            elif isinstance(d, n.PlaybookTest) and document.span.file == self.path:
                self._define(p.tests, d.name, d, d.name_span, "test")

    def _merge_policy(self, policy: n.Policy) -> None:
        seen: dict[type[n.Setting], n.Setting] = {}
        seen_caps: dict[str, n.ChannelFrequencyCap] = {}
        for setting in policy.settings:
            if isinstance(setting, n.ChannelFrequencyCap):
                self._merge_channel_cap(setting, seen_caps)
                continue
            if type(setting) in seen:
                self.diagnostics.append(
                    Diagnostic(
                        "NUR011",
                        f"`{setting.key}` is set twice in this policy",
                        setting.span,
                        related=((seen[type(setting)].span, "first set here"),),
                    )
                )
                continue
            seen[type(setting)] = setting
            earlier = self.programme.policy.get(type(setting))
            if earlier is None:
                self.programme.policy[type(setting)] = setting
            elif _policy_value(earlier) != _policy_value(setting):
                self.diagnostics.append(
                    Diagnostic(
                        "NUR012",
                        f"policy `{setting.key}` is set differently in two files",
                        setting.span,
                        related=((earlier.span, "also set here"),),
                        hints=("a programme has one policy: keep the setting in one shared file",),
                    )
                )

    def _merge_channel_cap(self, cap: n.ChannelFrequencyCap, seen: dict[str, n.ChannelFrequencyCap]) -> None:
        """One cap per channel: twice in one policy is NUR011, differently in
        two files NUR012, as for the other policy settings."""
        channel = cap.channel.text
        if channel in seen:
            self.diagnostics.append(
                Diagnostic(
                    "NUR011",
                    f"`{cap.key}` is set twice in this policy",
                    cap.span,
                    related=((seen[channel].span, "first set here"),),
                    hints=("one cap per channel: keep the stricter one",),
                )
            )
            return
        seen[channel] = cap
        earlier = self.programme.channel_caps.get(channel)
        if earlier is None:
            self.programme.channel_caps[channel] = cap
        elif _policy_value(earlier) != _policy_value(cap):
            self.diagnostics.append(
                Diagnostic(
                    "NUR012",
                    f"policy `{cap.key}` is set differently in two files",
                    cap.span,
                    related=((earlier.span, "also set here"),),
                    hints=("a programme has one policy: keep the setting in one shared file",),
                )
            )


def _policy_value(setting: n.Setting) -> object:
    """A comparable form of a policy setting: what it says, without spans."""

    def strip(value: object) -> object:
        if isinstance(value, (n.Duration, n.Value)):
            return value.text
        if isinstance(value, n.Node):
            return tuple((name, strip(getattr(value, name))) for name in type(value).model_fields if name != "span")
        if isinstance(value, list):
            return tuple(strip(v) for v in value)
        return value

    return strip(setting)


# ------------------------------------------------------------ import hints --
# When a name is unknown, the checker looks for a playbook nearby that
# defines it, to say which import is missing. It reads declarations off the
# text (they start a line: `content NAME`, `event A, B`, `attribute a.b:`)
# rather than parsing, and remembers each file's until it changes.

_DECLARATION = re.compile(r"^[ \t]*(content|segment|score|flow)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_EVENT_DECLARATION = re.compile(r"^[ \t]*event[ \t]+([A-Za-z_]\w*(?:[ \t]*,\s*[A-Za-z_]\w*)*)", re.MULTILINE)
_ATTRIBUTE_DECLARATION = re.compile(r"^[ \t]*attribute[ \t]+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*:", re.MULTILINE)
_NOT_PLAYBOOK_FOLDERS = {"node_modules", "__pycache__"}
MAX_HINT_FOLDERS = 256  # folders looked through for one import hint, nearest first
_DEFINED: dict[str, tuple[int, int, frozenset[tuple[str, str]]]] = {}


def _wanted(what: str, name: str) -> tuple[tuple[str, str], ...]:
    """The declarations that would define an unknown name of this kind."""
    if what in ("content", "content or step"):
        return (("content", name),)
    if what == "flow":
        return (("flow", name),)
    if what == "segment, event or threshold":
        if "." in name:
            return (("score", name.split(".")[0]), ("attribute", name))
        return (("segment", name), ("event", name), ("attribute", name))
    return ()


def _defined_in(path: str) -> frozenset[tuple[str, str]]:
    """(kind, name) of every top-level declaration in a playbook, from its text."""
    try:
        info = os.stat(path)
    except OSError:
        return frozenset()
    cached = _DEFINED.get(path)
    if cached is not None and cached[:2] == (info.st_mtime_ns, info.st_size):
        return cached[2]
    names: set[tuple[str, str]] = set()
    if info.st_size <= MAX_FILE_BYTES:
        from .files import UnreadableInput, read_input

        try:  # a FIFO among the project's files must not stall the hint
            text = read_input(path, MAX_FILE_BYTES, "playbook").decode("utf-8", errors="replace")
        except UnreadableInput:
            return frozenset()
        names |= {(kind, name) for kind, name in _DECLARATION.findall(text)}
        names |= {("event", event.strip()) for found in _EVENT_DECLARATION.findall(text) for event in found.split(",")}
        names |= {("attribute", key) for key in _ATTRIBUTE_DECLARATION.findall(text)}
    frozen = _DEFINED[path] = (info.st_mtime_ns, info.st_size, frozenset(names))
    return frozen[2]


def _nearby_playbooks(start: Path, root: Path) -> Iterator[list[Path]]:
    """The `.nurture` files of the project folder `root`, nearest to the
    folder `start` first: its own, then those one folder away (its
    subfolders and its parent), and so on; one list per distance. Hidden
    folders and symlinked ones are not entered."""
    seen, level, visited = {start}, [start], 0
    while level and visited < MAX_HINT_FOLDERS:
        files: list[Path] = []
        following: list[Path] = []
        for folder in level:
            visited += 1
            if visited > MAX_HINT_FOLDERS:
                break
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        child = Path(entry.path)
                        if entry.name not in _NOT_PLAYBOOK_FOLDERS and child not in seen:
                            seen.add(child)
                            following.append(child)
                    elif entry.name.endswith(".nurture") and entry.is_file():
                        files.append(Path(entry.path))
                except OSError:
                    continue
            if folder != root and folder.parent not in seen and folder.parent.is_relative_to(root):
                seen.add(folder.parent)
                following.append(folder.parent)
        yield files
        level = following


class _Nearby:
    """`_nearby_playbooks` with each file's declarations, read once: a
    file with hundreds of unknown names looks around once, not hundreds of
    times."""

    def __init__(self, start: Path, root: Path):
        self._walk = _nearby_playbooks(start, root)
        self._levels: list[list[tuple[str, frozenset[tuple[str, str]]]]] = []

    def levels(self) -> Iterator[list[tuple[str, frozenset[tuple[str, str]]]]]:
        yield from self._levels[:]
        for files in self._walk:
            level = [(str(path), _defined_in(str(path))) for path in files]
            self._levels.append(level)
            yield level
