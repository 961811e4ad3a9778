"""Where the buckets of a simulation run: `--executor local|dask|ray`.

Contacts are independent, so a pass over them is cut into buckets
(sources.py), each bucket is a task, and the tasks' tallies are added up in
bucket order and their traces joined in bucket order: whichever executor ran
them, on however many workers and in whatever order they finished, the
report and the trace are byte-identical to `--workers 1`.

- local: `--workers N` processes of this machine (a process pool; one
  worker runs in this process). One bucket per worker unless `--buckets`.
- dask: a Dask cluster: the scheduler at `--scheduler` (default
  `DASK_SCHEDULER_ADDRESS`), or a LocalCluster of `--workers` processes.
- ray: a Ray cluster: `ray.init(address=--scheduler)` (default
  `RAY_ADDRESS`), or a local Ray of `--workers` CPUs.

On a cluster a task returns its tallies and its trace lines, zlib-compressed,
so no filesystem is shared with the workers; the trace is written here, in
bucket order, as the buckets before a finished one are in. Dask and Ray are
optional extras, imported only when chosen.
"""

from __future__ import annotations

import os
import socket
import tempfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .sources import Bucket, picks, slices

if TYPE_CHECKING:
    from .command import Job
    from .progress import Progress
    from .report import Tally

EXECUTORS = ("local", "dask", "ray")
BUCKETS_PER_WORKER = 4  # on a cluster: enough tasks to even out slow workers, few enough to cost nothing
MAX_BUCKETS = 100_000
ADDRESS_VARIABLE = {"dask": "DASK_SCHEDULER_ADDRESS", "ray": "RAY_ADDRESS"}
EXTRA_MODULE = {"dask": "distributed", "ray": "ray"}
CONNECT_TIMEOUT = 3.0  # seconds to reach a scheduler before saying it cannot be reached
DEFAULT_PORT = {"dask": 8786, "ray": 6379, "ray://": 10001}
_CHUNK = 1 << 20


class ExecutorError(Exception):
    """The executor cannot be used as asked (an extra not installed, a
    scheduler that cannot be reached, options that do not go together) or
    the cluster failed: exit 2, with this message."""


@dataclass(frozen=True)
class Plan:
    """How a simulation's buckets are run, as the command line asked."""

    executor: str = "local"
    workers: int = 1  # local: processes; dask and ray without a scheduler: the local cluster's workers
    scheduler: str | None = None  # dask and ray: the cluster to use; None starts a local one
    buckets: int | None = None  # None: one per local worker, BUCKETS_PER_WORKER per cluster worker
    scheduler_from: str = "--scheduler"  # where `scheduler` came from, for messages


def plan(executor: str, workers: int, scheduler: str | None, buckets: int | None) -> Plan:
    """Check the executor options before anything is read: the extra is
    installed, the options go together, the scheduler answers."""
    if executor not in EXECUTORS:
        raise ExecutorError(f"--executor {executor}: expected one of {', '.join(EXECUTORS)}")
    if executor == "local":
        if scheduler is not None:
            raise ExecutorError(
                "--scheduler goes with --executor dask or ray; --executor local runs on this machine's processes"
            )
        return Plan("local", workers, None, buckets)
    import importlib.util

    module = EXTRA_MODULE[executor]
    if importlib.util.find_spec(module) is None:
        raise ExecutorError(
            f"--executor {executor} needs {executor.capitalize()}, which is not installed: "
            f"pip install 'nurturedsl[{executor}]'"
        )
    given_by = "--scheduler"
    if scheduler is None:
        scheduler = os.environ.get(ADDRESS_VARIABLE[executor]) or None
        given_by = ADDRESS_VARIABLE[executor]
    if scheduler is not None:
        if workers > 1:
            raise ExecutorError(
                f"--workers {workers} sizes a local cluster, but {given_by} names one ({scheduler}), "
                "whose workers run the buckets; leave out --workers (and use --buckets to cut finer)"
            )
        check_reachable(executor, scheduler, given_by)
    return Plan(executor, workers, scheduler, buckets, given_by)


def check_reachable(executor: str, address: str, given_by: str) -> None:
    """Refuse a scheduler nobody answers at, in a few seconds: Dask and Ray
    themselves retry for a minute or more and then print a traceback."""
    if executor == "ray" and address in ("auto", "local"):
        return  # Ray's own words: the cluster of this machine, or a new one
    host, port = split_address(executor, address, given_by)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as error:
        reason = "no answer" if isinstance(error, TimeoutError) else error.strerror or str(error)
        raise ExecutorError(
            f"{given_by} {address}: cannot reach the {executor.capitalize()} scheduler at {host}:{port} "
            f"({reason}); is the cluster running?"
        ) from None


