"""`nurturedsl simulate`: read the inputs, run every contact, write the report.

Contacts are independent, so `--workers N` cuts them into N contiguous
slices, runs each in its own process and adds the tallies up in slice order;
with whole-number tallies and traces concatenated in contact order, the
output is byte-identical to one worker's.

Nothing is lost: no output (-o, --trace) may be one of the inputs, which is
checked before anything is read; the trace is written to a temporary file
beside it and renamed into place at the end, so a failed write, an error or
Ctrl-C leaves the previous file (or none) and no temporary one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import sys
import tempfile
from array import array
from dataclasses import dataclass, field
from typing import Any

import click

from .contact import time_problem
from .engine import IRError, Programme, Runner, iso
from .logic import date_seconds
from .report import Tally, as_json, as_text, figures, flatten, intervals, layout, timeline, weeks
from .sources import Bucket, contacts_in

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
DEFAULT_COHORT_START = "2026-01-01"
DEFAULT_SPAN_DAYS = 365
GIVEN = "given with --start"  # the header's start_reason when --start was given
DEFAULT_ATTRIBUTION = 14 * 86400  # `--attribution 14d`
# Intervals hardly narrow past a few hundred thousand contacts, and ten
# million take some ten minutes on two cores: a larger number is a typo.
MAX_COHORT = 10_000_000
TERMINAL_DELAY = 1.0  # seconds a pass runs before its progress bar shows on a terminal
_STOP_EVERY = 256  # contacts between looks at the stop flag in a worker


class UsageError(Exception):
    """A problem with the command line or an input file: exit 2."""


class TraceFailed(Exception):
    """Writing the trace failed (a full disk, the file-size limit); the
    argument is the system's reason. Raised in workers too, so it pickles."""


@dataclass
class Job:
    """Everything a worker needs, picklable."""

    ir: dict
    start: float
    until: float
    seed: int
    trace: bool
    cohort: int | None = None  # number of synthetic contacts
    runs: int = 1
    responses: str | None = None
    model: Any = None  # cohort: the ResponseModel, read once (it pickles as its text)
    contacts: list = field(default_factory=list)  # replay: Contact objects
    events: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)  # run -> experiment -> Decision (experiments.py)
    # a pass that re-runs only the contacts a decision can change: the
    # decisions of the pass before, under which their figures are taken off
    previous: dict | None = None
    attribution: float = DEFAULT_ATTRIBUTION  # seconds after a run ends its flow's goal still counts
    stream: Any = None  # replay --sorted: a streams.SortedReplay, read as the contacts are run


