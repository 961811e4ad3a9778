"""`nurturedsl simulate`: read the inputs, run every contact, write the report.

Contacts are independent, so `--workers N` cuts them into N contiguous
slices, runs each in its own process and adds the tallies up in slice order;
with whole-number tallies and traces concatenated in contact order, the
output is byte-identical to one worker's.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Optional

import click

from .engine import IRError, Programme, Runner, iso
from .report import Tally, as_json, as_text, figures, flatten, intervals, layout, timeline

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
DEFAULT_COHORT_START = "2026-01-01"
DEFAULT_SPAN_DAYS = 365


class UsageError(Exception):
    """A problem with the command line or an input file: exit 2."""


@dataclass
class Job:
    """Everything a worker needs, picklable."""

    ir: dict
    start: float
    until: float
    seed: int
    trace: bool
    cohort: Optional[int] = None  # number of synthetic contacts
    runs: int = 1
    responses: Optional[str] = None
    contacts: list = field(default_factory=list)  # replay: Contact objects
    events: dict = field(default_factory=dict)


def parse_moment(text: str, option: str) -> float:
    """A DATE (midnight UTC) or an ISO 8601 date and time with a zone."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {text}: expected a date (2026-01-05) or a date and time with a zone "
                         "(2026-01-05T09:00:00Z)") from None
    if moment.tzinfo is None:
        raise UsageError(f"{option} {text}: a time needs a zone: add Z for UTC or an offset such as +01:00")
    return moment.timestamp()


