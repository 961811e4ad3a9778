"""The `nurturedsl` command. Imports of the pipeline stay inside the commands
so that `nurturedsl --help` starts as fast as click itself."""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeGuard

import click

from . import __version__
from .engines import TARGETS as ENGINE_TARGETS  # a table of names: no engine's code is imported

if TYPE_CHECKING:  # the pipeline is imported by the commands that need it
    from .diagnostics import Diagnostic
    from .model import Programme
    from .source import SourceFile

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C

EXIT_CODES_HELP = """\b
Exit codes:
  0  no problems
  1  problems in the playbooks (errors printed on stderr)
  2  usage error, or a file that cannot be read or written (stdout included:
     a full disk, or a pipe closed early, which prints nothing)
  3  internal error: a bug in nurturedsl, never a problem in your playbook
  130  interrupted (Ctrl-C); no output file is left half-written
"""


# A write that fails for reasons of the device, not of nurturedsl: stdout on
# a full disk (`> /dev/full`), past the file-size limit, into a closed pipe.
_WRITE_FAILURES = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EPIPE}


class _OutputFailed(Exception):
    """A write failed on the device; carried past click's own OSError handling."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror)
        self.error = error


def _is_write_failure(error: BaseException) -> TypeGuard[OSError]:
    return isinstance(error, OSError) and error.errno in _WRITE_FAILURES and error.filename is None


def _silence(stream: IO[Any]) -> None:
    """Point a stream's descriptor at /dev/null so the interpreter's last
    flush of what is still buffered cannot fail a second time at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # no real descriptor (a test's stream)
        pass


def _say(message: str) -> None:
    """A message on stderr, if stderr can take it: a full device there must
    not turn one failed write into a traceback."""
    try:
        click.echo(message, err=True)
        sys.stderr.flush()
    except OSError:
        _silence(sys.stderr)


def _buffered_stdout() -> None:
    """With PYTHONUNBUFFERED (common in containers) stdout writes straight to
    the descriptor, and a write the kernel takes only part of (a file-size
    limit, a disk that fills up, a pipe) is dropped without an error: the
    output is cut short and the exit is 0. A buffered writer loops until
    every byte is written or raises."""
    stdout = sys.stdout
    raw = getattr(stdout, "buffer", None)
    if isinstance(stdout, io.TextIOWrapper) and isinstance(raw, io.FileIO):
        sys.stdout = io.TextIOWrapper(
            io.BufferedWriter(raw), encoding=stdout.encoding, errors=stdout.errors, line_buffering=stdout.line_buffering
        )


