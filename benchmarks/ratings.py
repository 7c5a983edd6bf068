"""Benchmark stats.ratings against one-row-per-vote logistic regression, as arena code does.

Run: ``.venv/bin/python benchmarks/ratings.py`` (about 6 minutes on 2 cores: the row-level
baseline runs all 100 of its rounds), or ``--quick`` (100k votes, baseline extrapolated from 5),
or ``--files`` (only the end-to-end case from a file: the vote dataset written as JSONL and as
Parquet, then read column-wise + aggregate + fit + bootstrap, as ``manage.py ratings`` does),
or ``--versus-reference`` (``manage.py ratings --input F --json`` as a user runs it, Django's
start included, against benchmarks/ratings_reference.py's plain numpy Bradley–Terry on the same
file, alternated three times each; CPU seconds of each process, user + system).

Each case runs in a fresh subprocess. Peak memory is the rise of the process's peak resident set
size (Linux VmHWM, reset through /proc/self/clear_refs just before the timed work) above its
resident size at that moment, so it counts everything the computation allocates, numpy or not,
but not the vote columns it was given.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats.counts import aggregate  # noqa: E402
from stats.ratings import bootstrap, fit_bradley_terry  # noqa: E402

TIE_SHARE, BOTH_BAD_SHARE = 0.10, 0.03


def synthetic_votes(models: int, votes: int, seed: int = 0) -> tuple[list, list, list]:
    """Return vote columns as a JSONL reader would: lists of str, random sides and pairs."""
    rng = np.random.default_rng(seed)
    true_ratings = np.linspace(-250, 250, models)
    names = np.array([f"team-{i}/model-v{i}" for i in range(models)], dtype=object)
    a = rng.integers(0, models, votes)
    b = (a + rng.integers(1, models, votes)) % models
    p_a = 1 / (1 + 10 ** ((true_ratings[b] - true_ratings[a]) / 400))
    draw = rng.random(votes)
    winner = np.where(rng.random(votes) < p_a, "model_a", "model_b").astype(object)
    winner[draw < TIE_SHARE + BOTH_BAD_SHARE] = "tie (bothbad)"
    winner[draw < TIE_SHARE] = "tie"
    return names[a].tolist(), names[b].tolist(), winner.tolist()


def memory_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))


def reset_peak_memory() -> int:
    """Reset the peak RSS and return the current RSS in KiB."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return memory_kib("VmRSS:")


def run_ours(models: int, votes: int, rounds: int, repeats: int) -> dict:
    columns = synthetic_votes(models, votes)
    timings: dict[str, list[float]] = {"aggregate": [], "fit": [], "bootstrap": [], "total": []}
    peak_rise = 0
    for _ in range(repeats):
        start_rss = reset_peak_memory()
        t0 = time.perf_counter()
        counts = aggregate(*columns)
        t1 = time.perf_counter()
        fit_bradley_terry(counts)
        t2 = time.perf_counter()
        samples = bootstrap(counts, rounds=rounds, seed=0)
        np.percentile(samples, [2.5, 97.5], axis=0)
        t3 = time.perf_counter()
        peak_rise = max(peak_rise, memory_kib("VmHWM:") - start_rss)
        for key, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
            timings[key].append(value)
    return {key: statistics.median(values) for key, values in timings.items()} | {
        "peak_mib": peak_rise / 1024, "ratings": fit_bradley_terry(counts).tolist()}