def load_ir(path: str) -> tuple[dict, list[str]]:
    """The IR of a `.nurture` playbook (compiled here) or of a compiled
    `.json` document; and the files it came from."""
    if path.endswith(".json"):
        try:
            with open(path, encoding="utf-8") as handle:
                ir = json.load(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
        if not isinstance(ir, dict) or ir.get("format") != "nurturedsl-ir":
            raise UsageError(f"{path}: not a nurturedsl IR document (its `format` is not \"nurturedsl-ir\")")
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
        raise SystemExit(EXIT_USAGE if unreadable else EXIT_PROBLEMS)
    # Through JSON text, so the simulator sees exactly what another runner would.
    return json.loads(dumps(compile_programme(programme))), list(programme.sources)


def _runner(job: Job, trace: bool):
    programme = Programme(job.ir)
    if job.cohort is None:
        return Runner(programme, job.start, job.until, trace=trace), None
    from .cohort import contact_rng, load_responses

    model = load_responses(job.responses, job.ir)
    seed = job.seed
    return Runner(programme, job.start, job.until, responder=model.respond, trace=trace,
                  rng_for=lambda contact_id: contact_rng(seed, contact_id)), model


def run_slice(job: Job, first: int, last: int, trace_path: Optional[str], progress=None) -> dict[int, Tally]:
    """Simulate contacts [first, last); tallies by run; trace lines to
    `trace_path` as each contact finishes."""
    runner, model = _runner(job, trace_path is not None)
    tallies: dict[int, Tally] = {}
    out = open(trace_path, "w", encoding="utf-8") if trace_path else None
    try:
        for index in range(first, last):
            if model is not None:
                contact, events = model.contact(index, job.seed, job.start)
                run = index * job.runs // job.cohort
            else:
                contact = job.contacts[index]
                events = job.events.get(contact.id, [])
                run = 0
            tally = tallies.get(run)
            if tally is None:
                tally = tallies[run] = Tally()
            runner.run(contact, events, tally)
            if out is not None:
                for record in runner.trace_records:
                    out.write(json.dumps(record, sort_keys=True, ensure_ascii=False))
                    out.write("\n")
                runner.trace_records.clear()
            if progress is not None:
                progress(1)
    finally:
        if out is not None:
            out.close()
    return tallies


def _slice_worker(args):
    job, first, last, trace_path = args
    return run_slice(job, first, last, trace_path)


def simulate(job: Job, count: int, workers: int, trace_path: Optional[str], show_progress: bool) -> dict[int, Tally]:
    """All contacts, on `workers` processes; tallies by run."""
    workers = max(1, min(workers, count or 1))
    if workers == 1:
        if show_progress:
            with click.progressbar(length=count, label="simulating", file=sys.stderr) as bar:
                return run_slice(job, 0, count, trace_path, progress=bar.update)
        return run_slice(job, 0, count, trace_path)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    bounds = [count * w // workers for w in range(workers + 1)]
    folder = os.path.dirname(os.path.abspath(trace_path)) if trace_path else None
    parts = [tempfile.mkstemp(prefix=".trace-", suffix=".jsonl", dir=folder)[1] if trace_path else None
             for _ in range(workers)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_slice_worker, (job, bounds[w], bounds[w + 1], parts[w])) for w in range(workers)]
            results = [future.result() for future in futures]
        if trace_path:
            with open(trace_path, "w", encoding="utf-8") as out:
                for part in parts:
                    with open(part, encoding="utf-8") as handle:
                        for line in handle:
                            out.write(line)
    finally:
        for part in parts:
            if part and os.path.exists(part):
                os.unlink(part)
    merged: dict[int, Tally] = {}
    for tallies in results:
        for run, tally in sorted(tallies.items()):
            if run in merged:
                merged[run].add(tally)
            else:
                merged[run] = tally
    return merged


def report(job: Job, tallies: dict[int, Tally], header: dict, output_format: str) -> str:
    total = Tally()
    for run in sorted(tallies):
        total.add(tallies[run])
    shape = layout(job.ir)
    body = figures(total, shape)
    ranges = None
    if job.cohort is not None and job.runs > 1:
        ranges = intervals([(tallies[r].contacts, flatten(figures(tallies[r], shape))) for r in sorted(tallies)],
                           total.contacts)
    if output_format == "json":
        return as_json(header, body, ranges)
    return as_text(header, body, ranges)


def contact_timeline(job: Job, contact_id: str) -> str:
    """One contact's journey, simulated alone (contacts are independent)."""
    runner, model = _runner(job, True)
    if model is not None:
        from .cohort import contact_id as cohort_id

        number = contact_id.rpartition("-")[2]
        index = int(number) - 1 if number.isdigit() else -1
        if not 0 <= index < job.cohort or cohort_id(index) != contact_id:
            raise UsageError(f"--contact {contact_id}: no such contact in a cohort of {job.cohort} "
                             f"(ids run from {cohort_id(0)} to {cohort_id(job.cohort - 1)})")
        contact, events = model.contact(index, job.seed, job.start)
    else:
        found = [c for c in job.contacts if c.id == contact_id]
        if not found:
            from ..diagnostics import did_you_mean

            ids = [c.id for c in job.contacts]
            hint = did_you_mean(contact_id, ids[:10000])
            raise UsageError(f"--contact {contact_id}: no contact with that id" + (f"; {hint[0]}" if hint else ""))
        contact = found[0]
        events = job.events.get(contact.id, [])
    data = {"id": contact.id, "name": contact.data.get("name")}
    runner.run(contact, events, Tally())
    return timeline(runner.trace_records, data, contact.timezone or runner.p.policy.timezone)


def header_for(job: Job, mode: str, sources: dict, notes: list[str]) -> dict:
    header = {
        "mode": mode,
        "playbook": job.ir.get("playbook", {}).get("name", "playbook"),
        "inputs": sources,
        "start": iso(job.start),
        "until": iso(job.until),
        "seed": job.seed,
        "notes": notes,
    }
    if mode == "cohort":
        header["runs"] = job.runs
    return header


def run_simulate(playbook: str, contacts: Optional[str], events: Optional[str], mapping: tuple[str, ...],
                 skip_bad_rows: bool, cohort: Optional[int], responses: Optional[str], runs: int, seed: int,
                 start: Optional[str], until: Optional[str], output_format: str, trace: Optional[str],
                 contact: Optional[str], workers: int, output: Optional[str], progress: Optional[bool], write) -> int:
    try:
        return _run(playbook, contacts, events, mapping, skip_bad_rows, cohort, responses, runs, seed, start,
                    until, output_format, trace, contact, workers, output, progress, write)
    except UsageError as error:
        click.echo(f"nurturedsl: error: {error}", err=True)
        return EXIT_USAGE


def _run(playbook, contacts, events, mapping, skip_bad_rows, cohort, responses, runs, seed, start, until,
         output_format, trace, contact, workers, output, progress, write) -> int:
    if (contacts is None) == (cohort is None):
        raise UsageError("give either --contacts FILE (replay) or --cohort N --responses FILE (forecast)")
    if cohort is not None and responses is None:
        raise UsageError("--cohort needs --responses FILE: the response model (docs/simulation.md)")
    if cohort is None and (responses is not None):
        raise UsageError("--responses only goes with --cohort N")
    if events is not None and contacts is None:
        raise UsageError("--events goes with --contacts")
    if mapping and contacts is None:
        raise UsageError("--map renames columns of --contacts; there is no contacts file in cohort mode")
    if contact is not None and (trace is not None or output_format != "text"):
        raise UsageError("--contact prints one contact's timeline; --trace and --format json are for whole runs "
                         "(--trace writes every contact's records, which you can filter)")
    for option, path in (("-o", output), ("--trace", trace)):
        if path not in (None, "-"):
            _writable(option, path)
    ir, sources = load_ir(playbook)
    try:
        Programme(ir)
    except IRError as error:
        raise UsageError(f"{playbook}: {error}") from None
    inputs = {"playbook": playbook}
    notes: list[str] = []
    job = Job(ir=ir, start=0.0, until=0.0, seed=seed, trace=trace is not None)
    if cohort is not None:
        from .cohort import CohortError, load_responses

        try:
            load_responses(responses, ir)
        except CohortError as error:
            raise UsageError(str(error)) from None
        job.cohort, job.responses, job.runs = cohort, responses, min(runs, cohort)
        inputs["responses"] = responses
        job.start = parse_moment(start, "--start") if start else parse_moment(DEFAULT_COHORT_START, "--start")
        count = cohort
    else:
        from .inputs import InputError, load_contacts, load_events, parse_mapping

        try:
            columns = parse_mapping(list(mapping)) if mapping else None
            job.contacts, skipped = load_contacts(contacts, ir, columns, skip_bad_rows)
            inputs["contacts"] = contacts
            if events is not None:
                job.events, skipped_events = load_events(events, ir, {c.id for c in job.contacts}, skip_bad_rows)
                skipped += skipped_events
                inputs["events"] = events
        except InputError as error:
            click.echo(str(error), err=True)
            if error.bad_rows:
                click.echo("nurturedsl: nothing simulated; fix the rows above or pass --skip-bad-rows", err=True)
            return EXIT_USAGE
        if skipped:
            shown = ", ".join(f"{row.path}:{row.line}" for row in skipped[:20])
            more = f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
            notes.append(f"Skipped {len(skipped)} bad row{'s' if len(skipped) != 1 else ''} (--skip-bad-rows): "
                         f"{shown}{more}")
            for row in skipped:
                click.echo(f"{row} (skipped)", err=True)
        if start:
            job.start = parse_moment(start, "--start")
        else:
            first = min((e[0].at for e in job.events.values() if e), default=None)
            if first is None:
                raise UsageError("no events to start from: give --start DATE (the start defaults to the day of "
                                 "the first event)")
            job.start = first - first % 86400  # midnight UTC of the first event's day
        count = len(job.contacts)
    job.until = parse_moment(until, "--until") if until else job.start + DEFAULT_SPAN_DAYS * 86400
    if job.until <= job.start:
        raise UsageError(f"--until {iso(job.until)} is not after the start, {iso(job.start)}")
    if contact is not None:
        text = contact_timeline(job, contact)
        return _emit(text, output, write)
    trace_temp = None
    if trace is not None:
        from ..files import UnsafeOutput, check_output

        try:
            check_output(trace, sources)
        except UnsafeOutput as error:
            raise UsageError(str(error)) from None
        folder = os.path.dirname(os.path.abspath(trace))
        handle, trace_temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
        os.close(handle)
    show = progress if progress is not None else sys.stderr.isatty()
    try:
        tallies = simulate(job, count, workers, trace_temp, show_progress=show and count >= 1000)
        if trace_temp is not None:
            os.replace(trace_temp, trace)
            trace_temp = None
    finally:
        if trace_temp is not None and os.path.exists(trace_temp):
            os.unlink(trace_temp)
    late = sum(t.late_events for t in tallies.values())
    if late:
        notes.append(f"{late} event{'s' if late != 1 else ''} after --until {iso(job.until)} not simulated.")
    header = header_for(job, "cohort" if cohort is not None else "replay", inputs, notes)
    return _emit(report(job, tallies, header, output_format), output, write)


def _writable(option: str, path: str) -> None:
    """Refuse an output nobody could write before spending a minute on the run."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path}: the folder {folder} is not writable")
    if os.path.isdir(path):
        raise UsageError(f"{option} {path}: is a folder")


def _emit(text: str, output: Optional[str], write) -> int:
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        write(output, text)
    return EXIT_OK