def split_address(executor: str, address: str, given_by: str) -> tuple[str, int]:
    """(host, port) of `tcp://host:port`, `host:port` or `host` (Dask);
    `ray://host:port`, `host:port` or `host` (Ray)."""
    rest = address
    default = DEFAULT_PORT[executor]
    schemes = ("tcp://", "tls://") if executor == "dask" else ("ray://",)
    for scheme in schemes:
        if rest.startswith(scheme):
            rest = rest[len(scheme) :]
            default = DEFAULT_PORT.get(scheme, default)
            break
    else:
        if "://" in rest:
            known = " or ".join(schemes)
            raise ExecutorError(f"{given_by} {address}: expected HOST:PORT or {known}HOST:PORT")
    host, colon, port_text = rest.rpartition(":")
    if not colon:
        host, port_text = rest, str(default)
    host = host.strip("[]")  # [::1]:8786
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ExecutorError(f"{given_by} {address}: expected HOST:PORT, such as {_example(executor)}")
    return host, int(port_text)


def _example(executor: str) -> str:
    return "tcp://10.0.0.5:8786" if executor == "dask" else "ray://10.0.0.5:10001"


def open_executor(chosen: Plan) -> Executor:
    if chosen.executor == "dask":
        return DaskExecutor(chosen)
    if chosen.executor == "ray":
        return RayExecutor(chosen)
    return LocalExecutor(chosen)


def merge(results: list[dict[int, Tally]], buckets: list[Bucket]) -> dict[int, Tally]:
    """The buckets' tallies added up in bucket order: by run, each run's in
    the order of its buckets, which is the order one worker counts them in.
    `results[k]` is bucket k's: the positions in it of the contacts that
    drew an undecided arm become their indices in the source."""
    merged: dict[int, Tally] = {}
    for tallies, bucket in zip(results, buckets, strict=True):
        for run, tally in sorted(tallies.items()):
            if tally.undecided:
                tally.undecided = array("q", [bucket.index(position) for position in tally.undecided])
            if run in merged:
                merged[run].add(tally)
            else:
                merged[run] = tally
    return merged


class Executor:
    """Runs passes over the contacts; open for the whole simulation, so a
    programme with experiments starts its cluster once for all passes."""

    def __init__(self, chosen: Plan) -> None:
        self.plan = chosen

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    def shares(self) -> int:
        """How many buckets a pass is cut into."""
        raise NotImplementedError

    def buckets(self, count: int, only: Sequence[int] | None = None) -> list[Bucket]:
        """`count` contacts, or just the indices `only` of them, in buckets."""
        return slices(count, self.shares()) if only is None else picks(only, self.shares())

    def run(
        self, job: Job, count: int, trace_path: str | None, bar: Progress | None, only: Sequence[int] | None = None
    ) -> dict[int, Tally]:
        """One pass over `count` contacts, or over the indices `only` of
        them (ascending): tallies by run; the trace, in contact order, to
        `trace_path`."""
        raise NotImplementedError


class LocalExecutor(Executor):
    """`--workers N` processes of this machine; one runs in this process."""

    def shares(self) -> int:
        return self.plan.buckets or self.plan.workers

    def run(
        self, job: Job, count: int, trace_path: str | None, bar: Progress | None, only: Sequence[int] | None = None
    ) -> dict[int, Tally]:
        from .command import run_bucket

        if self.plan.workers == 1:  # in this process: cutting finer would change nothing
            [bucket] = slices(count, 1) if only is None else picks(only, 1)
            found = run_bucket(job, bucket, trace_path, progress=bar.update if bar is not None else None)
            return merge([found], [bucket])
        return _local_pool(job, self.buckets(count, only), self.plan.workers, trace_path, bar)


_done = None  # in a worker process: the shared count of contacts done, for the parent's progress bar
_REPORT_EVERY = 64  # contacts between a worker's reports of progress


def _start_worker(stop: Any, done: Any = None) -> None:
    """Ctrl-C is the parent's to handle: it sets `stop`, and each worker
    ends its slice at its next look instead of dying mid-write. `done`,
    when the parent shows progress, counts the contacts every worker has
    finished."""
    global _done
    import signal

    from . import command

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    command._stop = stop  # run_bucket looks at it every few hundred contacts
    _done = done