def dataset_files_write(folder: Path, votes: int, models: int = 10) -> dict[str, Path]:
    """Write `votes` synthetic rows with every column of the vote dataset, as JSONL and Parquet."""
    import pyarrow as pa

    from voting import dataset

    model_a, model_b, winner = synthetic_votes(models, votes)
    n = len(model_a)
    table = pa.table({
        "battle_id": pa.array([f"00000000-0000-4000-8000-{i:012d}" for i in range(n)]),
        "contest": pa.array(["demo"] * n),
        "track": pa.array(["citizen"] * n),
        "category": pa.array([None] * n, pa.string()),
        "model_a": pa.array(model_a),
        "model_b": pa.array(model_b),
        "winner": pa.array(winner),
        "turns": pa.array([1] * n, pa.int64()),
        "created_at": pa.array([f"2026-11-{1 + i % 28:02d}T12:00:00Z" for i in range(n)]),
        "voter": pa.array([f"{i % 50_000:032x}" for i in range(n)]),
        "excluded": pa.array([None] * n, pa.string()),
    }, schema=dataset.SCHEMA)
    paths = {"jsonl": folder / "votes.jsonl", "parquet": folder / "votes.parquet"}
    import pyarrow.parquet as pq

    pq.write_table(table, paths["parquet"], compression="zstd")
    dataset.jsonl_write(dataset.table_rows(table), paths["jsonl"])
    return paths


def run_file(path: str, rounds: int, repeats: int) -> dict:
    """Time what `manage.py ratings --input` does: columnar read, aggregate, fit, bootstrap."""
    from voting import dataset_read
    from stats.counts import aggregate_encoded

    timings: dict[str, list[float]] = {"read": [], "aggregate": [], "fit": [], "bootstrap": [],
                                       "total": [], "sha256": []}
    peak_rise = 0
    for _ in range(repeats):
        start_rss = reset_peak_memory()
        t0 = time.perf_counter()
        columns = dataset_read.votes_read(path)
        t1 = time.perf_counter()
        counts = aggregate_encoded(columns.models, columns.code_a, columns.code_b, columns.outcome)
        t2 = time.perf_counter()
        fit_bradley_terry(counts)
        t3 = time.perf_counter()
        samples = bootstrap(counts, rounds=rounds, seed=0)
        np.percentile(samples, [2.5, 97.5], axis=0)
        t4 = time.perf_counter()
        peak_rise = max(peak_rise, memory_kib("VmHWM:") - start_rss)
        dataset_read.votes_sha256(path)
        t5 = time.perf_counter()
        del columns
        for key, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, t5 - t4)):
            timings[key].append(value)
    return {key: statistics.median(values) for key, values in timings.items()} | {
        "peak_mib": peak_rise / 1024}


def files_report(votes: int, rounds: int, repeats: int) -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        paths = dataset_files_write(Path(folder), votes)
        print(f"\nend to end from a file ({votes:,} votes, 10 models, {rounds} rounds, median of "
              f"{repeats}; votes_sha256 = hash of the rows as canonical JSONL, timed apart)")
        header = (f"{'format':>8} {'MiB':>6} {'read':>7} {'aggregate':>10} {'fit':>8} "
                  f"{'bootstrap':>10} {'total':>8} {'peak MiB':>9} {'sha256':>8}")
        print(header)
        print("-" * len(header))
        met = True
        for name, path in paths.items():
            result = in_subprocess("--case", "file", "--path", str(path), "--rounds", str(rounds),
                                   "--repeats", str(repeats))
            size = path.stat().st_size / 2**20
            print(f"{name:>8} {size:>6.1f} {result['read']:>6.3f}s {result['aggregate']:>9.3f}s "
                  f"{result['fit']:>7.4f}s {result['bootstrap']:>9.3f}s {result['total']:>7.3f}s "
                  f"{result['peak_mib']:>9.1f} {result['sha256']:>7.3f}s")
            met &= result["total"] < 1.0 and result["peak_mib"] < 400
        print(f"targets (read + fit + {rounds} rounds < 1 s, peak < 400 MiB): "
              f"{'MET' if met else 'NOT MET'}")
        return met