def parse_moment(text: str, option: str) -> float:
    """A DATE (midnight UTC) or an ISO 8601 date and time with a zone,
    within the simulated time (contact.time_problem)."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text}: expected a date (2026-01-05) or a date and time with a zone (2026-01-05T09:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise UsageError(f"{option} {text}: a time needs a zone: add Z for UTC or an offset such as +01:00")
    try:
        seconds = moment.timestamp()
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is in the year 10000 in UTC
        seconds = float("inf") if moment.year > 1 else float("-inf")
    problem = time_problem(seconds)
    if problem:
        raise UsageError(f"{option} {text} {problem}")
    return seconds


def load_ir(path: str) -> tuple[dict, list[str]]:
    """The IR of a `.nurture` playbook (compiled here) or of a compiled
    `.json` document; and the files it came from."""
    if path.endswith(".json"):
        from ..files import UnreadableInput, read_input
        from ..model import MAX_FILE_BYTES

        try:
            # as large as a playbook may be; never open() a FIFO or read a device
            ir = json.loads(read_input(path, MAX_FILE_BYTES, "compiled playbook").decode("utf-8-sig"))
        except UnreadableInput as error:
            raise UsageError(str(error)) from None
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not UTF-8") from None
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
        except RecursionError:
            raise UsageError(f"{path}: nested too deeply to read") from None
        except ValueError as error:  # a number of more than 4,300 digits
            raise UsageError(f"{path}: not valid JSON: {error}") from None
        if not isinstance(ir, dict) or ir.get("format") != "nurturedsl-ir":
            raise UsageError(f'{path}: not a nurturedsl IR document (its `format` is not "nurturedsl-ir")')
        if str(ir.get("version", "")).split(".")[0] != "1":
            raise UsageError(f"{path}: IR version {ir.get('version', '?')} is not supported; this runner reads 1.x")
        from .checkir import problems

        found = problems(ir)
        if found:
            raise UsageError(f"{path} cannot be run:\n" + "\n".join(f"  {problem}" for problem in found))
        return ir, [path]
    from ..diagnostics import DiagnosticError, print_all, summary
    from ..ir import compile_programme, dumps
    from ..model import load

    try:
        programme = load(path)
    except DiagnosticError as error:
        print_all(error.diagnostics, error.sources)
        click.echo(summary(error.diagnostics, 1), err=True)
        unreadable = any(d.code == "NUR009" for d in error.diagnostics)
        raise SystemExit(EXIT_USAGE if unreadable else EXIT_PROBLEMS) from None
    # Through JSON text, so the simulator sees exactly what another runner would.
    return json.loads(dumps(compile_programme(programme))), list(programme.sources)


def _runner(job: Job, trace: bool):
    programme = Programme(job.ir)
    if job.cohort is None:
        return Runner(programme, job.start, job.until, trace=trace, attribution=job.attribution), None
    from .cohort import contact_rng

    model = job.model
    seed = job.seed
    return Runner(
        programme,
        job.start,
        job.until,
        responder=model.respond,
        trace=trace,
        rng_for=lambda contact_id: contact_rng(seed, contact_id),
        attribution=job.attribution,
    ), model


_stop = None  # in a worker process: the Event the parent sets on Ctrl-C


def run_bucket(job: Job, bucket: Bucket, trace_path: str | None, progress=None) -> dict[int, Tally]:
    """Simulate the bucket's contacts; tallies by run; trace lines to
    `trace_path` as each contact finishes. Raises TraceFailed when the
    trace cannot be written. Each tally's `undecided` holds the positions
    in the bucket (0 for its first contact) of the contacts whose run drew
    an arm of an undecided experiment (executors.merge makes them indices).

    With `job.previous` (a pass that runs again the contacts a decision can
    change) each contact runs twice, untraced under the previous decisions
    and then under `job.decisions`, and the tallies are the difference."""
    runner, _model = _runner(job, trace_path is not None)
    tracing, previous = runner.tracing, job.previous
    tallies: dict[int, Tally] = {}
    undo: dict[int, Tally] = {}  # with `previous`: the contacts' figures under it, to take off
    try:
        out = open(trace_path, "w", encoding="utf-8") if trace_path else None
    except OSError as error:
        raise TraceFailed(error.strerror or str(error)) from None
    try:
        for done, (run, contact, events) in enumerate(contacts_in(job, bucket)):
            if _stop is not None and not done % _STOP_EVERY and _stop.is_set():
                return {}
            tally = tallies.get(run)
            if tally is None:
                tally = tallies[run] = Tally()
                if previous is not None:
                    undo[run] = Tally()
            if previous is not None:
                # as the pass before ran it: a run changes neither the
                # contact nor its events
                runner.tracing = False
                runner.decisions = previous.get(run, {})
                runner.run(contact, events, undo[run])
                runner.tracing = tracing
            runner.decisions = job.decisions.get(run, {})
            runner.run(contact, events, tally)
            if runner.undecided:
                tally.undecided.append(done)
            if out is not None:
                for record in runner.trace_records:
                    out.write(json.dumps(record, sort_keys=True, ensure_ascii=False))
                    out.write("\n")
                runner.trace_records.clear()
            if progress is not None:
                progress(1)
        if out is not None:
            out.close()  # the last buffered lines are written here, and may fail
    except OSError as error:
        raise TraceFailed(error.strerror or str(error)) from None
    finally:
        if out is not None and not out.closed:
            try:
                out.close()
            except OSError:
                pass  # already failing; the file is removed
    for run, taken in undo.items():
        tallies[run].subtract(taken)
    return tallies


def simulate(
    job: Job, count: int, workers: int, trace_path: str | None, progress: float | None, plan=None
) -> dict[int, Tally]:
    """All contacts, on `workers` processes or as `plan` says
    (executors.py); tallies by run. A programme with experiments is run in
    rounds until no experiment decides any more (experiments.py);
    `job.decisions` then holds the decisions. `progress`: None for no
    progress bar, else the seconds a pass runs before its bar shows
    (progress.py)."""
    from .executors import ExecutorError, Plan, open_executor

    try:
        with open_executor(plan or Plan("local", workers)) as executor:
            return _passes(job, count, trace_path, progress, executor)
    except ExecutorError as error:
        raise UsageError(str(error)) from None


def _passes(job: Job, count: int, trace_path: str | None, progress: float | None, executor) -> dict[int, Tally]:
    """The rounds of docs/simulation.md ("Experiments"). The first pass runs
    every contact. A decision changes only the runs that drew an arm of an
    experiment still undecided then (the engine says which), so the next
    pass runs just those, under the old decisions and the new, and adds the
    difference to the tallies; every other contact's figures stand, and so
    do their trace lines: those of the contacts run again replace theirs."""
    from .experiments import next_decisions
    from .programme import Programme as Prepared

    experiments = list(Prepared(job.ir).experiments.values()) if _has_experiments(job.ir) else []
    rounds = 1
    tallies: dict[int, Tally] | None = None
    previous: dict | None = None  # the decisions of the last pass, when this one re-runs only some contacts
    while True:
        only = None
        if tallies is not None and previous is not None:
            only = array("q")  # eight bytes a contact: at worst, every one
            for run in sorted(tallies):
                only.extend(tallies[run].undecided)
        bar = None
        if progress is not None:
            from .progress import Progress

            # a decision makes another pass: say which one
            label = f"simulating, pass {rounds}" if experiments else "simulating"
            bar = Progress(sys.stderr, count if only is None else len(only), label, delay=progress)
        try:
            if only is None:
                tallies = executor.run(job, count, trace_path, bar)
            elif only:
                part = _beside(trace_path) if trace_path is not None else None
                job.previous = previous
                try:
                    changes = executor.run(job, count, part, bar, only=only)
                    if trace_path is not None and part is not None:
                        _splice_trace(trace_path, part, len(only))
                finally:
                    job.previous = None
                    if part is not None and os.path.exists(part):
                        os.unlink(part)
                assert tallies is not None
                for tally in tallies.values():
                    del tally.undecided[:]  # the re-run says again who drew an undecided arm
                for run, change in changes.items():
                    tallies[run].add(change)
                    tallies[run].tidy()
        finally:
            if bar is not None:
                bar.finish()
        assert tallies is not None
        if not experiments:
            return tallies
        windows = {run: tally.experiment_windows for run, tally in tallies.items()}
        found = next_decisions(experiments, windows, job.decisions, job.until)
        if found is None:
            return tallies
        previous = job.decisions
        job.decisions = found
        rounds += 1


def _beside(path: str) -> str:
    """A new empty temporary file in the folder of `path`."""
    try:
        handle, part = tempfile.mkstemp(prefix=".trace-", suffix=".jsonl", dir=os.path.dirname(os.path.abspath(path)))
    except OSError as error:
        raise TraceFailed(error.strerror or str(error)) from None
    os.close(handle)
    return part


def _splice_trace(trace_path: str, part: str, contacts: int) -> None:
    """Each contact's lines in `part` (the `contacts` contacts run again,
    each one's lines together, in the trace's order of contacts) in place
    of that contact's lines in `trace_path`, through a new file."""
    from itertools import groupby

    def contact_of(line: str) -> str:
        return json.loads(line)["contact"]

    spliced = _beside(trace_path)
    try:
        # it takes the trace's place: its mode too, not mkstemp's 0600
        os.chmod(spliced, stat.S_IMODE(os.stat(trace_path).st_mode))
        with (
            open(part, encoding="utf-8") as new,
            open(trace_path, encoding="utf-8") as old,
            open(spliced, "w", encoding="utf-8") as out,
        ):
            fresh = groupby(new, key=contact_of)
            coming = next(fresh, None)
            replaced = 0
            for contact, lines in groupby(old, key=contact_of):
                if coming is not None and contact == coming[0]:
                    out.writelines(coming[1])
                    replaced += 1
                    coming = next(fresh, None)
                else:
                    out.writelines(lines)
        # A contact run again drew an arm in the pass before, so it has lines
        # in both: anything else is a bug, not a trace to write.
        if coming is not None or replaced != contacts:
            raise RuntimeError(f"a re-run's trace holds {replaced} of its {contacts} contacts in the trace's order")
        os.replace(spliced, trace_path)
    except OSError as error:
        raise TraceFailed(error.strerror or str(error)) from None
    finally:
        if os.path.exists(spliced):
            os.unlink(spliced)


