"""Replaying contact-sorted inputs as streams: one contact in memory at a time.

`nurturedsl simulate --sorted` reads the contacts file and the events file
forward, merge-joined by contact id, instead of loading both whole
(inputs.py). Rows are parsed and checked by inputs.py's readers, so a row
is good or bad, and worded, exactly as when the file is read whole; the
report and the trace are byte-identical to the in-memory replay's.

The contract: both files are sorted by contact id in byte order (what
`LC_ALL=C sort` and DuckDB's ORDER BY give; Python's str order is the same
order of code points). Contacts ids increase; an events file's rows for one
contact are together, in any time order (they are sorted by time per
contact, as the whole-file reader does). The first row out of order stops
the command with exit 2:

    events.csv:7: contact `c10` after `c9`: --sorted needs the file sorted by contact id ...

The report's whole-input figures (where the replay starts, the warnings of
--start, the contacts summary, the thresholds no contact can reach by fit)
come from a first pass over the files that keeps counters and maxima only.
That pass also finds every bad row, before anything is simulated, as the
whole-file reading does: the contacts file first, alone; then the events
file, joined with the contacts again (an event for a contact the contacts
file lacks is a bad row, so the join is needed). Each simulation pass then
reads both again. Memory is one contact's history, the bad rows listed,
and the files' buffers.

Not given by a stream: a did-you-mean for an unknown contact id in an
events row (it would need every id in memory).

A file may be CSV, JSON Lines or Parquet (columnar.py, batch by batch). A
folder `nurturedsl prepare` wrote is a list of such sorted pairs, one per
bucket, read in turn (`SortedReplay.parts`); ids are sorted within a bucket.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .contact import Contact, Event
from .inputs import (
    UTF16_MARKS,
    BadRow,
    InputError,
    Records,
    _Contacts,
    _contacts_csv,
    _contacts_jsonl,
    _Events,
    _events_csv,
    _events_jsonl,
    _format,
    _rows,
    unreadable,
    utf16_message,
)

__all__ = ["SortedReplay", "Survey", "SORT_HINT"]

SORT_HINT = (
    "--sorted needs the file sorted by contact id (byte order: `LC_ALL=C sort`); "
    "sort it, or leave out --sorted to read the files whole"
)
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")
_NOT_FLAGGED = object()  # a contact without the unsubscribed flag
_HEAD_BYTES = 1 << 16  # what is looked at to tell JSON Lines from CSV


class _SortedContacts(_Contacts):
    """A contacts file read as a sorted stream: the order is checked instead
    of every id remembered, so a duplicate can only be the row before."""

    def __init__(self, path: str, ir: dict[str, Any], mapping: dict[str, str] | None):
        super().__init__(path, ir, mapping)
        self.last_id: str | None = None  # of the last row with an id, good or bad
        self.good_id: str | None = None  # of the last good contact
        self.good_line = 0

    def first_seen(self, contact_id: str, line: int) -> int | None:
        if self.last_id is not None and contact_id < self.last_id:
            raise InputError(
                f"{self.path}:{line}: contact `{_cut(contact_id)}` after `{_cut(self.last_id)}`: {SORT_HINT}"
            )
        self.last_id = contact_id
        return self.good_line if contact_id == self.good_id else None

    def remember(self, contact_id: str, line: int) -> None:
        self.good_id, self.good_line = contact_id, line


def _cut(text: str) -> str:
    from .inputs import printable

    return printable(text if len(text) <= 60 else text[:57] + "...")


def _open(path: str, what: str, empty_ok: bool = False) -> tuple[str, Iterator[str] | Records]:
    """The format of `path` (inputs._format) and its lines, decoded one by
    one so that memory does not grow with the file. The same refusals as
    reading it whole, except its size: a stream has no limit."""
    from ..files import UnreadableInput, check_input

    if path.lower().endswith(".parquet"):  # read row group by row group, by the JSON Lines rules
        from .columnar import parquet_rows

        return "jsonl", Records(parquet_rows(path, what), empty_ok)
    try:
        check_input(path, 1 << 62, what)  # a regular file: never open() a FIFO or read a device
        handle = io.BufferedReader(io.FileIO(path, "rb"), buffer_size=1 << 20)
    except UnreadableInput as error:
        raise unreadable(path, error) from None
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    head = handle.peek(_HEAD_BYTES)[:_HEAD_BYTES]
    if head.startswith(UTF16_MARKS):
        handle.close()
        raise InputError(utf16_message(path))
    try:
        kind = _format(path, head.decode("utf-8-sig", "ignore"))
    except InputError:
        handle.close()
        raise
    return kind, _lines(path, handle, split_cr=kind != "jsonl")


def _lines(path: str, handle: io.BufferedReader[io.FileIO], split_cr: bool) -> Iterator[str]:
    """Lines as the whole-file reader splits them: at `\\n` for JSON Lines;
    for CSV also at a lone `\\r` (io.StringIO(newline=""))."""
    with handle:
        number = 0
        for raw in handle:
            number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{path}:{number}: not UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
                ) from None
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            if split_cr and "\r" in text and text.find("\r") != len(text) - 2:
                for piece in _LONE_CR.split(text):
                    if piece:
                        yield piece
                continue
            yield text


@dataclass
class Survey:
    """What the first pass found: the whole-input figures, in constant memory."""

    count: int = 0  # good contacts
    last_event: float | None = None  # latest event, the dated unsubscribes included
    last_created: float | None = None  # latest created_at date
    witnesses: list[Contact] = field(default_factory=list)  # for threshold_warnings: a contact per fit attribute found
    read: dict[str, Any] = field(default_factory=dict)  # for contacts_summary
    skipped: list[BadRow] = field(default_factory=list)  # BadRows, contacts' then events'
    undated: int = 0  # contacts flagged unsubscribed without a date
    # with --start (`window` given): past_start's counts
    window_events: int = 0
    window_contacts: int = 0
    created_after: int = 0


@dataclass
class SortedReplay:
    """The sorted contacts (and events) files of a replay, or the buckets of
    a prepared folder (prepare.py), each a sorted pair; picklable, so a
    worker process reads the files itself."""

    ir: dict[str, Any]
    contacts_path: str
    events_path: str | None
    mapping: Any = None
    count: int = 0  # good contacts, found by the survey
    undated_at: float | None = None  # when a flagged contact without a date unsubscribes (command.py)
    parts: list[tuple[str, str | None]] | None = None  # a prepared folder's buckets, in order
    part_counts: list[int] = field(default_factory=list)  # good contacts per part, found by the survey

    def _parts(self) -> list[tuple[str, str | None]]:
        return self.parts if self.parts is not None else [(self.contacts_path, self.events_path)]

    def joined(
        self, contacts: _Contacts, events: _Events | None, part: tuple[str, str | None] | None = None
    ) -> Iterator[tuple[Contact, list[Event], bool]]:
        """(contact, its events by time with the dated unsubscribe, whether
        it is flagged unsubscribed without a date) per good contact of a
        pair of files, in file order; bad rows go to the states' `bad` lists."""
        from datetime import date
        from operator import attrgetter

        contacts_path, events_path = part or (self.contacts_path, self.events_path)
        empty_ok = self.parts is not None  # a bucket may hold no contacts
        at = attrgetter("at")
        epoch = date(1970, 1, 1)
        kind, lines = _open(contacts_path, "contacts file", empty_ok)
        reader = _rows(kind, lines, contacts, _contacts_jsonl, _contacts_csv)
        flags = contacts.unsubscribed

        def complete(contact: Contact, found: list[Event]) -> tuple[Contact, list[Event], bool]:
            found.sort(key=at)
            day: Any = flags.pop(contact.id, _NOT_FLAGGED)
            if day is None:
                return contact, found, True
            if day is not _NOT_FLAGGED:
                found.append(Event(float((date.fromisoformat(day) - epoch).days * 86400), "unsubscribed", None))
                found.sort(key=at)
            return contact, found, False

        current = next(reader, None)
        if events is not None and events_path is not None:
            ekind, elines = _open(events_path, "file of events", True)
            grouped = events.grouped
            events.hint_ids = False  # a did-you-mean would need every id
            nobody: frozenset[str] = frozenset()
            events.contact_ids = nobody
            last_key: str | None = None
            for row in _rows(ekind, elines, events, _events_jsonl, _events_csv):
                raw = row[1]
                if type(raw) is int:
                    raw = str(raw)
                key = raw.strip() if isinstance(raw, str) else ""
                if key and key != last_key:
                    if last_key is not None and key < last_key:
                        raise InputError(
                            f"{events_path}:{row[0]}: contact `{_cut(key)}` after `{_cut(last_key)}`: {SORT_HINT}"
                        )
                    last_key = key
                    while current is not None and current.id < key:
                        yield complete(current, grouped.pop(current.id, []))
                        current = next(reader, None)
                    events.contact_ids = frozenset((key,)) if current is not None and current.id == key else nobody
                events.add(*row)
        while current is not None:
            yield complete(current, events.grouped.pop(current.id, []) if events is not None else [])
            current = next(reader, None)

    def survey(self, skip_bad_rows: bool, window: tuple[float, float] | None) -> Survey:
        """The first pass (see the module docstring). Raises InputError as
        reading the files whole would: bad rows, unless skipped, all of a
        file at once, the contacts' before any event is read."""
        from ..gcpause import gc_paused
        from .inputcheck import _fit_attributes, _has
        from .logic import date_seconds

        found = Survey()
        wanted = sorted(
            {
                name
                for definition in (self.ir.get("scores") or {}).values()
                if definition.get("thresholds")
                for rule in definition.get("fit") or ()
                for name in _fit_attributes(rule.get("condition"))
            }
        )
        parts = self._parts()
        alone = all(events_path is None for _, events_path in parts)  # the event figures come from this pass
        columns: dict[str, str] = {}
        failed: dict[str, list[int]] = {}
        with gc_paused():  # contacts and events hold no cycles; see gcpause
            bad = []
            for part in parts:
                contacts = _SortedContacts(part[0], self.ir, self.mapping)
                counted = found.count
                for contact, events, undated in self.joined(contacts, None, part):
                    found.count += 1
                    created = contact.data.get("created_at")
                    if isinstance(created, str):
                        day = date_seconds(created)
                        if day is not None:
                            if found.last_created is None or day > found.last_created:
                                found.last_created = day
                            if window is not None and day > window[0]:
                                found.created_after += 1
                    if wanted:  # one contact per attribute some contact has is all threshold_warnings needs
                        has = [name for name in wanted if _has(contact.data, name)]
                        if has:
                            found.witnesses.append(contact)
                            wanted = [name for name in wanted if name not in has]
                    if alone:
                        found.undated += undated
                        _note_events(found, events, window)
                self.part_counts.append(found.count - counted)
                bad.extend(contacts.bad)
                columns.update(contacts.read_columns)
                for label, (rows, first) in contacts.failed.items():
                    seen = failed.setdefault(label, [0, first])
                    seen[0] += rows
            if bad and not skip_bad_rows:
                _raise_bad_rows(bad)
            found.skipped.extend(bad)
            found.read = {"columns": columns, "failed": failed}
            if not alone:
                bad = []
                for part in parts:
                    again = _SortedContacts(part[0], self.ir, self.mapping)
                    events_state = _Events(str(part[1]), self.ir, frozenset())
                    for _contact, events, undated in self.joined(again, events_state, part):
                        found.undated += undated
                        _note_events(found, events, window)
                    bad.extend(events_state.bad)
                if bad and not skip_bad_rows:
                    _raise_bad_rows(bad)
                found.skipped.extend(bad)
        return found

    def contacts(self, first: int = 0, last: int | None = None) -> Iterator[tuple[Contact, list[Event]]]:
        """The good contacts [first, last) with their events, as the run
        sees them: a flagged contact without a date unsubscribes at
        `undated_at`. The rows were checked by `survey`: bad ones are passed
        over. A part wholly before `first` is not read."""
        from operator import attrgetter

        at = attrgetter("at")
        index = 0
        for number, part in enumerate(self._parts()):
            if last is not None and index >= last:
                return
            size = self.part_counts[number] if number < len(self.part_counts) else None
            if size is not None and index + size <= first:
                index += size
                continue
            contacts = _SortedContacts(part[0], self.ir, self.mapping)
            events = _Events(part[1], self.ir, frozenset()) if part[1] is not None else None
            for contact, found, undated in self.joined(contacts, events, part):
                index += 1
                if last is not None and index > last:
                    return
                if index <= first:
                    continue
                if undated and self.undated_at is not None:
                    found.append(Event(self.undated_at, "unsubscribed", None))
                    found.sort(key=at)
                contacts.bad.clear()  # reported by the survey
                if events is not None:
                    events.bad.clear()
                yield contact, found


def _raise_bad_rows(bad: list[BadRow]) -> None:
    """inputs._raise_bad_rows for the bad rows of one file or of a prepared folder's parts."""
    from .inputs import _raise_bad_rows as raise_them

    raise_them(bad[0].path if len({row.path for row in bad}) == 1 else "the prepared folder", bad)


def _note_events(found: Survey, events: list[Event], window: tuple[float, float] | None) -> None:
    if not events:
        return
    last = events[-1].at
    if found.last_event is None or last > found.last_event:
        found.last_event = last
    if window is not None:
        start, until = window
        inside = sum(1 for e in events if start <= e.at <= until)
        if inside:
            found.window_events += inside
            found.window_contacts += 1
