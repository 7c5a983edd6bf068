"""How many votes until the contest's decision (who advances) is declared, uniform or aimed draws?

Run: ``.venv/bin/python benchmarks/decision.py`` (200 contests per row; see docs/performance.md
for how long), ``--contests 20`` while trying things, ``--scale`` for the decision report on
1M votes alone. Figures and how to read them: docs/performance.md ("The contest's decision") and
docs/decision.md.

Simulated contests with the real sampler (stats.sampling.decision_probabilities, or uniform) and
the real ratings and decision code (stats.ratings, stats.decision): five entrants whose true
ratings have neighbours 10 to 80 points apart (drawn uniformly), 20% ties (a tie is half a win
each way, so P(a wins) + P(tie) / 2 is Bradley–Terry's), k = 4 and k = 2, 95% confidence. Votes
come in batches of 100 (the sampler's probabilities are recomputed before each batch, as a
cached sampler would) and the decision is looked at after every batch, as the console does;
the first look at which it says "decided" ends the contest. Reported per draw:

- votes until decided: median and 90th percentile over the contests (a contest still undecided
  at the cap counts as the cap; how many were is reported);
- wrong: the share of contests whose set, at its first declaration, is not the true top k;
- coverage: the share of the 95% bootstrap intervals (1000 rounds, the board's) at the first
  declaration that hold the model's true rating (centred like the fit).
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats.counts import WINNER_LABELS, PairCounts, aggregate, aggregate_encoded  # noqa: E402
from stats.decision import Rule, advance, leaderboard_with_advance  # noqa: E402
from stats.ratings import bootstrap_with_fit, fit_bradley_terry  # noqa: E402
from stats.sampling import decision_probabilities, pairs_of  # noqa: E402

MODELS = ("M1", "M2", "M3", "M4", "M5")
PAIRS = pairs_of(MODELS)
FIRST = np.array([MODELS.index(a) for a, _ in PAIRS])
SECOND = np.array([MODELS.index(b) for _, b in PAIRS])
TIE_SHARE = 0.20
BATCH = 100
CAP = 40_000
BOOTSTRAP_ROUNDS = 1000


def true_ratings(rng: np.random.Generator) -> np.ndarray:
    """Return five ratings, strongest first, neighbours 10 to 80 points apart, mean 1000."""
    ratings = np.r_[0.0, -np.cumsum(rng.uniform(10, 80, size=len(MODELS) - 1))]
    return ratings - ratings.mean() + 1000


def counts_of(first_wins, second_wins, ties) -> PairCounts:
    played = first_wins + second_wins + ties > 0
    return PairCounts(MODELS, FIRST[played], SECOND[played], first_wins[played],
                      second_wins[played], ties[played], np.zeros(int(played.sum())))


def contest(truth: np.ndarray, rule: Rule, aimed: bool, rng: np.random.Generator) -> dict:
    """Run one contest to its first declaration (or the cap) and return what it found."""
    win = 1 / (1 + 10 ** ((truth[SECOND] - truth[FIRST]) / 400))
    first_wins, second_wins, ties = (np.zeros(len(PAIRS)) for _ in range(3))
    counts = counts_of(first_wins, second_wins, ties)
    for votes in range(BATCH, CAP + 1, BATCH):
        if aimed:
            chances = decision_probabilities(counts, MODELS, rule)
            probabilities = np.array([chances[pair] for pair in PAIRS])
        else:
            probabilities = np.full(len(PAIRS), 1 / len(PAIRS))
        drawn = rng.choice(len(PAIRS), size=BATCH, p=probabilities)
        u = rng.random(BATCH)
        first = u < win[drawn] - TIE_SHARE / 2
        tie = ~first & (u < win[drawn] + TIE_SHARE / 2)
        first_wins += np.bincount(drawn[first], minlength=len(PAIRS))
        ties += np.bincount(drawn[tie], minlength=len(PAIRS))
        second_wins += np.bincount(drawn[~first & ~tie], minlength=len(PAIRS))
        counts = counts_of(first_wins, second_wins, ties)
        ratings = fit_bradley_terry(counts)
        if advance(counts, ratings, ratings[None], rule)["decided"]:
            break
    ratings, resampled = bootstrap_with_fit(counts, rounds=BOOTSTRAP_ROUNDS, seed=0)
    decision = advance(counts, ratings, resampled, rule)
    lower, upper = np.percentile(resampled, [2.5, 97.5], axis=0)
    truth_centred = truth - truth.mean() + 1000
    return {"votes": votes, "decided": decision["decided"],
            "wrong": decision["decided"] and set(decision["set"]) != set(MODELS[:rule.k]),
            "covered": ((lower <= truth_centred) & (truth_centred <= upper)).tolist()}


def row(k: int, aimed: bool, contests: int, seed: int) -> dict:
    # The same true ratings for both draws (a paired comparison); the votes' own randomness apart.
    truths, rng = np.random.default_rng(seed), np.random.default_rng([seed, aimed])
    rule = Rule(k)
    started = time.perf_counter()
    results = [contest(true_ratings(truths), rule, aimed, rng) for _ in range(contests)]
    votes = [r["votes"] for r in results]
    declared = [r for r in results if r["decided"]]
    covered = [c for r in declared for c in r["covered"]]
    return {"k": k, "draw": "aimed" if aimed else "uniform", "contests": contests,
            "median": statistics.median(votes), "p90": float(np.percentile(votes, 90)),
            "undecided": len(results) - len(declared),
            "wrong": sum(r["wrong"] for r in results) / max(len(declared), 1),
            "coverage": sum(covered) / max(len(covered), 1),
            "seconds": time.perf_counter() - started}


def scale(votes: int = 1_000_000) -> None:
    """Time the decision report (aggregate, fit, the board's bootstrap, advance) on 1M votes."""
    rng = np.random.default_rng(1)
    truth = true_ratings(rng)
    pair = rng.integers(len(PAIRS), size=votes)
    win = 1 / (1 + 10 ** ((truth[SECOND] - truth[FIRST]) / 400))
    u = rng.random(votes)
    labels = np.where(u < win[pair] - 0.1, "model_a",
                      np.where(u < win[pair] + 0.1, "tie", "model_b"))
    model_a = np.array(MODELS)[FIRST[pair]]
    model_b = np.array(MODELS)[SECOND[pair]]
    for label, count in (("text columns", lambda: aggregate(model_a, model_b, labels)),
                         # As the Ratings CLI reads a file: pyarrow dictionary-encodes the columns.
                         ("encoded columns", lambda: aggregate_encoded(
                             MODELS, FIRST[pair], SECOND[pair],
                             np.searchsorted(np.array(WINNER_LABELS), labels)))):
        started, cpu = time.perf_counter(), time.process_time()
        board = leaderboard_with_advance(count(), Rule(2), bootstrap_rounds=BOOTSTRAP_ROUNDS,
                                         seed=0)
        print(f"decision report on {votes:,} votes from {label} ({BOOTSTRAP_ROUNDS} bootstrap "
              f"rounds): {time.perf_counter() - started:.2f} s wall, "
              f"{time.process_time() - cpu:.2f} s CPU; decided {board['advance']['decided']}, "
              f"set {board['advance']['set']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--scale", action="store_true", help="only the 1M-vote timing")
    args = parser.parse_args()
    if not args.scale:
        print("| k | draw | contests | votes until decided: median | p90 | undecided at "
              f"{CAP:,} | wrong at first declaration | 95% interval coverage | seconds |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for k, aimed in itertools.product((4, 2), (False, True)):
            r = row(k, aimed, args.contests, args.seed + k)
            print(f"| {r['k']} | {r['draw']} | {r['contests']} | {r['median']:,.0f} | "
                  f"{r['p90']:,.0f} | {r['undecided']} | {r['wrong']:.1%} | {r['coverage']:.1%} | "
                  f"{r['seconds']:.0f} |", flush=True)
    scale()


if __name__ == "__main__":
    main()