def process_cpu(command: list[str]) -> float:
    """Run ``command`` in the folder of its script (a checkout's own, as a user runs it) and
    return its CPU seconds (user + system), its output thrown away."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=Path(command[1]).parent)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return usage.ru_utime + usage.ru_stime


def versus_reference(votes: int, rounds: int, repeats: int = 3, others: tuple = ()) -> None:
    """Also time each of ``others`` (checkouts of another commit) in the same run, alternated."""
    import tempfile

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        paths = dataset_files_write(Path(folder), votes)
        print(f"manage.py ratings against the plain numpy reference, {votes:,} votes, 10 models, "
              f"{rounds} rounds, CPU seconds, {repeats} alternated runs each (median)")
        for name, path in paths.items():
            ours, reference, earlier = [], [], {}
            for _ in range(repeats):
                ours.append(process_cpu([sys.executable, str(root / "manage.py"), "ratings",
                                         "--input", str(path), "--bootstrap", str(rounds),
                                         "--json"]))
                reference.append(process_cpu([sys.executable,
                                              str(root / "benchmarks/ratings_reference.py"),
                                              str(path), "--rounds", str(rounds)]))
                for other in others:
                    earlier.setdefault(other, []).append(process_cpu(
                        [sys.executable, str(Path(other) / "manage.py"), "ratings", "--input",
                         str(path), "--bootstrap", str(rounds), "--json"]))
            for other, times in earlier.items():
                print(f"{name:>8}: {other}: {statistics.median(times):.2f} s "
                      f"({', '.join(f'{x:.2f}' for x in times)}), ratio "
                      f"{statistics.median(times) / statistics.median(reference):.2f}")
            ratio = statistics.median(ours) / statistics.median(reference)
            print(f"{name:>8}: ours {statistics.median(ours):.2f} s "
                  f"({', '.join(f'{x:.2f}' for x in ours)}), reference "
                  f"{statistics.median(reference):.2f} s "
                  f"({', '.join(f'{x:.2f}' for x in reference)}), ratio {ratio:.2f}")


def row_level_fit(design: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fit BT as LMSYS's notebook does with sklearn: logistic loss, one row per (half) vote."""
    def loss(beta):
        z = design @ beta
        value = (weight * (np.logaddexp(0, z) - target * z)).sum()
        return value, design.T @ (weight * (1 / (1 + np.exp(-z)) - target))

    return minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B",
                    options={"gtol": 1e-6, "maxiter": 1000}).x


def run_row_level(models: int, votes: int, rounds: int) -> dict:
    model_a, model_b, winner = synthetic_votes(models, votes)
    start_rss = reset_peak_memory()
    t0 = time.perf_counter()
    index = {name: i for i, name in enumerate(sorted(set(model_a) | set(model_b)))}
    a = np.array([index[x] for x in model_a])
    b = np.array([index[x] for x in model_b])
    w = np.array(winner, dtype=object)
    tie = (w == "tie") | (w == "tie (bothbad)")
    # Ties become two half-weight rows, one won by each side.
    a, b = np.r_[a, a[tie]], np.r_[b, b[tie]]
    target = np.r_[(w == "model_a") | tie, np.zeros(tie.sum(), dtype=bool)].astype(float)
    weight = np.r_[np.where(tie, 0.5, 1.0), np.full(tie.sum(), 0.5)]
    design = np.zeros((len(a), models))
    design[np.arange(len(a)), a] = np.log(10) / 400
    design[np.arange(len(a)), b] = -np.log(10) / 400
    beta = row_level_fit(design, target, weight)
    t1 = time.perf_counter()
    rng = np.random.default_rng(0)
    for _ in range(rounds):
        # Resampling rows of the doubled table, like df.sample(frac=1, replace=True).
        rows = rng.integers(0, len(a), len(a))
        row_level_fit(design[rows], target[rows], weight[rows])
    t2 = time.perf_counter()
    ratings = beta - beta.mean() + 1000
    return {"fit": t1 - t0, "per_round": (t2 - t1) / max(rounds, 1),
            "peak_mib": (memory_kib("VmHWM:") - start_rss) / 1024, "ratings": ratings.tolist()}