def _bucket_worker(args: tuple[Job, Bucket, str | None]) -> dict[int, Tally]:
    from .command import run_bucket

    job, bucket, trace_path = args
    if _done is None:
        return run_bucket(job, bucket, trace_path)
    done = _done
    unreported = 0

    def report(count: int) -> None:
        nonlocal unreported
        unreported += count
        if unreported >= _REPORT_EVERY:
            with done.get_lock():
                done.value += unreported
            unreported = 0

    tallies = run_bucket(job, bucket, trace_path, progress=report)
    with done.get_lock():
        done.value += unreported
    return tallies


def _local_pool(
    job: Job, buckets: list[Bucket], workers: int, trace_path: str | None, bar: Progress | None
) -> dict[int, Tally]:
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    from .command import TraceFailed

    folder = os.path.dirname(os.path.abspath(trace_path)) if trace_path else None
    parts: list[str | None] = []
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    stop = context.Event()
    done = context.Value("q", 0) if bar is not None else None  # contacts done, for the bar
    try:
        for _ in buckets:
            if trace_path:
                handle, part = tempfile.mkstemp(prefix=".trace-", suffix=".jsonl", dir=folder)
                os.close(handle)
                parts.append(part)
            else:
                parts.append(None)
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(buckets)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(stop, done),
        )
        try:
            futures = [pool.submit(_bucket_worker, (job, bucket, parts[bucket.order])) for bucket in buckets]
            waiting = set(futures)
            while waiting:  # a failed worker is seen at once, not after the slices before it
                finished, waiting = wait(waiting, timeout=0.1 if bar is not None else None, return_when=FIRST_EXCEPTION)
                for future in finished:
                    future.result()  # raises a worker's failure now
                if bar is not None and done is not None:
                    bar.show(done.value)
            results = [future.result() for future in futures]
        except BaseException:
            stop.set()  # Ctrl-C, or a worker failed: the others stop at their next look
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        if trace_path:
            # the parts, in slice order, into the caller's temporary file
            with open(trace_path, "wb") as out:
                for path in parts:
                    assert path is not None
                    with open(path, "rb") as source:
                        while chunk := source.read(_CHUNK):
                            out.write(chunk)
    except OSError as error:
        raise TraceFailed(error.strerror or str(error)) from None
    finally:
        for path in parts:
            if path:
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
    return merge(results, buckets)


# -- clusters


def bucket_task(job: Job, bucket: Bucket, trace: bool) -> tuple[str, int, dict[int, Tally], bytes | None]:
    """A bucket on a cluster worker: (nurturedsl's version, the bucket's
    order, its tallies, its trace compressed or None). The trace is written
    to a temporary file of the worker's, removed whatever happens."""
    from .. import __version__
    from .command import run_bucket

    if not trace:
        return __version__, bucket.order, run_bucket(job, bucket, None), None
    handle, path = tempfile.mkstemp(prefix=".nurturedsl-trace-", suffix=".jsonl")
    try:
        if os.path.isdir("/proc/self/fd"):
            # Linux: the file has no name from the start, so a worker killed
            # mid-bucket (the run cancelled, the cluster closed) leaves nothing
            os.unlink(path)
            path = f"/proc/self/fd/{handle}"
        tallies = run_bucket(job, bucket, path)
        packer = zlib.compressobj(1)  # the fastest level: the trace is mostly repeated keys
        packed = []
        os.lseek(handle, 0, os.SEEK_SET)
        while chunk := os.read(handle, _CHUNK):
            packed.append(packer.compress(chunk))
        packed.append(packer.flush())
        return __version__, bucket.order, tallies, b"".join(packed)
    finally:
        os.close(handle)
        if not path.startswith("/proc/"):
            os.unlink(path)


def task_args(job: Job, bucket: Bucket) -> tuple[Job, Bucket]:
    """What one task needs: a replay's bucket takes only its own contacts
    and their events (a worker never holds the whole file); a cohort's job
    is small (the IR and the model) and shared by every task."""
    if job.cohort is not None or not job.contacts:
        return job, bucket
    if bucket.only is not None:
        contacts = [job.contacts[index] for index in bucket.only]
    else:
        contacts = job.contacts[bucket.first : bucket.last]
    events = {c.id: job.events[c.id] for c in contacts if c.id in job.events}
    return replace(job, contacts=contacts, events=events), Bucket(bucket.order, 0, len(contacts))


