"""Name each process's metric files by its host and its pid, before any metric exists.

In prometheus_client's multiprocess mode every process writes its values to files named by its
pid in PROMETHEUS_MULTIPROC_DIR. docker-compose.yml shares that folder between the web and worker
containers of a machine, replicas included (`--scale web=2 --scale worker=2`), and each container
numbers its processes from 1: two processes with one pid would write one file and spoil each
other's figures. Host name and pid together are distinct among the processes running at once.
"""
import os
import socket

from prometheus_client import values


def process_identifier() -> str:
    # No underscore: the collector splits file names on it (e.g. gauge_livesum_<id>.db).
    return f"{socket.gethostname()}-{os.getpid()}".replace("_", "-")


def files_by_host_and_pid() -> None:
    """Make every metric created from now on write files named by host and pid (multiprocess
    mode only: without PROMETHEUS_MULTIPROC_DIR a process keeps its values in memory)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        values.ValueClass = values.MultiProcessValue(process_identifier)
