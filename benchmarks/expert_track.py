"""Time the expert track's pure computations at contest scale and print the figures (medians).

    .venv/bin/python benchmarks/expert_track.py [--pairs 20000] [--experts 60] [--runs 5]

Assignment: `pairs` pairs in 3 domains over `experts` experts (each in 1–2 domains, some with a
conflict of interest), k = 3, 2 gold per expert. Agreement: the resulting judgments (every
placement judged, experts agreeing with a latent truth 80% of the time) through
`expert.agreement.report`, plus pairwise Cohen's kappa.
"""
import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expert import agreement  # noqa: E402
from expert.assignment import ExpertSpec, PairSpec, assignments_plan  # noqa: E402

DOMAINS = ["law", "medicine", "coding"]
LABELS = ["model_a", "model_b", "tie", "tie (bothbad)"]


def roster(n_pairs: int, n_experts: int, rng: random.Random):
    pairs = [
        PairSpec(i, rng.choice(DOMAINS), frozenset(rng.sample(range(5), 2)), gold=i % 50 == 0)
        for i in range(n_pairs)
    ]
    experts = [
        ExpertSpec(
            1000 + n,
            frozenset(rng.sample(DOMAINS, rng.choice([1, 2]))),
            frozenset(rng.sample(range(5), 1)) if n % 5 == 0 else frozenset(),
        )
        for n in range(n_experts)
    ]
    return pairs, experts


def judgments(plan, pairs, rng: random.Random) -> list[dict]:
    truth = {p.id: rng.choice(LABELS) for p in pairs}
    rows = []
    for placement in plan.placements:
        label = truth[placement.pair] if rng.random() < 0.8 else rng.choice(LABELS)
        if placement.flipped and label in ("model_a", "model_b"):
            label = "model_b" if label == "model_a" else "model_a"
        a, b = ("M1", "M2") if not placement.flipped else ("M2", "M1")
        rows.append({
            "item_id": placement.pair, "expert": f"E-{placement.expert}", "model_a": a, "model_b": b,
            "winner": label, "criteria": {"accuracy": label if label != "tie (bothbad)" else "tie"},
            "gold": placement.pair % 50 == 0, "gold_winner": "model_a" if placement.pair % 50 == 0 else None,
            "excluded": "gold" if placement.pair % 50 == 0 else None,
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--experts", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(0)
    pairs, experts = roster(args.pairs, args.experts, rng)
    plan_times, report_times, cohen_times = [], [], []
    for run in range(args.runs):
        started = time.perf_counter()
        plan = assignments_plan(pairs, experts, k=3, gold_per_expert=2, seed=run)
        plan_times.append(time.perf_counter() - started)
        rows = judgments(plan, pairs, random.Random(run))
        started = time.perf_counter()
        result = agreement.report(rows)
        report_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        agreement.cohen_kappa_pairs(agreement.units_overall([r for r in rows if not r["excluded"]]))
        cohen_times.append(time.perf_counter() - started)
    print(f"pairs {args.pairs}, experts {args.experts}, assignments {len(plan.placements)}, "
          f"judgments {len(rows)}, runs {args.runs} (medians)")
    print(f"assignment plan:           {statistics.median(plan_times):.3f} s")
    print(f"agreement report:          {statistics.median(report_times):.3f} s "
          f"(alpha {result['alpha']}, fleiss {result['fleiss_kappa']})")
    print(f"pairwise Cohen's kappa:    {statistics.median(cohen_times):.3f} s")


if __name__ == "__main__":
    main()
