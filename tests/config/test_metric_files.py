"""Processes of several containers share one metrics folder (docker-compose.yml) and may have
the same pid: each writes files of its own, and /metrics adds up all of them."""
import os
import subprocess
import sys

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
