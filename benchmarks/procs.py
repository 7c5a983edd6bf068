"""Figures about the stack's processes that every load benchmark prints, read from /proc."""
import asyncio
import contextlib
import gc
import os
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[index]


async def raw_post(host: str, port: int, path: str, body: bytes,
                   headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST `body` as JSON over a new connection that the answer closes; return the status and
    the answer's body. A raw socket, not httpx: the load clients share the stack's cores, and
    httpx cost about 4 ms of CPU a request there, this about 1 ms."""
    status, _, body = await raw_request(host, port, path, body, headers)
    return status, body


async def raw_request(host: str, port: int, path: str, body: bytes,
                      headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """raw_post, returning the answer's headers too (name in lower case, value)."""
    head = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{head}"
               "Connection: close\r\n\r\n").encode() + body
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    answer = await reader.read(-1)  # the server closes after its answer
    writer.close()
    top, _, rest = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    fields = [(name.strip().lower(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    return int(status_line.split(" ", 2)[1]), fields, rest


def loop_seconds() -> float:
    """Seconds a 10-million-step Python loop takes now: the machine's speed beside its figures."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            for child in (task / "children").read_text().split():
                found += [int(child)] + children(int(child))
        except OSError:
            pass
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:  # the process has gone
        return ""


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) of each stack process and its children, of PostgreSQL's and
    Redis's processes, of this client, and of the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            return 0.0

    out = {name: sum(of(p) for p in [pid] + children(pid)) for name, pid in pids.items()}
    for server in ("postgres", "redis-server"):  # every process of that name (backends too)
        out[server] = sum(of(int(p.parent.name)) for p in Path("/proc").glob("[0-9]*/comm")
                          if _read(p) == server)
    out["this client"] = sum(os.times()[:2])
    jiffies = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    out["machine (all cpus)"] = (sum(jiffies) - jiffies[3] - jiffies[4]) / tick  # not idle/iowait
    return out


def stack_configuration(pids: dict[str, int]) -> dict[str, str]:
    """Each stack process's command line, and the web's CONN_MAX_AGE."""
    out = {}
    for name, pid in pids.items():
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            environ = dict(item.split("=", 1) for item in
                           Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
                           if "=" in item)
        except OSError:
            out[name] = "not running"
            continue
        out[name] = " ".join(Path(a).name if a.endswith(".py") else a for a in argv[1:] if a)
        if name == "web":
            out[name] += f" (CONN_MAX_AGE={environ.get('CONN_MAX_AGE', 'unset')})"
    return out


def stack_pids() -> dict[str, int]:
    """The pids benchmarks/stack.py wrote for its processes ({} when it is not running)."""
    pid_file = ROOT / "var" / "bench-stack.pids"
    if not pid_file.exists():
        return {}
    return {k: int(v) for k, v in (item.split("=") for item in pid_file.read_text().split())}


def mock_pace(mock_url: str, *, ttft_ms: float, tokens_per_second: float, **more) -> None:
    """Set every mock persona to this time to first token and rate, with no fault (and `more` of
    its settings, such as `answer`)."""
    from devservers.mock_teams import PERSONAS

    for persona in PERSONAS:
        httpx.put(f"{mock_url}/_control/{persona}", json={
            "ttft_ms": ttft_ms, "tokens_per_second": tokens_per_second,
            "thinking": False, "fault": None, **more}).raise_for_status()


@contextlib.contextmanager
def collector_paused():
    """Keep this load client's own garbage collector out of what it times.

    A full collection of the client (hundreds of clients' objects, the last run's results)
    paused it for 170-275 ms, and every request and message it was timing meanwhile looked
    that much slower: the platform's p99 carried the client's pauses. The garbage is collected
    before and after instead.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
