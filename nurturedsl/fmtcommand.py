"""`nurturedsl fmt`: format files in place, or say which would change.

Exit codes: 0 nothing to do, or every file formatted; 1 with `--check` or
`--diff` when some file would change; 2 a usage error, a file that cannot be
read, does not parse, or cannot be formatted safely (it is left as it is).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence

from .diagnostics import Diagnostic, DiagnosticError, print_all
from .fmt import Unsafe, format_text, unsafe_diagnostic
from .source import SourceFile

EXIT_OK, EXIT_CHANGED, EXIT_REFUSED = 0, 1, 2


def _diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"{path} (before)", f"{path} (formatted)"
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return text


def run(files: Sequence[str], check: bool, diff: bool) -> int:
    from .files import write_atomic
    from .load import read_source

    refused: list[str] = []
    changed: list[str] = []
    unchanged = 0
    for path in files:
        try:
            if path == "-":
                source = SourceFile("<stdin>", sys.stdin.buffer.read().decode("utf-8", "surrogateescape"))
            else:
                source = read_source(path)
        except DiagnosticError as error:
            print_all(error.diagnostics, {})
            refused.append(path)
            continue
        try:
            formatted = format_text(source.text, source.path)
        except DiagnosticError as error:
            print_all(error.diagnostics, {source.path: source})
            refused.append(path)
            continue
        except Unsafe as error:
            diagnostic: Diagnostic = unsafe_diagnostic(source.path, error)
            print_all([diagnostic], {source.path: source})
            refused.append(path)
            continue
        if path == "-":
            if diff:
                sys.stdout.write(_diff("-", source.text, formatted))
            elif not check:
                sys.stdout.write(formatted)
            if formatted != source.text:
                changed.append("-")
                if check and not diff:
                    print("would reformat -")  # as for a file: stdin is named `-`
            continue
        if formatted == source.text:
            unchanged += 1
            continue
        changed.append(path)
        if diff:
            sys.stdout.write(_diff(path, source.text, formatted))
        elif check:
            print(f"would reformat {path}")
        else:
            try:
                write_atomic(path, formatted.encode("utf-8", "surrogateescape"))
            except OSError as error:
                print(f"nurturedsl: cannot write {path}: {error.strerror}", file=sys.stderr)
                refused.append(path)
                continue
            print(f"reformatted {path}", file=sys.stderr)
    if files != ["-"]:
        verb = "would be reformatted" if check or diff else "reformatted"
        plural = "" if len(changed) == 1 else "s"
        left = f", {len(refused)} left as they were (see above)" if refused else ""
        print(f"{len(changed)} file{plural} {verb}, {unchanged} unchanged{left}", file=sys.stderr)
    if refused:
        return EXIT_REFUSED
    return EXIT_CHANGED if (check or diff) and changed else EXIT_OK
