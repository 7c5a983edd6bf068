"""Processes of several containers share one metrics folder (docker-compose.yml) and may have
the same pid: each writes files of its own, and /metrics adds up all of them."""
import os
import subprocess
import sys
import time

from prometheus_client import CollectorRegistry, generate_latest, multiprocess

from config.metric_files import process_identifier

COUNT_AS = """
import os, socket
os.getpid = lambda: 1  # every container's first process
socket.gethostname = lambda: {host!r}
import config  # noqa: F401 (names the files, as every process of the site does first)
from prometheus_client import Counter
Counter("kai_test_sides", "Sides.").inc({times})
"""


def test_two_containers_processes_with_one_pid_keep_their_own_files(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for host, times in (("web-1a2b", 2), ("worker-3c4d", 3)):
        subprocess.run([sys.executable, "-c", COUNT_AS.format(host=host, times=times)],
                       env=env, check=True, cwd=os.getcwd())

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "counter_web-1a2b-1.db", "counter_worker-3c4d-1.db"]
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
    assert b"kai_test_sides_total 5.0" in generate_latest(registry)


def test_the_identifier_has_no_underscore_the_collector_splits_on():
    assert "_" not in process_identifier()


OPEN_SOCKETS_AS = """
import socket
socket.gethostname = lambda: {host!r}
import config  # noqa: F401
from prometheus_client import Gauge
Gauge("kai_test_open", "Open.", multiprocess_mode="livesum").set({value})
"""


def open_sockets(directory) -> bytes:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return generate_latest(registry)


def test_open_websockets_of_a_killed_process_are_not_counted_once_a_process_starts(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    # Given a web process with 3 sockets open that is killed: its count stays behind
    killed = subprocess.Popen([sys.executable, "-c", OPEN_SOCKETS_AS.format(host="web-1", value=3)
                               + "import time; time.sleep(60)"], env=env)
    try:
        deadline = time.monotonic() + 30
        while b"kai_test_open 3.0" not in open_sockets(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        killed.kill()
        killed.wait()
    assert b"kai_test_open 3.0" in open_sockets(tmp_path)
    # When another process of the host starts, opens 2 sockets, and stops cleanly
    subprocess.run([sys.executable, "-c", OPEN_SOCKETS_AS.format(host="web-1", value=2)],
                   env=env, check=True)
    # Then neither process's sockets are counted any more
    assert b"kai_test_open" not in open_sockets(tmp_path)


def test_a_killed_process_of_another_host_is_left_to_that_host(tmp_path):
    # A file of another container's process: its pid means nothing here, so it is not touched.
    (tmp_path / "gauge_livesum_web-other-1.db").write_bytes(b"")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", OPEN_SOCKETS_AS.format(host="web-1", value=1)], env=env, check=True)
    assert (tmp_path / "gauge_livesum_web-other-1.db").exists()