class _Group(click.Group):
    """Turns an unexpected exception into one line and exit 3, so scripts can
    tell a crash from findings and users never see a traceback; a device that
    refuses the output (a full disk, a closed pipe) is exit 2, as any other
    file that cannot be written is."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _buffered_stdout()
        try:
            try:
                return super().main(*args, **kwargs)
            finally:
                sys.stdout.flush()  # what is still buffered fails here, not in the interpreter's exit
        except (OSError, _OutputFailed) as failure:
            error = failure.error if isinstance(failure, _OutputFailed) else failure
            if not _is_write_failure(error):
                raise
            _silence(sys.stdout)
            if error.errno != errno.EPIPE:  # `| head` closing the pipe early is not worth a message
                _say(f"nurturedsl: cannot write the output: {error.strerror}")
            sys.exit(EXIT_USAGE)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            # Outputs are written to a temporary file and renamed into place,
            # and the temporary files are removed on the way out: an
            # interrupted run leaves what was there before.
            _say("\nnurturedsl: interrupted; no output was written")
            sys.exit(EXIT_INTERRUPTED)
        except RecursionError:
            _say("nurturedsl: internal error: the input nests too deeply to process")
        except Exception as error:
            if _is_write_failure(error):
                raise _OutputFailed(error) from None
            _say(f"nurturedsl: internal error: {type(error).__name__}: {error}")
            _say("This is a bug in nurturedsl; please report it with the playbook that caused it.")
        sys.exit(EXIT_BUG)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.version_option(__version__, "--version", "-V", prog_name="nurturedsl")
def main() -> None:
    """nurturedsl: lead-nurture playbooks as code.

    Write a programme in `.nurture` files (flows, content marked give or ask,
    scoring, policy), check it, and compile it to JSON for an execution
    engine. Run `nurturedsl COMMAND --help` for each command.

    Colour is used only on a terminal; set NO_COLOR to turn it off.
    """


def _playbook_files(paths: tuple[str, ...], found: str = "all") -> list[str]:
    from .files import playbook_files

    return playbook_files(paths, found)


def _load(path: str) -> tuple[Programme | None, list[Diagnostic], dict[str, SourceFile]]:
    """(programme or None, diagnostics, sources)."""
    from .diagnostics import DiagnosticError
    from .model import load

    try:
        return load(path), [], {}
    except DiagnosticError as error:
        return None, error.diagnostics, error.sources


def _unreadable(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.code == "NUR009" for d in diagnostics)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when every file is clean.")
def check(paths: tuple[str, ...], quiet: bool) -> None:
    """Check playbooks for errors: syntax, undefined or duplicate names, wrong
    kinds of content, type errors, impossible values and broken imports.

    PATHS are `.nurture` files or folders, searched recursively for
    `*.nurture`. Every file is checked on its own with everything it
    imports, whether or not another file imports it; `lint` checks the same
    files the same way. Problems are printed on stderr as
    `path:line:col: error[CODE] message` with the source line, a caret under
    the spot and a hint where one helps (a name another playbook of the
    project defines gets the missing `import`).

    \b
    Examples:
      nurturedsl check playbooks/
      nurturedsl check playbooks/inbound.nurture
    """
    from .diagnostics import print_all, summary
    from .model import load_each

    files = _playbook_files(paths)
    if not files:
        click.echo("nurturedsl: no .nurture files found in " + ", ".join(paths), err=True)
        sys.exit(EXIT_USAGE)
    loaded = load_each(files)
    shown = loaded.diagnostics
    print_all(shown, loaded.sources)
    if shown or not quiet:
        click.echo(summary(shown, len(files)), err=True)
    sys.exit(EXIT_USAGE if loaded.unreadable else EXIT_PROBLEMS if shown else EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True))
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="text for people; json, sarif (GitHub code scanning) and github (workflow annotations) for machines.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Exit 1 when a finding is at least this severe. [default: warning, or the config's fail-on]",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Run only these rules: codes (NUR301), prefixes (NUR3), families (timing) or names, "
    "comma-separated or repeated. Replaces the config's select.",
)
@click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules (added to the config's).")
@click.option("--extend-select", multiple=True, metavar="RULES", help="Run these rules as well.")
@click.option(
    "--today", metavar="DATE", help="Lint as if today were DATE (YYYY-MM-DD), for reproducible freshness checks."
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Use this config file instead of looking for nurturedsl.toml / pyproject.toml.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to this file (atomically) instead of stdout.",
)
@click.option("-q", "--quiet", is_flag=True, help="Text format: print nothing when there are no findings.")
def lint(
    paths: tuple[str, ...],
    output_format: str,
    fail_on: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    today: str | None,
    config_file: str | None,
    output: str | None,
    quiet: bool,
) -> None:
    """Lint playbooks against nurture best practice: give-to-get, timing and
    cadence, exits and structure, scoring, consent, content, segmentation,
    re-engagement and freshness. `nurturedsl rules` lists every rule.

    PATHS are `.nurture` files or folders (searched recursively, leaving
    out `*_test.nurture`: tests are run by `nurturedsl test`, not linted). Every
    file is checked as `check` checks it, so the two report the same
    errors; playbooks that fail are reported with their errors and make the
    run exit 2. Files are linted with what they import, and findings are
    reported in the files named.

    \b
    Configuration: [tool.nurturedsl] in pyproject.toml, or nurturedsl.toml,
    found by walking up from each file (docs/rules.md). A playbook's policy
    block (give_to_get, cadence, first_touch, max_touches, frequency_cap)
    sets the defaults for its flows. Silence one finding with a comment
    `# nurture: ignore[NUR201]` on its line or on the first line of its block.

    \b
    Exit codes:
      0  no findings at or above --fail-on
      1  findings at or above --fail-on
      2  usage or config error, or a playbook that cannot be read, parsed or checked
      3  internal error (a bug in nurturedsl)

    \b
    Examples:
      nurturedsl lint playbooks/
      nurturedsl lint playbooks/ --format sarif -o lint.sarif
      nurturedsl lint playbooks/inbound.nurture --select give-to-get --today 2026-12-01
    """
    from .lint.command import run_lint

    everything = _playbook_files(paths)
    # lint leaves out the `*_test.nurture` files of folders (tests are not
    # deployed; docs/testing.md), and says so in its summary
    linted = _playbook_files(paths, "playbooks")
    sys.exit(
        run_lint(
            paths=linted,
            left_out=len(everything) - len(linted),
            raw_paths=paths,
            output_format=output_format,
            fail_on=fail_on,
            select=select,
            ignore=ignore,
            extend_select=extend_select,
            today=today,
            config_file=config_file,
            output=output,
            quiet=quiet,
            write=_write,
        )
    )


@main.command()
@click.argument("rule", required=False, metavar="[CODE|NAME]")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="json: the whole catalogue for tools; markdown: docs/rules.md.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (atomically) instead of stdout.",
)
def rules(rule: str | None, output_format: str, output: str | None) -> None:
    """List the lint rules, or explain one: why it exists, its options and
    their defaults, a bad and a good example.

    \b
    Examples:
      nurturedsl rules
      nurturedsl rules NUR301
      nurturedsl rules ask-before-gives
      nurturedsl rules --format markdown -o docs/rules.md
    """
    from .lint import catalogue
    from .lint.registry import RULES, get

    chosen = list(RULES)
    if rule is not None:
        try:
            chosen = [get(rule)]
        except KeyError:
            from .diagnostics import did_you_mean

            hint = did_you_mean(
                rule.upper() if rule.lower().startswith("nur") else rule,
                [r.code for r in RULES] + [r.name for r in RULES],
            )
            click.echo(
                f"nurturedsl: error: no rule `{rule}`"
                + (f"; {hint[0]}" if hint else "")
                + " (`nurturedsl rules` lists them)",
                err=True,
            )
            sys.exit(EXIT_USAGE)
    if output_format == "json":
        text = catalogue.as_json(chosen)
    elif output_format == "markdown":
        text = catalogue.markdown(chosen)
    else:
        text = catalogue.explain(chosen[0]) if rule is not None else catalogue.table(chosen)
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    _write(output, text)


@main.command("compile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the IR to this file (atomically) instead of stdout.",
)
def compile_command(file: str, output: str | None) -> None:
    """Compile a playbook and its imports to the JSON IR.

    The IR (docs/ir.md; schema: `nurturedsl schema`) is what execution
    engines run: conditions as JsonLogic,
    durations in seconds with ISO 8601 beside them, imports inlined, policy
    defaults applied, a source span on every node. The output is
    byte-for-byte deterministic. Nothing is written when the playbook has
    errors.

    \b
    Examples:
      nurturedsl compile playbooks/programme.nurture -o programme.json
      nurturedsl compile playbooks/inbound.nurture | jq '.flows | keys'
    """
    from .diagnostics import print_all, summary

    programme, diagnostics, sources = _load(file)
    if programme is None:
        print_all(diagnostics, sources)
        click.echo(summary(diagnostics, 1), err=True)
        sys.exit(EXIT_USAGE if _unreadable(diagnostics) else EXIT_PROBLEMS)
    from .ir import compile_programme, dumps

    text = dumps(compile_programme(programme))
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    _write(output, text, inputs=list(programme.sources))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--flow", "flow_name", metavar="NAME", help="Draw this flow in full instead of the programme overview.")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["dot", "svg", "png", "mermaid", "html"]),
    default=None,
    help="[default: from -o's suffix (.dot .gv .svg .png .mmd .md .html), else dot]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file (atomically) instead of stdout; required for png.",
)
@click.option(
    "--lint",
    is_flag=True,
    help="Outline nodes with lint findings in red, with the rule code; "
    "the finding is in the tooltip (SVG) or a note (Mermaid).",
)
@click.option(
    "--sim",
    "sim",
    metavar="REPORT.json",
    help="Overlay a `simulate --format json` report: contacts and percentages on the arrows, "
    "arrow widths by volume, entries and drop-off in the boxes.",
)
@click.option(
    "--legend",
    "legend",
    type=click.Choice(["full", "compact", "none"], case_sensitive=False),
    default=None,
    help="full: every shape used and the notes; compact: the shapes used, under the diagram; none. "
    "[default: none for mermaid, compact otherwise]",
)
@click.option("--no-legend", is_flag=True, help="Leave out the legend (--legend none).")
@click.option(
    "--direction",
    type=click.Choice(["TB", "LR"], case_sensitive=False),
    default="TB",
    show_default=True,
    help="TB: top to bottom, LR: left to right.",
)
def render(
    file: str,
    flow_name: str | None,
    output_format: str | None,
    output: str | None,
    lint: bool,
    sim: str | None,
    legend: str | None,
    no_legend: bool,
    direction: str,
) -> None:
    """Draw a playbook: the programme overview, or one flow in full.

    The overview shows what starts each flow, `move to` and score-threshold
    arrows between flows, and the shared exits (handoff, suppression lists,
    unsubscribed). A flow shows every step: touches shaped by channel and
    coloured by give (green) or ask (amber), waits on the arrows, branches
    and splits as diamonds with their conditions and shares, and the day of
    each step counted from entry where every path agrees (docs/render.md).
    Diagrams come from the same state graph as lint and compile, so they
    cannot drift from the playbook, and the output is deterministic.

    --sim REPORT.json draws a simulation report on it: how many contacts
    took each arrow and what share of those who reached its box, arrows as
    wide as their volume, never-taken arrows thin and grey; on the overview,
    entries per flow and exits on the arrows they match.

    Diagrams are drawn top to bottom (--direction LR: left to right), with
    a compact legend of the shapes used under them (--legend full|none);
    Mermaid, for GitHub, has no legend unless --legend asks. The overview
    counts messages per contact: `at most 5 messages, typically 4`.

    dot and mermaid need nothing but Python; svg, png and html need
    Graphviz's `dot` program (`sudo apt-get install graphviz`). html is one
    self-contained page with the overview, every flow and the lint findings
    beside them. Text goes to stdout without -o; png needs -o.

    \b
    Examples:
      nurturedsl render playbooks/programme.nurture -o programme.svg
      nurturedsl render playbooks/programme.nurture --flow inbound --format mermaid
      nurturedsl render playbooks/programme.nurture --flow inbound --lint -o inbound.png
      nurturedsl render playbooks/programme.nurture -o programme.html
      nurturedsl render playbooks/programme.nurture --flow inbound --sim report.json -o inbound.svg
      nurturedsl render playbooks/programme.nurture --flow inbound --direction LR --legend full -o inbound.png

    \b
    Exit codes:
      0  drawn (lint findings do not change it)
      1  the playbook has errors (printed on stderr, as `check` does)
      2  usage error: unknown flow, png without -o, `dot` not installed, a bad
         lint config, a file that cannot be read or written, or a --sim
         report that is not one or was made from another playbook version
      3  internal error (a bug in nurturedsl)
    """
    from .render.command import run_render

    legend = legend.lower() if legend is not None else None
    if no_legend and legend not in (None, "none"):
        raise click.UsageError(f"--no-legend contradicts --legend {legend}: give one of them")
    sys.exit(
        run_render(
            file=file,
            flow_name=flow_name,
            fmt=output_format,
            output=output,
            lint=lint,
            legend="none" if no_legend else legend,
            load=_load,
            unreadable=_unreadable,
            sim=sim,
            direction=direction.upper(),
        )
    )


def _write(output: str, text: str, inputs: Sequence[str] = ()) -> None:
    from .files import UnsafeOutput, check_output, write_atomic

    try:
        check_output(output, inputs)
        # surrogateescape: a file name that is not UTF-8 comes back as the
        # bytes it was, as it does on stdout
        write_atomic(output, text.encode("utf-8", "surrogateescape"))
    except UnsafeOutput as error:
        click.echo(f"nurturedsl: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as error:
        click.echo(f"nurturedsl: cannot write {output}: {error.strerror}", err=True)
        sys.exit(EXIT_USAGE)


@main.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the schema to this file (atomically) instead of stdout.",
)
def schema(output: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of the compiled IR.

    Runner authors can validate IR documents with it; the copy in
    docs/schema/ is this output.
    """
    from .ir import dumps, ir_schema

    text = dumps(ir_schema())
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    _write(output, text)