class ClusterExecutor(Executor):
    """Dask and Ray alike: buckets submitted as tasks, results taken as
    they finish, the trace written in bucket order as soon as it can be."""

    name = ""
    slots = 1  # tasks the cluster runs at once

    def shares(self) -> int:
        return self.plan.buckets or BUCKETS_PER_WORKER * self.slots

    def run(
        self, job: Job, count: int, trace_path: str | None, bar: Progress | None, only: Sequence[int] | None = None
    ) -> dict[int, Tally]:
        from .. import __version__
        from .command import TraceFailed

        buckets = self.buckets(count, only)
        tallies: list[dict[int, Tally] | None] = [None] * len(buckets)
        waiting_parts: dict[int, bytes | None] = {}  # finished out of order: their trace waits its turn
        written = 0  # buckets whose trace is in the file
        done = 0
        handles = self.submit(job, buckets, trace_path is not None)
        try:
            out = open(trace_path, "wb") if trace_path else None
        except OSError as error:
            self.cancel(handles)
            raise TraceFailed(error.strerror or str(error)) from None
        try:
            for version, order, found, packed in self.results(handles):
                if version != __version__:
                    raise ExecutorError(
                        f"a {self.name} worker runs nurturedsl {version} and this is {__version__}: "
                        "install the same version on every worker, so the buckets agree"
                    )
                tallies[order] = found
                waiting_parts[order] = packed
                while written in waiting_parts:
                    part = waiting_parts.pop(written)
                    if out is not None and part:
                        out.write(zlib.decompress(part))
                    written += 1
                done += buckets[order].size()
                if bar is not None:
                    bar.show(done)
            if out is not None:
                out.close()
        except OSError as error:
            self.cancel(handles)
            raise TraceFailed(error.strerror or str(error)) from None
        except BaseException:
            self.cancel(handles)  # Ctrl-C or a failed task: the rest are not run
            raise
        finally:
            if out is not None and not out.closed:
                try:
                    out.close()
                except OSError:
                    pass  # already failing; the caller removes the file
        finished = [(found, bucket) for found, bucket in zip(tallies, buckets) if found is not None]
        return merge([found for found, _ in finished], [bucket for _, bucket in finished])

    def submit(self, job: Job, buckets: list[Bucket], trace: bool) -> list[Any]:
        raise NotImplementedError

    def results(self, handles: list[Any]) -> Iterator[tuple[str, int, dict[int, Tally], bytes | None]]:
        raise NotImplementedError

    def cancel(self, handles: list[Any]) -> None:
        raise NotImplementedError


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Processes started meanwhile inherit SIGINT ignored: Ctrl-C is this
    process's to handle (it closes the cluster), not a traceback from each
    worker of a local cluster, which shares the terminal's process group."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskExecutor(ClusterExecutor):
    """A distributed Client to `--scheduler`, or to a LocalCluster of
    `--workers` single-threaded processes started (and stopped) here."""

    name = "Dask"

    def __init__(self, chosen: Plan) -> None:
        super().__init__(chosen)
        import logging
        import warnings

        from distributed import Client, LocalCluster

        self.cluster = None
        try:
            if chosen.scheduler is None:
                with warnings.catch_warnings(), _workers_ignore_ctrl_c():
                    warnings.simplefilter("ignore")  # "port 8787 is in use": no dashboard is asked for
                    self.cluster = LocalCluster(
                        n_workers=chosen.workers,
                        threads_per_worker=1,  # the engine is pure Python: a process per core
                        processes=True,
                        dashboard_address=None,
                        worker_dashboard_address=None,
                        silence_logs=logging.CRITICAL,  # a worker closed mid-bucket logs its lost heartbeat
                    )
                self.client = Client(self.cluster)
            else:
                self.client = Client(chosen.scheduler, timeout=f"{CONNECT_TIMEOUT * 3}s")
        except (OSError, TimeoutError) as error:
            self.close()
            where = f"{chosen.scheduler_from} {chosen.scheduler}" if chosen.scheduler else "a local Dask cluster"
            raise ExecutorError(f"{where}: cannot start or reach the Dask cluster: {error}") from None
        self.slots = max(1, sum(self.client.nthreads().values()))

    def close(self) -> None:
        client, cluster = getattr(self, "client", None), self.cluster
        self.client = self.cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def submit(self, job: Job, buckets: list[Bucket], trace: bool) -> list[Any]:
        client = self.client
        assert client is not None
        shared = client.scatter(job, broadcast=False) if job.cohort is not None or not job.contacts else None
        if shared is not None:
            inputs = [(shared, bucket) for bucket in buckets]
        else:
            own = [task_args(job, bucket) for bucket in buckets]
            inputs = list(zip(client.scatter([job for job, _ in own]), [bucket for _, bucket in own]))
        # pure=False: a pass after an experiment's decision is new work, not the last pass's result
        handles = [client.submit(bucket_task, shared_job, bucket, trace, pure=False) for shared_job, bucket in inputs]
        return handles

    def results(self, handles: list[Any]) -> Iterator[tuple[str, int, dict[int, Tally], bytes | None]]:
        from distributed import as_completed

        for future in as_completed(handles):
            try:
                result = future.result()
            except Exception as error:
                _cluster_failure("Dask", error)
                raise
            future.release()
            yield result

    def cancel(self, handles: list[Any]) -> None:
        if self.client is not None and handles:
            try:
                self.client.cancel(handles)
            except Exception:
                pass  # a cluster already gone has nothing left to cancel


