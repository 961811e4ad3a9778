"""`nurturedsl export` and `nurturedsl import`: the commands' logic, behind
the click definitions in cli.py.

Exit codes, as every command: 0 done (approximations are warnings), 1 the
playbook, its bindings or the engine document has problems (nothing is
written), 2 usage (a file that cannot be read, an output that would
replace an input), 3 a bug (an export our own schema or the engine's rules
refuse is one)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from ..diagnostics import Diagnostic, Severity, print_all, summary
from ..source import SourceFile
from . import target_named
from .core import Bindings, Need, Report, Target, to_span

if TYPE_CHECKING:
    from ..tomlfile import TomlDocument

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
ENGINE_FILE_LIMIT = 64 << 20  # a campaign of thousands of events is a few MiB
Write = Callable[[str, str, Sequence[str]], None]


@dataclass
class ExportOptions:
    target: str
    playbook: str
    bindings: str | None = None
    output: str | None = None
    flows: tuple[str, ...] = ()
    output_format: str | None = None
    strict: bool = False
    init_bindings: bool = False
    hubspot_spec: str | None = None


@dataclass
class ImportOptions:
    target: str
    file: str
    output: str | None = None
    bindings: str | None = None
    bindings_out: str | None = None


@dataclass
class _Shown:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)

    def show(self) -> None:
        print_all(sorted(self.diagnostics, key=Diagnostic.sort_key), self.sources)


def _say(message: str) -> None:
    click.echo(f"nurturedsl: {message}", err=True)


def _read_bindings(path: str, target: Target, shown: _Shown) -> tuple[Bindings, TomlDocument] | None:
    """The bindings file, its problems added to `shown`; None (said) when it is not TOML at all."""
    from . import bindings as bindings_file

    try:
        bound, document, problems = bindings_file.load(path, target)
    except bindings_file.BindingsError as error:
        _say(str(error))
        return None
    shown.sources[document.display] = bindings_file.source_of(document)
    shown.diagnostics += problems
    return bound, document


def run_export(options: ExportOptions, write: Write) -> int:
    from ..diagnostics import DiagnosticError
    from ..ir import compile_model, dumps
    from ..model import load
    from . import bindings as bindings_file

    target = target_named(options.target)
    fmt = options.output_format or target.formats[0]
    if fmt not in target.formats:
        _say(f"{target.title} exports as {' or '.join(target.formats)}, not `{fmt}`")
        return EXIT_USAGE
    spec_schema = None
    if options.hubspot_spec is not None:
        spec_schema = _spec_schema(options.hubspot_spec, target)
        if spec_schema is None:
            return EXIT_USAGE
    try:
        programme = load(options.playbook)
    except DiagnosticError as error:
        print_all(error.diagnostics, error.sources)
        click.echo(summary(error.diagnostics, 1), err=True)
        return EXIT_USAGE if any(d.code == "NUR009" for d in error.diagnostics) else EXIT_PROBLEMS
    ir = compile_model(programme)
    base = os.path.dirname(options.playbook)
    shown = _Shown(sources=dict(programme.sources))

    flows = list(options.flows) or sorted(ir.flows)
    # A flow with no step sends nothing: in a whole-programme export it stands
    # for a campaign or workflow that lives in the engine (an import writes
    # one for each `move to` another campaign), so it is not a document of
    # its own. Named with --flow, it is exported, and the target says why not.
    empty = [] if options.flows else [name for name in flows if name in ir.flows and _has_no_step(ir.flows[name])]
    flows = [name for name in flows if name not in empty]
    unknown = [name for name in flows if name not in ir.flows]
    if unknown:
        from ..diagnostics import did_you_mean

        for name in unknown:
            hint = did_you_mean(name, list(ir.flows))
            _say(f"{options.playbook} has no flow `{name}`" + (f"; {hint[0]}" if hint else ""))
        return EXIT_USAGE
    if not flows:
        _say(
            f"{options.playbook} has no flow to export (a library of content or scores is exported with the flows that import it)"
            if not empty
            else f"{options.playbook}: every flow is empty ({', '.join(f'`{n}`' for n in empty)}): nothing to export"
        )
        return EXIT_USAGE
    for name in empty:
        flow = ir.flows[name]
        shown.diagnostics.append(
            Diagnostic(
                "ENG001",
                f"flow `{name}` has no step: not exported (it stands for a {target.title} one that exists)",
                to_span(flow.span, base),
                Severity.INFO,
            )
        )

    needs: list[Need] = []
    all_needs: list[Need] = []
    for name in sorted(ir.flows):
        flow_needs = target.needs(ir, name)
        all_needs += flow_needs
        if name in flows:
            needs += flow_needs

    existing: Bindings | None = None
    document = None
    if options.bindings is not None:
        loaded = _read_bindings(options.bindings, target, shown)
        if loaded is None:
            return EXIT_USAGE
        existing, document = loaded

    if options.init_bindings:
        text = bindings_file.skeleton(needs, target, existing, base)
        if options.output is None or options.output == "-":
            click.echo(text, nl=False)
        else:
            write(
                options.output,
                text,
                [options.playbook, *programme.sources, *([options.bindings] if options.bindings else [])],
            )
            _say(f"wrote {options.output}: {len({(n.kind, n.name) for n in needs})} names to bind for {target.title}")
        return EXIT_OK
    if existing is None:
        _say(
            f"--bindings is required: the {target.title} ids of the playbook's names (write a skeleton with --init-bindings)"
        )
        return EXIT_USAGE

    known = bindings_file.known_names(ir, all_needs)
    shown.diagnostics += bindings_file.check(needs, existing, document, known, target, base)
    if any(d.severity is Severity.ERROR for d in shown.diagnostics):
        shown.show()
        click.echo(summary(shown.diagnostics, 2) + "; nothing written", err=True)
        return EXIT_PROBLEMS

    report = Report(target.name, strict=options.strict, base=base)
    target.outside_flows(ir, report)
    documents: dict[str, dict[str, Any]] = {}
    for name in flows:
        documents[name] = target.export(ir, name, existing, report, fmt)
    shown.diagnostics += report.diagnostics
    if report.refused:
        shown.show()
        click.echo(summary(shown.diagnostics, 1) + "; nothing written", err=True)
        return EXIT_PROBLEMS
    for name, doc in documents.items():
        broken = target.validate(doc, fmt)
        if broken:  # our export, refused by our own reading of the engine: a bug
            raise AssertionError(
                f"the {target.title} export of flow `{name}` breaks the engine's rules: " + "; ".join(broken[:5])
            )
    if shown.diagnostics:
        shown.show()
        click.echo(summary(shown.diagnostics, 1), err=True)
    if spec_schema is not None and not _matches_spec(documents, spec_schema, options.hubspot_spec or "", target):
        return EXIT_PROBLEMS

    inputs = [options.playbook, *programme.sources, options.bindings or ""]
    if len(documents) == 1 and not (options.output and os.path.isdir(options.output)):
        ((name, doc),) = documents.items()
        text = dumps(doc)
        if options.output is None or options.output == "-":
            click.echo(text, nl=False)
        else:
            write(options.output, text, inputs)
        return EXIT_OK
    if options.output is None or options.output == "-":
        _say(
            f"{len(documents)} flows make {len(documents)} {target.title} documents: give -o DIR, or choose one with --flow"
        )
        return EXIT_USAGE
    os.makedirs(options.output, exist_ok=True)
    for name, doc in documents.items():
        write(os.path.join(options.output, f"{name}.{target.name}.json"), dumps(doc), inputs)
    _say(f"wrote {len(documents)} {target.title} documents to {options.output}")
    return EXIT_OK


def _has_no_step(flow: Any) -> bool:
    """Whether a flow goes from its entry straight to its end."""
    entry = flow.nodes[flow.start]
    return all(flow.nodes[t.to].type == "end" for t in entry.next)


def _spec_schema(path: str, target: Target) -> dict[str, Any] | None:
    """The request body schema of the target's operation in the user's
    OpenAPI file; None (said) when there is none to use."""
    from . import openapi

    if target.openapi_operation is None:
        _say(
            f"--hubspot-spec validates HubSpot exports; {target.title} publishes no OpenAPI description to check against"
        )
        return None
    try:
        return openapi.request_schema(openapi.load(path), *target.openapi_operation)
    except openapi.SpecError as error:
        _say(f"{path}: {error}" if not str(error).startswith(path) else str(error))
        return None


def _matches_spec(documents: dict[str, dict[str, Any]], schema: dict[str, Any], path: str, target: Target) -> bool:
    """Whether every document is a request body the user's OpenAPI file
    accepts; each place it is not is said, and nothing is written. Our own
    schema of the engine accepted them, so a refusal means the two
    disagree: a newer API, or our reading of it to fix (please report it)."""
    from . import openapi

    method, operation = target.openapi_operation or ("", "")
    refused = False
    for name, doc in documents.items():
        for problem in openapi.problems(doc, schema):
            _say(f"flow `{name}`: {problem}")
            refused = True
    if refused:
        _say(
            f"the export does not match `{method.upper()} {operation}` in {path}; nothing written. "
            "If that file is HubSpot's current description, this is ours to fix: please report it"
        )
    return not refused


def run_import(options: ImportOptions, write: Write) -> int:
    from ..files import UnreadableInput, read_input
    from . import bindings as bindings_file
    from .text import check_text

    target = target_named(options.target)
    try:
        data = read_input(options.file, ENGINE_FILE_LIMIT, f"{target.title} file")
    except UnreadableInput as error:
        _say(str(error))
        return EXIT_USAGE
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        _say(f"{options.file}: not UTF-8 text; {target.title} writes JSON in UTF-8")
        return EXIT_USAGE
    except json.JSONDecodeError as error:
        _say(f"{options.file}:{error.lineno}:{error.colno}: not JSON: {error.msg}")
        return EXIT_USAGE
    except RecursionError:
        _say(f"{options.file}: not usable JSON: nested too deeply")
        return EXIT_USAGE

    shown = _Shown()
    existing: Bindings | None = None
    if options.bindings is not None:
        loaded = _read_bindings(options.bindings, target, shown)
        if loaded is None:
            return EXIT_USAGE
        existing = loaded[0]
        if any(d.severity is Severity.ERROR for d in shown.diagnostics):
            shown.show()
            return EXIT_PROBLEMS

    report = Report(target.name)
    imported = target.import_doc(doc, existing, report)
    shown.diagnostics += report.diagnostics
    if report.refused:
        shown.show()
        click.echo(summary(shown.diagnostics, 1) + "; nothing written", err=True)
        return EXIT_PROBLEMS
    name = os.path.basename(options.output) if options.output and options.output != "-" else "imported.nurture"
    problems = check_text(imported.text, name)
    if problems:  # an import that does not check is ours to fix
        raise AssertionError(f"the imported playbook does not check: {problems[0].message}")
    shown.show()
    if options.output is None or options.output == "-":
        click.echo(imported.text, nl=False)
    else:
        write(options.output, imported.text, [options.file, options.bindings or ""])
    out = options.bindings_out
    if out is None and options.output not in (None, "-") and imported.bindings:
        out = os.path.splitext(options.output or "")[0] + f".{target.name}.toml"
    if out is not None:
        write(
            out,
            bindings_file.dumps(imported.bindings, target),
            [options.file, options.output or "", options.bindings or ""],
        )
        _say(f"wrote the bindings to {out}")
    return EXIT_OK
