"""`policyrules evaluate` as a process among others: on a terminal, stopped by signals,
writing to a full disk, a closed stdout or a pipe whose reader has gone (CONTRACT §9).

Each test runs the real console command in a subprocess, because what is tested is what
the process does with its file descriptors, its children and its exit status.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from policyrules.cli.output import PROGRESS_AFTER

SMALL = str(Path(__file__).parent / "fixtures" / "cli" / "small.policy")
AS_OF = "2026-11-22"
COMMAND = [sys.executable, "-m", "policyrules"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="signals, /proc and /dev/full as on Linux")


def worker(i: int) -> dict[str, object]:
    return {"id": f"W{i}", "started": "2024-01-10", "contact": "regular",
            "training": [{"training": "induction-course", "completed": "2024-03-01"}]}


def workers_text(count: int) -> bytes:
    return "".join(json.dumps(worker(i)) + "\n" for i in range(count)).encode()


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(Path(__file__).parents[1] / "src")
    env["TERM"] = "xterm"
    return env | extra


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_with_workers(tmp_path: Path, **popen: object) -> tuple[subprocess.Popen[bytes],
                                                                  list[int]]:
    """`evaluate - -j 2` reading a pipe that stays open: its two worker processes started
    (the first block of batch.BLOCK bytes is in their hands) and the parent waiting for
    more input."""
    proc = subprocess.Popen(
        [*COMMAND, "evaluate", SMALL, "-", "--as-of", AS_OF, "-j", "2", "-q"],
        stdin=subprocess.PIPE, stdout=open(tmp_path / "out.jsonl", "wb"),  # noqa: SIM115
        stderr=subprocess.PIPE, env=environ(), **popen)  # type: ignore[call-overload]
    assert proc.stdin is not None
    proc.stdin.write(workers_text(12_000))  # more than one block of batch.BLOCK bytes
    proc.stdin.flush()
    assert wait_for(lambda: len(children(proc.pid)) == 2), "no worker processes started"
    return proc, children(proc.pid)


def start_taking_blocks(tmp_path: Path, **popen: object) -> tuple[subprocess.Popen[bytes],
                                                                   list[int]]:
    """`evaluate FILE -j 2` on a regular file, whose workers take their own blocks, into a
    pipe that nobody reads: its two worker processes started and soon held in their
    writes."""
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(12_000))
    proc = subprocess.Popen(
        [*COMMAND, "evaluate", SMALL, str(workers), "--as-of", AS_OF, "-j", "2", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ(),
        **popen)  # type: ignore[call-overload]
    assert wait_for(lambda: len(children(proc.pid)) == 2), "no worker processes started"
    return proc, children(proc.pid)


def stderr_of(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stderr is not None
    return proc.stderr.read().decode()


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_to_the_parent_ends_the_workers(tmp_path: Path, sig: signal.Signals,
                                                 status: int) -> None:
    proc, workers = start_with_workers(tmp_path)
    proc.send_signal(sig)
    assert proc.wait(30) == status
    assert stderr_of(proc) == f"error: stopped by {sig.name}\n"
    assert wait_for(lambda: not any(alive(w) for w in workers), 10), "workers left running"
    assert proc.stdin is not None
    proc.stdin.close()


def test_a_signal_ends_workers_that_take_their_own_blocks(tmp_path: Path) -> None:
    proc, workers = start_taking_blocks(tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 143
    assert stderr_of(proc) == "error: stopped by SIGTERM\n"
    assert wait_for(lambda: not any(alive(w) for w in workers), 10), "workers left running"


def test_a_worker_that_takes_its_own_blocks_and_dies_ends_the_run(tmp_path: Path) -> None:
    proc, workers = start_taking_blocks(tmp_path)
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(30) == 2
    assert "a worker process stopped unexpectedly" in stderr_of(proc)
    assert wait_for(lambda: not any(alive(w) for w in workers), 10)


def test_workers_die_with_a_parent_that_is_killed(tmp_path: Path) -> None:
    proc, workers = start_with_workers(tmp_path)
    proc.kill()  # no handler runs: the kernel tells the workers (PR_SET_PDEATHSIG)
    proc.wait(30)
    assert wait_for(lambda: not any(alive(w) for w in workers), 10), "workers left running"
    assert proc.stdin is not None
    proc.stdin.close()


def test_an_interrupt_at_the_terminal_exits_130(tmp_path: Path) -> None:
    # Ctrl-C reaches the whole process group: the workers leave it to the parent.
    proc, workers = start_with_workers(tmp_path, start_new_session=True)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(30) == 130
    assert stderr_of(proc) == "error: interrupted\n"  # one line, no traceback
    assert wait_for(lambda: not any(alive(w) for w in workers), 10), "workers left running"
    assert proc.stdin is not None
    proc.stdin.close()


def test_a_worker_process_that_dies_ends_the_run(tmp_path: Path) -> None:
    proc, workers = start_with_workers(tmp_path)
    os.kill(workers[0], signal.SIGKILL)
    assert proc.stdin is not None
    # The parent may have found the death and ended before it reads this.
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write(workers_text(3000))
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    assert proc.wait(30) == 2
    assert "a worker process stopped unexpectedly" in stderr_of(proc)
    assert wait_for(lambda: not any(alive(w) for w in workers), 10)


def test_a_full_device_is_one_error_line(tmp_path: Path) -> None:
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(50))
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*COMMAND, "evaluate", SMALL, str(workers), "--as-of", AS_OF],
                              stdout=full, stderr=subprocess.PIPE, env=environ(), check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "error: cannot write the output: No space left on device\n")


@pytest.mark.parametrize(("jobs", "count", "limit"), [
    ("1", 3000, 700_000),  # a chunk for each 64 KiB of input (WorkerInput.blocks)
    ("2", 12_000, 10_000_000)])  # a chunk for each block of batch.BLOCK bytes of input
def test_a_file_that_cannot_grow_ends_at_a_whole_line(tmp_path: Path, jobs: str, count: int,
                                                      limit: int) -> None:
    """A full disk, as a file size limit: the output is cut back to its last whole line."""
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(count))

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then a write past it fails: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [*COMMAND, "evaluate", SMALL, str(workers), "--as-of", AS_OF, "-o", str(out),
         "-j", jobs], stderr=subprocess.PIPE, env=environ(), preexec_fn=limited,
        check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode() == "error: cannot write the output: File too large\n"
    data = out.read_bytes()
    assert 0 < len(data) <= limit and data.endswith(b"\n")
    ids = [json.loads(line)["worker"] for line in data.splitlines()]
    assert ids == [f"W{i}" for i in range(len(ids))]


def test_a_closed_stdout_is_one_error_line(tmp_path: Path) -> None:
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(5))
    proc = subprocess.run([*COMMAND, "evaluate", SMALL, str(workers), "--as-of", AS_OF],
                          stderr=subprocess.PIPE, env=environ(),
                          preexec_fn=lambda: os.close(1), check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "error: standard output is closed: there is nowhere to write the results\n")


@pytest.mark.parametrize("args", [["-f", "jsonl"], ["-f", "csv", "-j", "2"], ["-f", "table"]])
def test_a_reader_that_stops_early_is_a_quiet_141(tmp_path: Path, args: list[str]) -> None:
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(4000))  # megabytes of output: more than a pipe holds
    proc = subprocess.Popen([*COMMAND, "evaluate", SMALL, str(workers), "--as-of", AS_OF,
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=environ())
    assert proc.stdout is not None
    assert proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    assert proc.wait(60) == 141
    assert stderr_of(proc) == ""


def on_a_terminal(args: list[str], stream: str) -> tuple[int, bytes]:
    """Run the command with `stream` (stdout or stderr) on a pseudo-terminal: its exit
    status and everything written to the terminal."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other end is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    targets = {stream: slave}
    other = subprocess.DEVNULL
    proc = subprocess.run([*COMMAND, *args], stdout=targets.get("stdout", other),
                          stderr=targets.get("stderr", other), env=environ(), check=False)
    os.close(slave)
    reader.join(30)
    os.close(master)
    return proc.returncode, b"".join(chunks)