@main.command()
@click.argument("playbook", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--contacts",
    type=click.Path(exists=True),
    metavar="FILE|DIR",
    help="Replay: contacts as CSV (with a header), JSON Lines or Parquet; `id` is required. "
    "Or a folder `nurturedsl prepare` wrote (contacts and events, streamed).",
)
@click.option(
    "--events",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Replay: events as JSON Lines, CSV (contact,at,event,args) or Parquet, times with a zone.",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FROM=TO|FILE.toml|hubspot|salesforce",
    help="Rename a contacts column (repeatable), or read renames from a TOML file, so a CRM export works unedited; "
    "`hubspot` and `salesforce` are built-in maps for those exports' default headers.",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Skip rows that cannot be read, and list them, instead of stopping before the run.",
)
@click.option(
    "--sorted",
    "sorted_input",
    is_flag=True,
    help="Replay: the contacts and events files are sorted by contact id (byte order); read them as streams, "
    "one contact in memory at a time, for inputs too large to load. An unsorted row stops with exit 2.",
)
@click.option(
    "--cohort",
    type=click.IntRange(min=1),
    metavar="N",
    help="Forecast: simulate N synthetic contacts (at most 10,000,000).",
)
@click.option(
    "--responses",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Forecast: the population and response model (TOML, docs/simulation.md).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=1000),
    default=10,
    show_default=True,
    help="Forecast: split the cohort into this many independent runs; 95% intervals come from their spread.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the forecast's random draws.")