def _trace_decisions(job: Job, trace_path: str) -> None:
    """One `experiment_decided` line per decision, after the contacts' lines
    (a decision belongs to no one contact), by run and then moment."""
    from .programme import Programme as Prepared

    experiments = Prepared(job.ir).experiments
    try:
        with open(trace_path, "a", encoding="utf-8") as out:
            for run in sorted(job.decisions):
                for name, found in sorted(job.decisions[run].items(), key=lambda item: (item[1].at, item[0])):
                    exp = experiments[name]
                    record = {
                        "at": iso(found.at),
                        "type": "experiment_decided",
                        "flow": exp.flow,
                        "step": exp.node,
                        "rule": exp.rule(),
                        "winner": exp.arms[found.winner],
                        "arms": [
                            {"arm": label, "counted": found.counted[i], "reached": found.reached[i]}
                            for i, label in enumerate(exp.arms)
                        ],
                    }
                    if job.runs > 1:
                        record["run"] = run + 1
                    out.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    except OSError as error:
        raise TraceFailed(error.strerror or str(error)) from None


def _has_experiments(ir: dict) -> bool:
    return any(node["type"] == "experiment" for flow in ir["flows"].values() for node in flow["nodes"].values())


def report(job: Job, tallies: dict[int, Tally], header: dict, output_format: str, playbook: str = "") -> str:
    total = Tally()
    for run in sorted(tallies):
        total.add(tallies[run])
    shape = layout(job.ir)
    shape["weeks"] = weeks(job.start, job.until)
    body = figures(total, shape)
    if _has_experiments(job.ir):
        from .experiments import section
        from .programme import Programme as Prepared

        experiments = list(Prepared(job.ir).experiments.values())
        windows = {run: tallies[run].experiment_windows for run in sorted(tallies)}
        body["experiments"] = section(experiments, job.decisions, windows, job.until)
        _decided_winners(body)
    ranges = None
    if job.cohort is not None and job.runs > 1:
        ranges = intervals(
            [(tallies[r].contacts, flatten(figures(tallies[r], shape))) for r in sorted(tallies)], total.contacts
        )
    if output_format == "json":
        return as_json(header, body, ranges)
    return as_text(header, body, ranges)