def test_the_progress_bar_shows_on_a_terminal(tmp_path: Path) -> None:
    count = PROGRESS_AFTER + 3000
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(count))
    status, shown = on_a_terminal(["evaluate", SMALL, str(workers), "--as-of", AS_OF, "-o",
                                   str(tmp_path / "out.jsonl")], "stderr")
    assert status == 0
    text = shown.decode()
    assert "evaluating" in text and "records" in text and "%" in text
    assert f"{count} records: {count} workers evaluated" in text  # then the summary
    quiet_status, quiet = on_a_terminal(["evaluate", SMALL, str(workers), "--as-of", AS_OF,
                                         "-q", "-o", str(tmp_path / "out.jsonl")], "stderr")
    assert quiet_status == 0 and quiet == b""


def test_colour_and_a_table_on_a_terminal(tmp_path: Path) -> None:
    workers = tmp_path / "w.jsonl"
    workers.write_bytes(workers_text(3))
    status, shown = on_a_terminal(["evaluate", SMALL, str(workers), "--as-of", AS_OF],
                                  "stdout")
    assert status == 0
    assert b"\x1b[" in shown  # colour, on a terminal, with no NO_COLOR
    assert b"WORKER" in shown and b"REQUIREMENT" in shown  # the default format there


_STUCK_IN_READ = r"""
import os, signal, sys, threading, time
from policyrules.cli.signals import Stopped, stop_on_signals

r, w = os.pipe()
try:
    with stop_on_signals():
        helper = threading.Thread(target=time.sleep, args=(30,), daemon=True)
        helper.start()

        def poke():
            time.sleep(0.5)
            # The signal lands on another thread while the main thread waits in read():
            # noted by Python, but nothing wakes the main thread to act on it.
            signal.pthread_kill(helper.ident, signal.SIGTERM)

        threading.Thread(target=poke, daemon=True).start()
        os.read(r, 1)  # a quiet stdin that stays open
except Stopped as stop:
    print("stopped by", stop)
"""


def test_a_signal_that_lands_on_another_thread_still_stops_the_command() -> None:
    proc = subprocess.run([sys.executable, "-c", _STUCK_IN_READ], capture_output=True,
                          text=True, env=environ(), timeout=30, check=False)
    assert proc.stdout == "stopped by SIGTERM\n", proc.stderr
