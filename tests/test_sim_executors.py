"""`simulate --executor dask|ray`: buckets of contacts run on a real local
cluster give the report and trace of `--workers 1`, byte for byte; a cluster
that cannot be used is a clear exit 2 before anything is read.

One Dask LocalCluster and one Ray (`ray.init(num_cpus=2)`) serve the whole
module (started once: each takes seconds)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT, write
from .test_experiment import EXPERIMENT, flow

PROGRAMME = str(PLAYBOOKS / "programme.nurture")
EXAMPLES = ROOT / "examples"
RESPONSES = str(EXAMPLES / "responses.toml")
COHORT = (PROGRAMME, "--cohort", "600", "--responses", RESPONSES, "--runs", "3", "--until", "2026-05-01")
REPLAY = (PROGRAMME, "--contacts", EXAMPLES / "contacts.csv", "--events", EXAMPLES / "events.jsonl")
REPLAY += ("--start", "2026-01-05")  # the examples' history as simulated time: every flow has work


def run(*args, env=None):
    return CliRunner(env=env).invoke(main, ["simulate", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def dask_address():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    yield None
    ray.shutdown()


def on_cluster(request, executor: str) -> list[str]:
    """The options that run on the module's cluster of `executor`."""
    if executor == "dask":
        return ["--executor", "dask", "--scheduler", request.getfixturevalue("dask_address")]
    request.getfixturevalue("ray_cluster")
    return ["--executor", "ray"]  # this process's Ray, started by the fixture, is used as it is


def outputs(tmp_path, name: str, *args) -> tuple[str, bytes]:
    """The JSON report and the trace's bytes of one run."""
    trace = tmp_path / f"{name}.jsonl"
    result = run(*args, "--format", "json", "--trace", trace)
    assert result.exit_code == 0, result.output
    return result.stdout, trace.read_bytes()


@pytest.mark.parametrize("executor", ["dask", "ray"])
def test_a_forecast_on_a_cluster_is_byte_identical_to_one_worker(tmp_path, request, executor):
    report, trace = outputs(tmp_path, "one", *COHORT, "--workers", "1")
    # 7 buckets on 2 workers: they finish out of order, and are merged in order
    assert outputs(tmp_path, executor, *COHORT, *on_cluster(request, executor), "--buckets", "7") == (report, trace)
    assert json.loads(report)["contacts"] == 600 and trace.count(b"\n") > 600


@pytest.mark.parametrize("executor", ["dask", "ray"])
def test_a_replay_on_a_cluster_is_byte_identical_to_one_worker(tmp_path, request, executor):
    report, trace = outputs(tmp_path, "one", *REPLAY)
    # the default cut: 4 buckets per worker, of 12 contacts
    assert outputs(tmp_path, executor, *REPLAY, *on_cluster(request, executor)) == (report, trace)


