"""Where the contacts of a simulation come from, cut into buckets.

A bucket is the unit of work: one task for a worker process, its tallies
and trace merged in bucket order so that any cut gives the output of one
worker. `contacts_in(job, bucket)` yields the bucket's contacts in order,
one at a time, which is where a streamed source will plug in.

Sources: a cohort (contacts made from their index, cohort.py), a replay
read into memory (`job.contacts`, `job.events`) and a replay of sorted files
streamed (`job.stream`, streams.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .command import Job
    from .contact import Contact, Event


@dataclass(frozen=True)
class Bucket:
    """Contacts [first, last) of the source; `order` is the bucket's place
    in the merge. `only`: just these indices of [first, last), ascending (a
    pass that re-runs the contacts a decision can change, command.py)."""

    order: int
    first: int
    last: int
    only: Sequence[int] | None = None

    def size(self) -> int:
        return self.last - self.first if self.only is None else len(self.only)

    def index(self, position: int) -> int:
        """The source index of the bucket's `position`-th contact."""
        return self.first + position if self.only is None else self.only[position]


def slices(count: int, shares: int) -> list[Bucket]:
    """`count` indexed contacts in `shares` contiguous buckets of nearly
    equal size (none empty unless there are no contacts)."""
    shares = max(1, min(shares, count or 1))
    bounds = [count * share // shares for share in range(shares + 1)]
    return [Bucket(order, bounds[order], bounds[order + 1]) for order in range(shares)]


def picks(indices: Sequence[int], shares: int) -> list[Bucket]:
    """Some of the contacts, by ascending index, in `shares` buckets of
    nearly equal size."""
    shares = max(1, min(shares, len(indices) or 1))
    bounds = [len(indices) * share // shares for share in range(shares + 1)]
    buckets = []
    for order in range(shares):
        chosen = indices[bounds[order] : bounds[order + 1]]
        first = chosen[0] if chosen else 0
        buckets.append(Bucket(order, first, chosen[-1] + 1 if chosen else 0, chosen))
    return buckets


def contacts_in(job: Job, bucket: Bucket) -> Iterator[tuple[int, Contact, list[Event]]]:
    """The bucket's contacts in order, each as (run, contact, its events by
    time). `run` is the cohort's run (0 for a replay)."""
    indices = range(bucket.first, bucket.last) if bucket.only is None else bucket.only
    if job.cohort is not None:
        model, seed, start, runs, cohort = job.model, job.seed, job.start, job.runs, job.cohort
        for index in indices:
            contact, events = model.contact(index, seed, start)
            yield index * runs // cohort, contact, events
        return
    if job.stream is not None:  # a contact range of the sorted files, read from their start (streams.py)
        found = job.stream.contacts(bucket.first, bucket.last)
        if bucket.only is None:
            for contact, events in found:
                yield 0, contact, events
            return
        # the sorted files hold no index: read the range, keep the chosen
        wanted = iter(bucket.only)
        want = next(wanted, None)
        for index, (contact, events) in enumerate(found, bucket.first):
            if want is None:
                return
            if index == want:
                yield 0, contact, events
                want = next(wanted, None)
        return
    contacts, events_of = job.contacts, job.events
    for index in indices:
        contact = contacts[index]
        yield 0, contact, events_of.get(contact.id, [])