class RayExecutor(ClusterExecutor):
    """`ray.init(address=--scheduler)`, or a local Ray of `--workers` CPUs
    started (and shut down) here; a Ray this process already started is
    used as it is."""

    name = "Ray"

    def __init__(self, chosen: Plan) -> None:
        super().__init__(chosen)
        import logging

        import ray

        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "logging_level": logging.ERROR,  # not its start-up notes, which would mix into the report's stderr
                "log_to_driver": False,  # workers' output would mix into the report's stderr
            }
            if chosen.scheduler is None:
                options["num_cpus"] = chosen.workers
            else:
                options["address"] = chosen.scheduler
            try:
                ray.init(**options)
            except (ConnectionError, OSError, TimeoutError, RuntimeError) as error:
                where = f"{chosen.scheduler_from} {chosen.scheduler}" if chosen.scheduler else "a local Ray"
                raise ExecutorError(f"{where}: cannot start or reach the Ray cluster: {error}") from None
            self.started = True
        self.slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.task = ray.remote(num_cpus=1, max_retries=0)(bucket_task)

    def close(self) -> None:
        if self.started:
            self.started = False
            self.ray.shutdown()

    def submit(self, job: Job, buckets: list[Bucket], trace: bool) -> list[Any]:
        ray = self.ray
        shared = ray.put(job) if job.cohort is not None or not job.contacts else None
        handles = []
        for bucket in buckets:
            if shared is not None:
                handles.append(self.task.remote(shared, bucket, trace))
            else:
                own, rebased = task_args(job, bucket)
                handles.append(self.task.remote(ray.put(own), rebased, trace))
        return handles

    def results(self, handles: list[Any]) -> Iterator[tuple[str, int, dict[int, Tally], bytes | None]]:
        ray = self.ray
        waiting = list(handles)
        while waiting:
            finished, waiting = ray.wait(waiting, num_returns=1)
            try:
                result = ray.get(finished[0])
            except Exception as error:
                _cluster_failure("Ray", error)
                raise
            yield result

    def cancel(self, handles: list[Any]) -> None:
        for handle in handles:
            try:
                self.ray.cancel(handle, force=True)
            except Exception:
                pass  # finished already, or the cluster is gone


def _cluster_failure(name: str, error: BaseException) -> None:
    """A task's own failure (a trace that cannot be written, a bug) is
    raised as it is; the cluster losing a worker or the connection is
    ExecutorError, exit 2: nothing of nurturedsl's went wrong."""
    from .command import TraceFailed

    if isinstance(error, TraceFailed):
        return
    kind = type(error).__name__
    lost = (
        "KilledWorker",
        "CommClosedError",
        "FutureCancelledError",
        "CancelledError",
        "WorkerCrashedError",
        "NodeDiedError",
        "RaySystemError",
        "ObjectLostError",
        "OwnerDiedError",
        "ActorDiedError",
        "LocalRayletDiedError",
        "TaskCancelledError",
    )
    if kind in lost or isinstance(error, (ConnectionError, TimeoutError)):
        raise ExecutorError(f"the {name} cluster failed ({kind}: {error}); nothing was written") from None
    if isinstance(error, ImportError):
        raise ExecutorError(
            f"a {name} worker cannot run nurturedsl ({error}): install it, the same version, on every worker"
        ) from None