@pytest.mark.parametrize("executor", ["dask", "ray"])
def test_an_experiment_decides_the_same_on_a_cluster(tmp_path, request, executor):
    """A decision makes a second pass: the cluster runs both, and the
    decision line ends the trace as with one worker. Untraced, the second
    pass runs only the contacts the decision can change, in buckets of
    their own, and reports the same."""
    playbook = write(tmp_path, "x.nurture", flow(EXPERIMENT))
    ids = [f"c{i:02d}" for i in range(24)]
    write(tmp_path, "contacts.csv", "id,email\n" + "".join(f"{c},{c}@example.com\n" for c in ids))
    lines = []
    for i, contact in enumerate(ids):
        enter = dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone.utc) + dt.timedelta(days=i)
        lines.append({"contact": contact, "at": enter.isoformat(), "event": "registered", "args": ["webinar"]})
        if i % 3:
            booked = (enter + dt.timedelta(days=1)).isoformat()
            lines.append({"contact": contact, "at": booked, "event": "booked", "args": ["demo"]})
    write(tmp_path, "events.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    args = (playbook, "--contacts", tmp_path / "contacts.csv", "--events", tmp_path / "events.jsonl")
    args += ("--start", "2026-01-05", "--until", "2026-03-01")
    report, trace = outputs(tmp_path, "one", *args)
    assert json.loads(report)["experiments"]["welcome.subject_test"]["runs"][0]["winner"] is not None
    assert trace.splitlines()[-1].startswith(b'{"arms"') and b"experiment_decided" in trace.splitlines()[-1]
    assert outputs(tmp_path, executor, *args, *on_cluster(request, executor), "--buckets", "5") == (report, trace)
    untraced = run(*args, *on_cluster(request, executor), "--buckets", "5", "--format", "json")
    assert untraced.exit_code == 0, untraced.output
    assert untraced.stdout == report


def test_dask_without_a_scheduler_starts_a_local_cluster_and_says_nothing(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    report, trace = outputs(tmp_path, "one", *COHORT)
    result = run(*COHORT, "--format", "json", "--executor", "dask", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == report and result.stderr == ""


# -- what cannot be used is exit 2, before anything is read


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("executor, module", [("dask", "distributed"), ("ray", "ray")])
def test_an_executor_not_installed_names_the_extra_to_install(tmp_path, monkeypatch, executor, module):
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed: find_spec() says None
    result = run(*COHORT, "--executor", executor, "-o", tmp_path / "report.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        f"nurturedsl: error: --executor {executor} needs {executor.capitalize()}, which is not installed: "
        f"pip install 'nurturedsl[{executor}]'\n"
    )
    assert not (tmp_path / "report.txt").exists()


@pytest.mark.parametrize("executor, scheme", [("dask", "tcp://"), ("ray", "ray://")])
def test_a_scheduler_nobody_answers_at_is_exit_2_in_seconds(executor, scheme):
    pytest.importorskip({"dask": "distributed", "ray": "ray"}[executor])
    port = closed_port()
    began = time.monotonic()
    result = run(*COHORT, "--executor", executor, "--scheduler", f"{scheme}127.0.0.1:{port}")
    assert result.exit_code == 2
    assert result.stderr == (
        f"nurturedsl: error: --scheduler {scheme}127.0.0.1:{port}: cannot reach the {executor.capitalize()} "
        f"scheduler at 127.0.0.1:{port} (Connection refused); is the cluster running?\n"
    )
    assert time.monotonic() - began < 5


def test_the_scheduler_comes_from_the_environment_and_the_message_says_so():
    pytest.importorskip("distributed")
    address = f"127.0.0.1:{closed_port()}"
    result = run(*COHORT, "--executor", "dask", env={"DASK_SCHEDULER_ADDRESS": address})
    assert result.exit_code == 2
    assert result.stderr.startswith(f"nurturedsl: error: DASK_SCHEDULER_ADDRESS {address}: cannot reach")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--scheduler", "tcp://127.0.0.1:8786"],
            "--scheduler goes with --executor dask or ray; --executor local runs on this machine's processes",
        ),
        (
            ["--executor", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"],
            "--workers 2 sizes a local cluster, but --scheduler names one (tcp://127.0.0.1:8786), whose workers "
            "run the buckets; leave out --workers (and use --buckets to cut finer)",
        ),
        (
            ["--executor", "dask", "--scheduler", "tcp://somewhere:port"],
            "--scheduler tcp://somewhere:port: expected HOST:PORT, such as tcp://10.0.0.5:8786",
        ),
        (
            ["--executor", "ray", "--scheduler", "http://10.0.0.5:8265"],
            "--scheduler http://10.0.0.5:8265: expected HOST:PORT or ray://HOST:PORT",
        ),
    ],
)
def test_options_that_do_not_go_together_are_exit_2(args, message):
    pytest.importorskip("distributed")
    pytest.importorskip("ray")
    result = run(*COHORT, *args)
    assert (result.exit_code, result.stderr) == (2, f"nurturedsl: error: {message}\n")


# -- the default imports neither; failures and Ctrl-C leave nothing behind


def test_a_local_run_imports_neither_dask_nor_ray():
    code = (
        "import sys\nfrom nurturedsl.cli import main\n"
        f"try:\n    main(['simulate', *{list(map(str, COHORT))!r}, '--workers', '2'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'ray'}), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def _worker_limits():
    resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))


def _cli(tmp_path, *args):
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}  # the workers' own temporary files go here
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return [sys.executable, "-m", "nurturedsl", "simulate", *map(str, args)], env


def test_a_trace_too_large_stops_the_cluster_and_leaves_no_file(tmp_path):
    pytest.importorskip("distributed")
    (tmp_path / "trace.jsonl").write_text("the previous trace\n")
    command, env = _cli(tmp_path, *COHORT, "--executor", "dask", "--workers", "2", "--trace", "trace.jsonl")
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, preexec_fn=_worker_limits
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "nurturedsl: error: cannot write trace.jsonl: File too large"
    assert (tmp_path / "trace.jsonl").read_text() == "the previous trace\n"
    assert [name for name in os.listdir(tmp_path) if name.startswith(".")] == []
    assert [name for name in os.listdir(tmp_path / "tmp") if name.startswith(".nurturedsl-trace")] == []


def test_ctrl_c_on_a_dask_run_stops_the_cluster_and_writes_nothing(tmp_path):
    pytest.importorskip("distributed")
    command, env = _cli(
        tmp_path, *COHORT[:2], "2000000", *COHORT[3:], "--executor", "dask", "--workers", "2", "--trace", "t.jsonl"
    )
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        give_up = time.monotonic() + 60
        # the trace's temporary file appears once the inputs are read, as the cluster starts
        while time.monotonic() < give_up and not any(name.endswith(".tmp") for name in os.listdir(tmp_path)):
            time.sleep(0.05)
        time.sleep(3)  # the workers are running their buckets
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert time.monotonic() - sent < 10
    assert stderr.strip().splitlines()[-1] == "nurturedsl: interrupted; no output was written"
    assert "Traceback" not in stderr
    assert [name for name in os.listdir(tmp_path) if name.startswith(".") or name == "t.jsonl"] == []
    assert [name for name in os.listdir(tmp_path / "tmp") if name.startswith(".nurturedsl-trace")] == []