def _decided_winners(body: dict) -> None:
    """An experiment's winner in `splits` is the arm it decided for: the one
    most of its runs decided for (none on a tie); undecided, the arms'
    interval rule of a plain split stands."""
    from collections import Counter

    for name, found in body["experiments"].items():
        votes = Counter(run["winner"] for run in found["runs"] if run["winner"] is not None)
        if not votes:
            continue
        ranked = votes.most_common()
        split = body["splits"][name]
        split["winner"] = ranked[0][0] if len(ranked) == 1 or ranked[0][1] > ranked[1][1] else None
        split["decided"] = True


def parse_attribution(text: str) -> float:
    """`--attribution DURATION`, written as the language writes durations."""
    from .. import units

    try:
        seconds = units.parse_duration(text)
    except ValueError:
        raise UsageError(
            f"--attribution {_cut(text)}: expected a duration such as 14d, 48h or 2w (units: {units.UNITS_TEXT}); "
            "0d counts only goals met when the run ends"
        ) from None
    if seconds < 0:
        raise UsageError(
            f"--attribution {_cut(text)}: a window cannot be negative; 0d counts only goals met at the end"
        )
    if seconds > units.MAX_DURATION_SECONDS:
        raise UsageError(f"--attribution {_cut(text)}: at most {units.MAX_DURATION_SECONDS // units.DAY}d (ten years)")
    return float(seconds)


def contact_timeline(job: Job, contact_id: str) -> str:
    """One contact's journey, simulated alone (contacts are independent)."""
    runner, model = _runner(job, True)
    if model is not None:
        from .cohort import contact_id as cohort_id

        # ASCII digits only (`cohort-²` is not a number to int()), and no
        # more of them than an id of the largest cohort has
        number = re.fullmatch(r"cohort-([0-9]{1,20})", contact_id)
        index = int(number[1]) - 1 if number else -1
        if not 0 <= index < job.cohort or cohort_id(index) != contact_id:
            raise UsageError(
                f"--contact {_cut(contact_id)}: no such contact in a cohort of {job.cohort} "
                f"(ids run from {cohort_id(0)} to {cohort_id(job.cohort - 1)})"
            )
        contact, events = model.contact(index, job.seed, job.start)
    elif job.stream is not None:
        # one sorted file: stop at the first id past it; a prepared folder's buckets are each sorted
        whole = job.stream.parts is not None
        match = next(
            ((c, e) for c, e in job.stream.contacts() if c.id == contact_id or c.id > contact_id and not whole), None
        )
        if match is None or match[0].id != contact_id:
            raise UsageError(f"--contact {_cut(contact_id)}: no contact with that id")
        contact, events = match
    else:
        found = [c for c in job.contacts if c.id == contact_id]
        if not found:
            from ..diagnostics import did_you_mean

            ids = [c.id for c in job.contacts]
            hint = did_you_mean(contact_id, ids[:10000])
            raise UsageError(
                f"--contact {_cut(contact_id)}: no contact with that id" + (f"; {hint[0]}" if hint else "")
            )
        contact = found[0]
        events = job.events.get(contact.id, [])
    data = {"id": contact.id, "name": contact.data.get("name")}
    if _has_experiments(job.ir):
        # the arm depends on the decisions, which depend on every contact:
        # run them all first (one process), then this one with the decisions
        count = job.cohort if job.cohort is not None else job.stream.count if job.stream else len(job.contacts)
        simulate(job, count, 1, None, progress=None)
        run = index * job.runs // job.cohort if model is not None else 0
        runner.decisions = job.decisions.get(run, {})
    runner.run(contact, events, Tally())
    return timeline(runner.trace_records, data, contact.timezone or runner.p.policy.timezone)


def _cut(text: str) -> str:
    """An id from the command line as a message shows it: short, one line."""
    from .inputs import printable

    return printable(text if len(text) <= 60 else text[:57] + "...")


