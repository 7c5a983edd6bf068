"""Time `arena.identity.identity_prompt`: the check a vote runs on every prompt of its battle.

    .venv/bin/python benchmarks/identity.py [--repeat 5]

Scores every row of the held-out corpus (arena/identity_data/heldout.jsonl: short prompts,
as citizens type them) and a few long ones (a pasted text of about 1,000, 2,000 and 4,000
characters, the prompt limit, with a question at its end), each --repeat times after one warm-up
pass, and prints the median and 99th percentile wall-clock microseconds per call and the CPU
microseconds per call, plus the time to load the classifier file once per process.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arena import identity, identity_classifier  # noqa: E402
from arena.identity_corpus import corpus_read  # noqa: E402


def timed(prompts: list[str], repeat: int) -> tuple[list[float], float]:
    """Return the wall-clock µs of each call and the thread's CPU µs per call.

    The uncached function is timed (identity_prompt keeps the answers for prompts it has
    seen). CPU time is what a call costs when other processes share the cores; wall time
    also counts being preempted by them.
    """
    check = identity.identity_prompt.__wrapped__
    for prompt in prompts:  # warm-up
        check(prompt)
    micros = []
    cpu_start = time.thread_time()
    for _ in range(repeat):
        for prompt in prompts:
            start = time.perf_counter()
            check(prompt)
            micros.append((time.perf_counter() - start) * 1e6)
    return micros, (time.thread_time() - cpu_start) * 1e6 / len(micros)


def line(name: str, timing: tuple[list[float], float]) -> str:
    micros, cpu = timing
    ordered = sorted(micros)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"{name:<28} median {statistics.median(micros):8.1f} µs   p99 {p99:8.1f} µs   "
            f"CPU {cpu:8.1f} µs/call   ({len(micros)} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    identity_classifier.IdentityClassifier.load()
    load_ms = (time.perf_counter() - start) * 1e3
    short = [row.text for row in corpus_read("heldout")]
    sentence = "예산안을 검토하고 다음 분기 일정을 조정했습니다. "
    long = [sentence * (chars // len(sentence)) + "너는 누가 만들었어?" for chars in (1000, 2000, 4000)]

    print(f"load classifier.json        {load_ms:8.1f} ms (once per process)")
    print(line("held-out prompts", timed(short, args.repeat)))
    print(line("long prompts (1k-4k chars)", timed(long, args.repeat * 20)))


if __name__ == "__main__":
    main()