@click.option(
    "--start",
    metavar="DATE",
    help="Start of the simulated time (YYYY-MM-DD, midnight UTC, or an "
    "ISO time with a zone). [default: replay: the day after the last event or created_at date, "
    "so the inputs are history; forecast: 2026-01-01]",
)
@click.option("--until", metavar="DATE", help="End of the simulated time. [default: 365 days after the start]")
@click.option(
    "--attribution",
    metavar="DURATION",
    default="14d",
    show_default=True,
    help="A flow's goal still counts for it when met this long after the run ends (0d: only at the end).",
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text for people; json (versioned) for tools and `render`; html: one self-contained page "
    "with the tables, charts and the diagrams carrying the counts.",
)
@click.option(
    "--charts",
    metavar="DIR",
    help="Also write each chart as DIR/NAME.svg and DIR/NAME.png, and DIR/charts.md embedding them "
    "(for a CI job summary); DIR is created if missing.",
)
@click.option(
    "--trace",
    type=click.Path(dir_okay=False, writable=True),
    metavar="OUT.jsonl",
    help="Write one JSON line per touch and state change of every contact (atomically).",
)
@click.option("--contact", metavar="ID", help="Print one contact's journey as a timeline instead of the report.")
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="Simulate in this many processes; the output is identical to one worker's.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask", "ray"]),
    default="local",
    show_default=True,
    help="Where the buckets of contacts run: local processes (--workers), a Dask cluster or a Ray cluster "
    "(pip install 'nurturedsl[dask]' or 'nurturedsl[ray]'); the output is identical to one worker's.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="dask or ray: the cluster to run on (tcp://HOST:8786; ray://HOST:10001 or HOST:6379). "
    "[default: $DASK_SCHEDULER_ADDRESS or $RAY_ADDRESS; unset: a local cluster of --workers processes]",
)
@click.option(
    "--buckets",
    type=click.IntRange(min=1, max=100_000),
    metavar="N",
    help="Cut each pass into N tasks. [default: local: one per worker; dask and ray: 4 per worker]",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress bar on stderr: contacts done, rate, time left. [default: only on a terminal, "
    "once a pass has run a second]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report (or timeline) to this file (atomically) instead of stdout.",
)
def simulate(
    playbook: str,
    contacts: str | None,
    events: str | None,
    mapping: tuple[str, ...],
    skip_bad_rows: bool,
    sorted_input: bool,
    cohort: int | None,
    responses: str | None,
    runs: int,
    seed: int,
    start: str | None,
    until: str | None,
    attribution: str,
    output_format: str,
    trace: str | None,
    contact: str | None,
    workers: int,
    executor: str,
    scheduler: str | None,
    buckets: int | None,
    progress: bool | None,
    output: str | None,
    charts: str | None,
) -> None:
    """Run a playbook against contacts before a single email goes out.

    PLAYBOOK is a `.nurture` file (compiled first) or a compiled IR `.json`.
    The simulator executes the compiled IR on a simulated clock: entries,
    waits, branches, splits, exits the moment they happen, scoring with
    decay and thresholds, hand-offs and alerts, quiet hours, send days, the
    frequency cap and SMS consent (docs/simulation.md). Same inputs and seed
    give byte-identical output.

    \b
    Replay real history: --contacts FILE [--events FILE]. Responses come only
    from the events file; touches are recorded as `sent` events. The run
    starts the day after the inputs end, so their history is history; give
    --start before it to replay the history itself as simulated time.
    Forecast: --cohort N --responses FILE [--seed S] [--runs R]: synthetic
    contacts with response probabilities; figures carry 95% intervals.

    \b
    Exit codes:
      0  simulated
      1  the playbook has errors (printed as `check` prints them)
      2  usage error, or an input file with bad rows (path:line: message)
      3  internal error (a bug in nurturedsl)
      130  interrupted (Ctrl-C); no output written

    \b
    Examples:
      nurturedsl simulate playbooks/programme.nurture --contacts examples/contacts.csv --events examples/events.jsonl
      nurturedsl simulate playbooks/programme.nurture --contacts examples/contacts.csv \\
          --events examples/events.jsonl --contact c1
      nurturedsl simulate playbooks/programme.nurture --cohort 100000 --responses examples/responses.toml \\
          --seed 7 --workers 2 --format json -o forecast.json
      nurturedsl simulate playbooks/programme.nurture --cohort 1000000 --responses examples/responses.toml \\
          --executor dask --scheduler tcp://10.0.0.5:8786 --format json -o forecast.json
    """
    from .sim.command import Options, run_simulate

    readout: Any = None
    if output_format == "html" or charts is not None:  # matplotlib and render load only for these
        from .readout import command as readout
    sys.exit(run_simulate(Options(**click.get_current_context().params, readout=readout), _write))


_TARGETS = tuple(sorted(ENGINE_TARGETS))


@main.command()
@click.argument("contacts", type=click.Path(exists=True, dir_okay=False))
@click.argument("events", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="DIR",
    help="The folder to write (created; an old prepared one is replaced).",
)
@click.option(
    "--buckets",
    type=click.IntRange(min=1, max=4096),
    default=1,
    show_default=True,
    help="Cut the contacts into this many buckets by hashed id: a bucket per worker task when simulating.",
)
@click.option(
    "--id",
    "id_column",
    default="id",
    show_default=True,
    metavar="COLUMN",
    help="The contacts column holding the id, as the export names it (before any --map).",
)
def prepare(contacts: str, events: str | None, output: str, buckets: int, id_column: str) -> None:
    """Sort unsorted exports into Parquet buckets for a streamed replay.

    CONTACTS and EVENTS are exports in any order (CSV, TSV, JSON Lines or
    Parquet). DuckDB (`pip install 'nurturedsl[columnar]'`) reads them, puts
    each contact in bucket hash(id) % N, and writes per bucket the contacts
    sorted by id and their events by contact and file order, with a
    manifest.json (counts, latest event and created_at), sorting out of
    memory when it must. Replay the folder with `simulate PLAYBOOK --contacts
    DIR` (streamed; one contact in memory at a time). Cells of CSV stay
    text, typed by the playbook when simulating, as a CSV's are. The folder
    is written whole or not at all (docs/prepare.md).

    \b
    Exit codes:
      0  prepared
      2  usage error, or an input DuckDB cannot read

    \b
    Examples:
      nurturedsl prepare contacts.csv events.jsonl -o prepared/ --buckets 8
      nurturedsl simulate playbooks/programme.nurture --contacts prepared/ --workers 2
    """
    from .sim.prepare import PrepareError
    from .sim.prepare import prepare as run_prepare

    try:
        manifest = run_prepare(contacts, events, output, buckets, id_column)
    except PrepareError as error:
        click.echo(f"nurturedsl: error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(
        f"{output}: {manifest['contact_rows']:,} contact rows and {manifest['event_rows']:,} event rows "
        f"in {len(manifest['buckets'])} bucket{'s' if len(manifest['buckets']) != 1 else ''}",
        err=True,
    )


@main.command("export")
@click.argument("playbook", type=click.Path(exists=True, dir_okay=False))
@click.option("--target", "target", type=click.Choice(_TARGETS), required=True, help="The engine to export to.")
@click.option(
    "--bindings",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE.toml",
    help="Our names (content, segments, attributes, events, tags, lists, teams) mapped to the engine's ids.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(writable=True),
    help="Write here (atomically) instead of stdout: a file for one flow, a folder (FLOW.TARGET.json each) for several.",
)
@click.option(
    "--flow", "flows", multiple=True, metavar="NAME", help="Export this flow only (repeatable); default: every flow."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("api", "bundle")),
    help="api: the REST request body (default); bundle (Mautic only): the file `mautic:entity:import` reads.",
)
@click.option(
    "--strict", is_flag=True, help="Refuse every approximation: export only what the engine expresses exactly."
)
@click.option(
    "--init-bindings",
    is_flag=True,
    help="Write a bindings skeleton (every name to bind, blank) instead; with --bindings, its values are kept.",
)
@click.option(
    "--hubspot-spec",
    type=click.Path(exists=True, dir_okay=False),
    metavar="OPENAPI.json",
    help="Also validate each HubSpot export against your copy of HubSpot's automation v4 OpenAPI file.",
)
def export_command(
    playbook: str,
    target: str,
    bindings: str | None,
    output: str | None,
    flows: tuple[str, ...],
    output_format: str | None,
    strict: bool,
    init_bindings: bool,
    hubspot_spec: str | None,
) -> None:
    """Export a playbook's flows to Mautic or HubSpot, as the engine accepts them.

    One document per flow: a Mautic campaign (POST /api/campaigns/new, or
    with --format bundle the file `mautic:entity:import` reads), or a
    HubSpot workflow (POST /automation/v4/flows, created switched off).
    Engine ids come from the bindings file; every name it lacks, and every
    name it has that the playbook does not, is reported at once. What the engine cannot express is a warning at
    its place in the playbook saying the approximation taken (an error under
    --strict, or when there is none); nothing is written when there is an
    error. The output is checked against the project's schema of the target
    and the engine's own rules (and, with --hubspot-spec, HubSpot's own API
    description). See docs/engines.md.

    \b
    Examples:
      nurturedsl export --target mautic playbooks/inbound.nurture --init-bindings -o mautic.toml
      nurturedsl export --target mautic playbooks/inbound.nurture --bindings mautic.toml -o inbound.json
      nurturedsl export --target mautic playbooks/programme.nurture --bindings mautic.toml -o campaigns/
      nurturedsl export --target hubspot playbooks/inbound.nurture --bindings hubspot.toml -o inbound.json \\
          --hubspot-spec automationV4.json
    """
    from .engines.command import ExportOptions, run_export

    sys.exit(run_export(ExportOptions(**click.get_current_context().params), _write))


