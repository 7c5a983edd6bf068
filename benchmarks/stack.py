"""Start the real stack on loopback for the benchmarks, and stop it with Ctrl-C.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_bench .venv/bin/python benchmarks/stack.py \
        [--worker-concurrency N] [--web-workers N] [--workers N]

Processes: the mock teams (`python -m devservers.mock_teams`), one Celery worker (or --workers, each
named), uvicorn (the ASGI site).
Rate limits are lifted so that one client may start hundreds of battles. Migrates and seeds the
demo contest first. Prints the pid of every process, which `battles.py --pids` reads for memory.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ops.processes import mock_command, processes_stop, web_command, worker_command  # noqa: E402 (after the path)

PID_FILE = ROOT / "var" / "bench-stack.pids"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--mock-port", type=int, default=8100)
    parser.add_argument("--worker-concurrency", type=int, default=None,
                        help="streams one worker holds at once (default: the settings', 1000)")
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    args = parser.parse_args()

    env = {
        **os.environ,
        "MOCK_TEAMS_URL": f"http://127.0.0.1:{args.mock_port}",
        "ARENA_BATTLE_LIMITS_VOTER": "1000000/m",
        "ARENA_BATTLE_LIMITS_NETWORK": "1000000/m",
        "ARENA_VOTE_LIMITS_VOTER": "1000000/m",
        "ARENA_VOTE_LIMITS_NETWORK": "1000000/m",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    python = sys.executable
    manage = str(ROOT / "manage.py")
    subprocess.run([python, manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([python, manage, "seed_demo"], env=env, check=True, cwd=ROOT)
    # The worker's pool and concurrency are the settings' (as in the demo and compose) unless
    # --worker-concurrency says otherwise.
    workers = {"worker": worker_command(loglevel="WARNING", concurrency=args.worker_concurrency)}
    if args.workers > 1:
        workers = {f"worker{n}": worker_command(loglevel="WARNING", concurrency=args.worker_concurrency,
                                                name=f"worker{n}@%h")
                   for n in range(1, args.workers + 1)}
    commands = {
        "mock": mock_command(args.mock_port, "--log-level", "warning"),
        **workers,
        "web": web_command(args.port, "--no-access-log", "--log-level", "warning",
                           "--workers", str(args.web_workers)),
    }
    processes = {name: subprocess.Popen(cmd, env=env, cwd=ROOT) for name, cmd in commands.items()}
    PID_FILE.parent.mkdir(exist_ok=True)
    PID_FILE.write_text(" ".join(f"{n}={p.pid}" for n, p in processes.items()))
    print("configuration:", {k: " ".join(v[2:]) for k, v in commands.items()}, flush=True)
    print("pids:", PID_FILE.read_text(), flush=True)
    try:
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        processes_stop(processes.values())


if __name__ == "__main__":
    main()
