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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .command import Job
    from .contact import Contact, Event


@dataclass(frozen=True)
class Bucket:
    """Contacts [first, last) of the source; `order` is the bucket's place
    in the merge."""

    order: int
    first: int
    last: int


def slices(count: int, shares: int) -> list[Bucket]:
    """`count` indexed contacts in `shares` contiguous buckets of nearly
    equal size (none empty unless there are no contacts)."""
    shares = max(1, min(shares, count or 1))
    bounds = [count * share // shares for share in range(shares + 1)]
    return [Bucket(order, bounds[order], bounds[order + 1]) for order in range(shares)]


def contacts_in(job: Job, bucket: Bucket) -> Iterator[tuple[int, Contact, list[Event]]]:
    """The bucket's contacts in order, each as (run, contact, its events by
    time). `run` is the cohort's run (0 for a replay)."""
    if job.cohort is not None:
        model, seed, start, runs, cohort = job.model, job.seed, job.start, job.runs, job.cohort
        for index in range(bucket.first, bucket.last):
            contact, events = model.contact(index, seed, start)
            yield index * runs // cohort, contact, events
        return
    if job.stream is not None:  # a contact range of the sorted files, read from their start (streams.py)
        for contact, events in job.stream.contacts(bucket.first, bucket.last):
            yield 0, contact, events
        return
    contacts, events_of = job.contacts, job.events
    for index in range(bucket.first, bucket.last):
        contact = contacts[index]
        yield 0, contact, events_of.get(contact.id, [])