@main.command("import")
@click.argument("target", type=click.Choice(_TARGETS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the playbook here instead of stdout."
)
@click.option(
    "--bindings",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE.toml",
    help="Name the engine's ids as these bindings do (the file an export used), instead of `email_12`.",
)
@click.option(
    "--bindings-out",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE.toml",
    help="Write the bindings the playbook needs to be exported back (default with -o: OUT.TARGET.toml).",
)
def import_command(target: str, file: str, output: str | None, bindings: str | None, bindings_out: str | None) -> None:
    """Turn a Mautic campaign or a HubSpot workflow (JSON) into a .nurture file.

    FILE is what the engine gives: a Mautic campaign (the API's request or
    GET response, or a `mautic:entity:export` file), or a HubSpot flow (the
    POST /automation/v4/flows body or a GET response). The playbook
    written checks clean; engine ids are kept in `meta`, and what the
    language cannot say is a comment in the file and a note here.

    \b
    Examples:
      nurturedsl import mautic campaign.json -o welcome.nurture
      nurturedsl import mautic campaign.json -o welcome.nurture --bindings-out mautic.toml
      nurturedsl import hubspot flow.json -o welcome.nurture
    """
    from .engines.command import ImportOptions, run_import

    sys.exit(run_import(ImportOptions(**click.get_current_context().params), _write))


@main.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, allow_dash=True))
@click.option("--check", is_flag=True, help="Write nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", is_flag=True, help="Write nothing; print a unified diff of each change and exit 1 if any.")
def fmt_command(paths: tuple[str, ...], check: bool, diff: bool) -> None:
    """Format playbooks in place, in the one house style (docs/formatting.md).

    PATHS are `.nurture` files or folders, searched recursively for
    `*.nurture`; `-` (the only PATH then) reads standard input and writes
    the formatted text to standard output. Rewriting the files named is what this command is for
    (as with ruff format or terraform fmt); each write is atomic. Every
    comment is kept on its line, and the result is checked before it is
    written: the same meaning, the same comments, the same `# nurture:
    ignore[...]` coverage. A file that fails that check, or does not parse,
    is left as it is and reported.

    \b
    Exit codes:
      0  every file formatted, or nothing to do
      1  with --check or --diff: some file would change
      2  usage error; a file that cannot be read, does not parse, or
         cannot be formatted safely

    \b
    Examples:
      nurturedsl fmt playbooks/
      nurturedsl fmt --check playbooks/
      nurturedsl fmt --diff playbooks/inbound.nurture
      cat inbound.nurture | nurturedsl fmt -
    """
    from .fmtcommand import run

    if "-" in paths and len(paths) > 1:
        raise click.UsageError("`-` (standard input) is read once and alone: give it as the only PATH")
    files = [path for path in paths if path == "-"] + _playbook_files(tuple(p for p in paths if p != "-"))
    if not files:
        click.echo("nurturedsl: no .nurture files found in " + ", ".join(paths), err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(run(files, check, diff))


@main.command("test")
@click.argument("paths", nargs=-1, required=True)
@click.option("-k", "keyword", metavar="PATTERN", help="Run only the tests whose name contains PATTERN.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "junit", "json"]),
    default="text",
    show_default=True,
    help="text: pytest-like, with the contact's timeline on failure; junit: JUnit XML for CI; json: results and traces.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the results to this file (atomically) instead of stdout.",
)
@click.option(
    "--coverage",
    is_flag=True,
    help="Also report the steps (TST001) and branch arms (TST002) of each flow that no test reached.",
)
@click.option(
    "--sim-report",
    type=click.Path(dir_okay=False, writable=True),
    metavar="OUT.json",
    help="Write the tests' contacts as a simulation report, for `render --sim`: arrows no test took are grey.",
)
def test_command(
    paths: tuple[str, ...],
    keyword: str | None,
    output_format: str,
    output: str | None,
    coverage: bool,
    sim_report: str | None,
) -> None:
    """Run the tests written in the language (`test NAME { ... }`) on the simulator.

    PATHS are test files, folders (searched recursively for
    `*_test.nurture`), `FILE::NAME` for one test of a file, or a test's
    NAME (with no file or folder: under the current folder). Each test gives one contact (attributes, tags, consent) and its
    history from a start, and expects what the programme does: touches,
    the path through a flow, exits, handoffs, threshold crossings, a
    score's value, "never", "at most N touches in D". The run is offline and
    deterministic (docs/testing.md).

    Exit 0 when every test passes, 1 when one fails, 2 when a test file is
    broken (errors located as `check` prints them) or no test is selected.

    \b
    Examples:
      nurturedsl test playbooks/
      nurturedsl test playbooks/scoring_test.nurture::seed_ceo_pricing
      nurturedsl test playbooks/ -k inbound --coverage
      nurturedsl test playbooks/ --format junit -o results.xml
      nurturedsl test playbooks/ --sim-report tested.json
      nurturedsl render playbooks/programme.nurture --flow ghost --sim tested.json -o ghost.svg
    """
    from .testing.command import Options, run_tests

    options = Options(paths, keyword, output_format, output, coverage, sim_report)
    sys.exit(run_tests(options, lambda out, text, inputs: _write(out, text, inputs)))


if __name__ == "__main__":  # pragma: no cover
    main()