def in_subprocess(*arguments: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True,
                          check=True, env=os.environ | {"PYTHONHASHSEED": "0"})
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k votes, fewer repeats")
    parser.add_argument("--files", action="store_true", help="only the end-to-end case from files")
    parser.add_argument("--versus-reference", action="store_true", dest="versus_reference",
                        help="manage.py ratings against the plain numpy reference")
    parser.add_argument("--also", nargs="*", default=[],
                        help="with --versus-reference: other checkouts' manage.py, same run")
    parser.add_argument("--case", choices=["ours", "row-level", "file"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--models", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--votes", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.case == "ours":
        print(json.dumps(run_ours(options.models, options.votes, options.rounds, options.repeats)))
        return
    if options.case == "file":
        print(json.dumps(run_file(options.path, options.rounds, options.repeats)))
        return
    if options.versus_reference:
        versus_reference(100_000 if options.quick else 1_000_000, 1000,
                         others=tuple(options.also))
        return
    if options.files:
        files_report(100_000 if options.quick else 1_000_000, 1000, 3 if options.quick else 7)
        return
    if options.case == "row-level":
        print(json.dumps(run_row_level(options.models, options.votes, options.rounds)))
        return

    votes, repeats, rounds = (100_000, 3, 1000) if options.quick else (1_000_000, 7, 1000)
    baseline_measured, baseline_target = (5, 100) if options.quick else (100, 100)
    print(f"{votes:,} synthetic votes ({TIE_SHARE:.0%} ties, {BOTH_BAD_SHARE:.0%} both-bad), "
          f"{os.cpu_count()} CPUs, numpy {np.__version__}; ours: median of {repeats} repeats, "
          f"{rounds} bootstrap rounds; peak = rise of peak RSS (VmHWM) during the computation")
    extrapolated = (f", then extrapolated linearly to {baseline_target}"
                    if baseline_measured < baseline_target else "")
    print(f"row-level baseline: scipy L-BFGS-B per fit, {baseline_measured} bootstrap rounds "
          f"measured (rows resampled){extrapolated}")
    header = (f"{'models':>6} {'aggregate':>10} {'fit':>8} {'bootstrap':>10} {'total':>8} "
              f"{'peak MiB':>9} | {'row fit':>8} {'row/round':>9} "
              f"{f'row {baseline_target} rnd':>11} {'row MiB':>8} {'max |Δ|':>8} {'speed-up':>9}")
    print(header)
    print("-" * len(header))
    met = True
    for models in (5, 10):
        ours = in_subprocess("--case", "ours", "--models", str(models), "--votes", str(votes),
                             "--rounds", str(rounds), "--repeats", str(repeats))
        row = in_subprocess("--case", "row-level", "--models", str(models), "--votes", str(votes),
                            "--rounds", str(baseline_measured))
        row_total = row["fit"] + baseline_target * row["per_round"]
        difference = max(abs(x - y) for x, y in zip(ours["ratings"], row["ratings"]))
        print(f"{models:>6} {ours['aggregate']:>9.3f}s {ours['fit']:>7.4f}s "
              f"{ours['bootstrap']:>9.3f}s {ours['total']:>7.3f}s {ours['peak_mib']:>9.1f} | "
              f"{row['fit']:>7.2f}s {row['per_round']:>8.2f}s {row_total:>10.1f}s "
              f"{row['peak_mib']:>8.1f} {difference:>8.4f} {row_total / ours['total']:>8.0f}x")
        met &= ours["total"] < 1.0 and ours["peak_mib"] < 300
    how = "extrapolated" if baseline_measured < baseline_target else "measured"
    print(f"speed-up = row-level (fit + {baseline_target} rounds, {how}) / ours "
          f"(aggregate + fit + {rounds} rounds); max |Δ| = largest rating difference, points")
    print(f"targets (total < 1 s, peak < 300 MiB for {votes:,} votes, {rounds} rounds): "
          f"{'MET' if met else 'NOT MET'}")
    files_report(votes, rounds, repeats)


if __name__ == "__main__":
    main()
