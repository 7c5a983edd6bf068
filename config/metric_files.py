"""Name each process's metric files by its host and its pid, before any metric exists.

In prometheus_client's multiprocess mode every process writes its values to files named by its
pid in PROMETHEUS_MULTIPROC_DIR. docker-compose.yml shares that folder between the web and worker
containers of a machine, replicas included (`--scale web=2 --scale worker=2`), and each container
numbers its processes from 1: two processes with one pid would write one file and spoil each
other's figures. Host name and pid together are distinct among the processes running at once.

The open-websockets gauge counts live processes only ("livesum"): a process deletes its files of
such gauges when it exits, and each process starting deletes those that this host's killed
processes left behind.
"""
import atexit
import os
import socket
from pathlib import Path

from prometheus_client import multiprocess, values


def _host() -> str:
    # No underscore: the collector splits file names on it (e.g. gauge_livesum_<id>.db).
    return socket.gethostname().replace("_", "-")


def process_identifier() -> str:
    return f"{_host()}-{os.getpid()}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def gone_processes_forget(directory: str) -> list[str]:
    """Delete the live gauges' files of this host's processes that no longer run, and return
    their names. A process that stops cleanly deletes its own (at exit); one that was killed
    cannot, and its open websockets would be counted for ever. Counters stay: they are totals."""
    host, gone = _host(), []
    for path in Path(directory).glob("gauge_live*_*.db"):
        file_host, _, pid = path.stem.rsplit("_", 1)[-1].rpartition("-")
        if file_host == host and pid.isdigit() and not _running(int(pid)):
            path.unlink(missing_ok=True)
            gone.append(path.name)
    return gone


def files_by_host_and_pid() -> None:
    """Make every metric created from now on write files named by host and pid (multiprocess
    mode only: without PROMETHEUS_MULTIPROC_DIR a process keeps its values in memory)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        values.ValueClass = values.MultiProcessValue(process_identifier)
        gone_processes_forget(directory)
        atexit.register(lambda: multiprocess.mark_process_dead(process_identifier(), directory))