def shown_path(path: str) -> str:
    """A path as text any output can hold: a file name that is not UTF-8
    (Python keeps its bytes as lone surrogates) with those bytes as \\xff."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def header_for(job: Job, mode: str, sources: dict, notes: list[str], start_reason: str) -> dict:
    header = {
        "mode": mode,
        "playbook": job.ir.get("playbook", {}).get("name", "playbook"),
        "inputs": {name: shown_path(path) for name, path in sources.items()},
        "start": iso(job.start),
        "start_reason": start_reason,
        "until": iso(job.until),
        "seed": job.seed,
        "notes": notes,
    }
    if mode == "cohort":
        header["runs"] = job.runs
    from .. import units

    header["attribution"] = {"window": units.iso(int(job.attribution)), "seconds": int(job.attribution)}
    return header


@dataclass(frozen=True)
class Options:
    """What `nurturedsl simulate` was asked, field for field the command's
    parameters (cli.py builds it from click's), so the command's stages take
    one value instead of eighteen."""

    playbook: str
    contacts: str | None
    events: str | None
    mapping: tuple[str, ...]
    skip_bad_rows: bool
    cohort: int | None
    responses: str | None
    runs: int
    seed: int
    start: str | None
    until: str | None
    output_format: str
    trace: str | None
    contact: str | None
    workers: int
    output: str | None
    progress: bool | None
    charts: str | None = None  # --charts DIR (nurturedsl/readout)
    attribution: str = "14d"  # the goal attribution window (`--attribution`)
    sorted_input: bool = False  # --sorted: stream contact-sorted inputs (streams.py)
    # --format html and --charts: the drawing layer (nurturedsl/readout/command.py), handed in by
    # the CLI so that the simulator never imports the readout, render or model; None without them
    readout: Any = None
    executor: str = "local"  # --executor local|dask|ray (executors.py)
    scheduler: str | None = None  # --scheduler ADDRESS of a Dask or Ray cluster
    buckets: int | None = None  # --buckets N: tasks a pass is cut into


def run_simulate(o: Options, write) -> int:
    try:
        return _run(o, write)
    except UsageError as error:
        click.echo(f"nurturedsl: error: {error}", err=True)
        return EXIT_USAGE


def _outputs(output: str | None, trace: str | None) -> list[tuple[str, str]]:
    """(option, path) of each file the command will write (-o - is stdout)."""
    found = [("-o", output)] if output not in (None, "-") else []
    return found + ([("--trace", trace)] if trace is not None else [])


def _check_outputs(outputs: list[tuple[str, str]], inputs: list[tuple[str, str]]) -> None:
    """Refuse an output that is one of the inputs (`what`, path), or the
    other output, or not a plain file, before anything is read or run."""
    from ..files import UnsafeOutput, check_output, same_file

    for option, path in outputs:
        try:
            check_output(path)  # not a folder, a device, a FIFO or a symlink
            for what, source in inputs:
                check_output(path, [source], what=what)
        except UnsafeOutput as error:
            raise UsageError(f"{option}: {error}") from None
    if len(outputs) == 2 and same_file(outputs[0][1], outputs[1][1]):
        raise UsageError(f"--trace {outputs[1][1]} is also the -o file; the report and the trace need a file each")


def _map_files(mapping: tuple[str, ...]) -> list[str]:
    return [value for value in mapping if os.path.isfile(value)]


def _run(o: Options, write) -> int:
    if (o.contacts is None) == (o.cohort is None):
        raise UsageError("give either --contacts FILE (replay) or --cohort N --responses FILE (forecast)")
    if o.cohort is not None and o.responses is None:
        raise UsageError("--cohort needs --responses FILE: the response model (docs/simulation.md)")
    if o.cohort is None and (o.responses is not None):
        raise UsageError("--responses only goes with --cohort N")
    if o.events is not None and o.contacts is None:
        raise UsageError("--events goes with --contacts")
    if o.events is not None and _prepared(o.contacts):
        raise UsageError(f"--contacts {o.contacts} is a prepared folder, which holds the events too; drop --events")
    if o.sorted_input and o.contacts is None:
        raise UsageError("--sorted streams the --contacts and --events files; a cohort is made, not read")
    if o.mapping and o.contacts is None:
        raise UsageError("--map renames columns of --contacts; there is no contacts file in cohort mode")
    if o.cohort is not None and o.cohort > MAX_COHORT:
        raise UsageError(
            f"--cohort {o.cohort:,}: a cohort has at most {MAX_COHORT:,} contacts "
            "(its intervals hardly narrow past a few hundred thousand)"
        )
    if o.contact is not None and (o.trace is not None or o.output_format != "text"):
        raise UsageError(
            "--contact prints one contact's timeline; --trace and --format json or html are for whole runs "
            "(--trace writes every contact's records, which you can filter)"
        )
    if o.charts is not None and o.contact is not None:
        raise UsageError("--charts draws a whole run's report; --contact prints one contact's timeline")
    if (o.charts is not None or o.output_format == "html") and o.readout is None:
        raise UsageError("--format html and --charts need the readout (run them through the nurturedsl command)")
    if o.trace == "-":
        raise UsageError("--trace -: the trace needs a file; stdout is the report's (-o -)")
    from .executors import ExecutorError
    from .executors import plan as plan_for

    try:  # before anything is read: a cluster that cannot be used is said at once
        plan = plan_for(o.executor, o.workers, o.scheduler, o.buckets)
    except ExecutorError as error:
        raise UsageError(str(error)) from None
    outputs = _outputs(o.output, o.trace)
    given = [
        ("the playbook", o.playbook),
        ("the contacts file", o.contacts),
        ("the events file", o.events),
        ("the response model", o.responses),
    ] + [("a --map file", path) for path in _map_files(o.mapping)]
    if _prepared(o.contacts):  # its files are the inputs: -o DIR/manifest.json would overwrite one
        given += [
            ("a file of the prepared folder", os.path.join(str(o.contacts), name)) for name in os.listdir(o.contacts)
        ]
    _check_outputs(outputs, [(what, path) for what, path in given if path is not None])
    for option, path in outputs:
        _writable(option, path)
    try:
        ir, sources = load_ir(o.playbook)
        # an imported playbook is an input too, known once the playbook is read
        _check_outputs(outputs, [("a playbook it imports", path) for path in sources])
        if o.charts is not None:  # every chart file follows from the IR: refused before anything is run or written
            inputs = [(what, path) for what, path in given if path is not None]
            inputs += [("a playbook it imports", path) for path in sources]
            try:
                o.readout.check(o.charts, ir, inputs, outputs)
            except o.readout.ReadoutError as error:
                raise UsageError(str(error)) from None
        try:
            Programme(ir)
        except IRError as error:
            if not o.playbook.endswith(".json"):  # compiled here, so a problem of the playbook: exit 1
                click.echo(f"{o.playbook}: error: {error}", err=True)
                return EXIT_PROBLEMS
            raise UsageError(f"{o.playbook}: {error}") from None
        return _simulate(ir, o, write, sources, plan)
    except RecursionError:
        # Conditions are checked, compiled and evaluated by nested calls (the
        # input files are depth-checked where they are read): a condition
        # some hundreds of levels deep is more than Python's stack.
        raise UsageError(f"{o.playbook}: a condition is nested too deeply to run") from None


def _simulate(ir: dict, o: Options, write, sources: list[str] = (), plan=None) -> int:
    inputs = {"playbook": o.playbook}
    notes: list[str] = []
    undated: list[str] = []  # contacts flagged unsubscribed without a date
    job = Job(ir=ir, start=0.0, until=0.0, seed=o.seed, trace=o.trace is not None)
    job.attribution = parse_attribution(o.attribution)
    if o.cohort is not None:
        from .cohort import CohortError, load_responses

        try:
            job.model = load_responses(o.responses, ir)
        except CohortError as error:
            raise UsageError(str(error)) from None
        job.cohort, job.responses, job.runs = o.cohort, o.responses, min(o.runs, o.cohort)
        inputs["responses"] = o.responses
        job.start = parse_moment(o.start or DEFAULT_COHORT_START, "--start")
        start_reason = GIVEN if o.start else f"the forecast's default, {DEFAULT_COHORT_START}"
        count = o.cohort
    elif o.sorted_input or _prepared(o.contacts):
        found = _survey(job, o, inputs)
        if found is None:
            return EXIT_USAGE
        _skipped_rows(found.skipped, notes)
        from .inputcheck import contacts_summary, threshold_warnings

        for line in contacts_summary(shown_path(o.contacts), ir, found.read, found.count):
            click.echo(line, err=True)
        notes.extend(threshold_warnings(ir, found.witnesses))
        if o.start:
            job.start = parse_moment(o.start, "--start")
            start_reason = GIVEN
        else:
            job.start, start_reason = start_after(found.last_event, found.last_created)
        count = job.stream.count = found.count
    else:
        from .inputs import InputError, load_contacts, load_events, parse_mapping

        try:
            columns = parse_mapping(list(o.mapping)) if o.mapping else None
            read: dict = {}
            job.contacts, skipped = load_contacts(o.contacts, ir, columns, o.skip_bad_rows, read)
            inputs["contacts"] = o.contacts
            if o.events is not None:
                job.events, skipped_events = load_events(o.events, ir, {c.id for c in job.contacts}, o.skip_bad_rows)
                skipped += skipped_events
                inputs["events"] = o.events
        except InputError as error:
            click.echo(str(error), err=True)
            if error.bad_rows:
                click.echo("nurturedsl: nothing simulated; fix the rows above or pass --skip-bad-rows", err=True)
            return EXIT_USAGE
        _skipped_rows(skipped, notes)
        from .inputcheck import contacts_summary, threshold_warnings

        for line in contacts_summary(shown_path(o.contacts), ir, read, len(job.contacts)):
            click.echo(line, err=True)
        notes.extend(threshold_warnings(ir, job.contacts))
        undated = _unsubscribed_events(job, read.get("unsubscribed") or {})
        if o.start:
            job.start = parse_moment(o.start, "--start")
            start_reason = GIVEN
        else:
            job.start, start_reason = replay_start(job)
        count = len(job.contacts)
    _until(job, o.until, start_reason)
    if o.cohort is None:
        if o.start:
            if job.stream is not None:
                warnings = past_start_lines(o.start, found.window_events, found.window_contacts, found.created_after)
            else:
                warnings = past_start(job, o.start)
            for line in warnings:
                click.echo(f"nurturedsl: warning: {line}", err=True)
                notes.append(line)
        if job.stream is not None:
            job.stream.undated_at = job.start if o.start else job.start - 1  # as _unsubscribed_at_start
        else:
            _unsubscribed_at_start(job, undated, before=not o.start)
    if o.contact is not None:
        text = contact_timeline(job, o.contact)
        return _emit(text, o.output, write)
    trace_temp = None
    if o.trace is not None:
        folder = os.path.dirname(os.path.abspath(o.trace))
        try:
            handle, trace_temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
            try:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(handle, 0o666 & ~umask)  # as open() would have made it, not mkstemp's 0600
            finally:
                os.close(handle)
        except OSError as error:
            raise UsageError(f"cannot write {o.trace}: {error.strerror}") from None
    # --progress: at once; on a terminal: after TERMINAL_DELAY, so a quick run writes nothing
    progress = None if o.progress is False else 0.0 if o.progress else TERMINAL_DELAY if sys.stderr.isatty() else None
    try:
        tallies = simulate(job, count, o.workers, trace_temp, progress, plan)
        if trace_temp is not None and job.decisions:
            _trace_decisions(job, trace_temp)
        if trace_temp is not None:
            os.replace(trace_temp, o.trace)
            trace_temp = None
    except TraceFailed as error:
        raise UsageError(f"cannot write {o.trace}: {error}") from None
    except OSError as error:  # the rename
        raise UsageError(f"cannot write {o.trace}: {error.strerror}") from None
    finally:
        if trace_temp is not None:
            try:
                os.unlink(trace_temp)
            except FileNotFoundError:
                pass
    late = sum(t.late_events for t in tallies.values())
    if late:
        notes.append(f"{late} event{'s' if late != 1 else ''} after --until {iso(job.until)} not simulated.")
    header = header_for(job, "cohort" if o.cohort is not None else "replay", inputs, notes, start_reason)
    # the page and the charts are drawn from the JSON document, so their figures are the JSON's
    document = json.loads(report(job, tallies, header, "json")) if o.readout is not None else None
    drawing_failed = o.readout.ReadoutError if o.readout is not None else ()
    try:
        if o.output_format == "html":
            text = o.readout.page(document, o.playbook)
        else:
            text = report(job, tallies, header, o.output_format, o.playbook)
        if o.charts is not None:
            _write_charts(o, document, list(sources))
    except drawing_failed as error:
        raise UsageError(str(error)) from None
    return _emit(text, o.output, write)


def _skipped_rows(skipped: list, notes: list[str]) -> None:
    """The report's note and the stderr lines for rows --skip-bad-rows skipped."""
    if skipped:
        shown = ", ".join(f"{shown_path(row.path)}:{row.line}" for row in skipped[:20])
        more = f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        notes.append(
            f"Skipped {len(skipped)} bad row{'s' if len(skipped) != 1 else ''} (--skip-bad-rows): {shown}{more}"
        )
        for row in skipped:
            click.echo(f"{row} (skipped)", err=True)


def _survey(job: Job, o: Options, inputs: dict):
    """--sorted: the first pass over the streamed inputs (streams.py); None
    after printing why the inputs cannot be used."""
    from .inputs import InputError, parse_mapping
    from .streams import SortedReplay

    window = None
    if o.start:  # past_start's counts need the period before the first pass; a bad option fails later, as ever
        try:
            start = parse_moment(o.start, "--start")
            window = (start, parse_moment(o.until, "--until") if o.until else start + DEFAULT_SPAN_DAYS * 86400)
        except UsageError:
            window = None
    try:
        columns = parse_mapping(list(o.mapping)) if o.mapping else None
        job.stream = SortedReplay(job.ir, o.contacts, o.events, columns)
        if _prepared(o.contacts):
            from .prepare import PrepareError, parts

            try:
                job.stream.parts = parts(o.contacts)
            except PrepareError as error:
                raise UsageError(str(error)) from None
        found = job.stream.survey(o.skip_bad_rows, window)
    except InputError as error:
        click.echo(str(error), err=True)
        if error.bad_rows:
            click.echo("nurturedsl: nothing simulated; fix the rows above or pass --skip-bad-rows", err=True)
        return None
    inputs["contacts"] = o.contacts
    if o.events is not None:
        inputs["events"] = o.events
    return found


def _prepared(path: str | None) -> bool:
    """A folder `nurturedsl prepare` wrote (prepare.py)."""
    if path is None or not os.path.isdir(path):
        return False
    from .prepare import is_prepared

    return is_prepared(path)


def _write_charts(o: Options, document: dict | None, sources: list[str]) -> None:
    """--charts DIR, before the report is printed: a failure is exit 2 with
    nothing half-done on stdout."""
    given = [o.playbook, o.contacts, o.events, o.responses, o.output, o.trace, *_map_files(o.mapping), *sources]
    o.readout.write(o.charts, document, [path for path in given if path not in (None, "-")])


def replay_start(job: Job) -> tuple[float, str]:
    """A replay's default start and why: midnight UTC of the day after the
    latest moment of the inputs (the last event, or the latest `created_at`
    date when that is later), so that everything the inputs hold is history
    and the run is what happens next. From the inputs alone, never from
    today's date: the same inputs give the same report."""
    last_event = max((events[-1].at for events in job.events.values() if events), default=None)
    created = [date_seconds(c.data["created_at"]) for c in job.contacts if isinstance(c.data.get("created_at"), str)]
    last_created = max((day for day in created if day is not None), default=None)
    return start_after(last_event, last_created)


def start_after(last_event: float | None, last_created: float | None) -> tuple[float, str]:
    """replay_start from the latest event and the latest created_at date."""
    if last_event is None and last_created is None:
        raise UsageError(
            "nothing to start from: no events and no created_at dates; give --start DATE "
            "(a replay starts the day after the last event or created_at date)"
        )
    if last_event is None or (last_created is not None and last_created > last_event):
        latest, what = last_created, "the latest created_at date"
    else:
        latest, what = last_event, "the last event"
    day = latest - latest % 86400
    start = day + 86400
    problem = time_problem(start)
    if problem:
        raise UsageError(f"the replay would start at {iso(start)}, the day after {what}, which {problem}; give --start")
    return start, f"the day after {what}, {iso(day)[:10]}: the inputs before it are history"


def _until(job: Job, until: str | None, start_reason: str) -> None:
    if until:
        job.until = parse_moment(until, "--until")
    else:
        job.until = job.start + DEFAULT_SPAN_DAYS * 86400
        problem = time_problem(job.until)
        if problem:
            raise UsageError(
                f"the simulation would run until {iso(job.until)}, {DEFAULT_SPAN_DAYS} days after the "
                f"start, which {problem}; give --until"
            )
    if job.until <= job.start:
        why = "" if start_reason == GIVEN else f" ({start_reason}; give --start for an earlier one)"
        raise UsageError(f"--until {iso(job.until)} is not after the start, {iso(job.start)}{why}")


def past_start(job: Job, given: str) -> list[str]:
    """Warnings for a replay given --start before some of its inputs:
    events from the start to --until are replayed as simulated time (as
    they happened, not as history), and a contact created after the start
    is looked at from its created_at date on."""
    replayed = [sum(1 for e in events if job.start <= e.at <= job.until) for events in job.events.values()]
    created = [date_seconds(c.data["created_at"]) for c in job.contacts if isinstance(c.data.get("created_at"), str)]
    late = sum(1 for day in created if day is not None and day > job.start)
    return past_start_lines(given, sum(replayed), sum(1 for n in replayed if n), late)


def past_start_lines(given: str, events: int, contacts: int, late: int) -> list[str]:
    """past_start's warnings from its counts: the events from the start to
    --until, the contacts they are of, the contacts created after the start."""
    found = []
    if events:
        found.append(
            f"{events:,} {'event' if events == 1 else 'events'} of {contacts:,} "
            f"{'contact' if contacts == 1 else 'contacts'} {'is' if events == 1 else 'are'} after --start {given}: "
            "they are replayed as simulated time, as they happened; "
            "without --start the run starts after the last event"
        )
    if late:
        found.append(
            f"{late:,} {'contact was' if late == 1 else 'contacts were'} created after --start {given} "
            "(created_at): each is looked at from its created_at date on"
        )
    return found


def _unsubscribed_events(job: Job, flags: dict) -> list[str]:
    """Add an `unsubscribed` event for each contact whose unsubscribed flag
    (`event.unsubscribed`) is set, at midnight UTC of its
    `event.unsubscribed_at` date; returns the contacts without a date."""
    from datetime import date

    from .contact import Event

    undated = []
    for contact_id, day in flags.items():
        if day is None:
            undated.append(contact_id)
            continue
        at = float((date.fromisoformat(day) - date(1970, 1, 1)).days * 86400)
        _add_event(job, contact_id, Event(at, "unsubscribed", None))
    return undated


def _unsubscribed_at_start(job: Job, undated: list[str], before: bool) -> None:
    """The flagged contacts without a date unsubscribe at the replay's
    start, given with --start; or, `before` (the default start, after the
    inputs), a second before it: the export says they are unsubscribed when
    it ends, so that is history too, and none of the run's unsubscribes."""
    from .contact import Event

    at = job.start - 1 if before else job.start
    for contact_id in undated:
        _add_event(job, contact_id, Event(at, "unsubscribed", None))


def _add_event(job: Job, contact_id: str, event) -> None:
    events = job.events.setdefault(contact_id, [])
    events.append(event)
    events.sort(key=lambda e: e.at)


def _writable(option: str, path: str) -> None:
    """Refuse an output nobody could write before spending a minute on the run."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path}: the folder {folder} is not writable")
    if os.path.isdir(path):
        raise UsageError(f"{option} {path}: is a folder")


def _emit(text: str, output: str | None, write) -> int:
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        write(output, text)
    return EXIT_OK
