"""How small may a board be before its ratings and intervals stop meaning what they say?

Run: ``.venv/bin/python benchmarks/small_boards.py`` (``--contests 50`` while trying things).
Figures and the threshold they decide: docs/performance.md ("Small boards") and
docs/leaderboard.md (settings.LEADERBOARD["MIN_BATTLES_RATED"]).

Simulated boards with the real ratings code (stats.ratings.leaderboard, the board's 1000
bootstrap rounds) and the real rule (stats.evidence.ratings_withheld): five models whose true
ratings have neighbours 10 to 80 points apart, 20% ties, pairs drawn uniformly, so that each
model has about N battles. For each N: how often the 95% intervals hold the true rating (all
boards, as if every board were shown), how often the estimate does not exist or sits on its own
bound, and the coverage on the boards the other checks would still show.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.decision import FIRST, MODELS, PAIRS, SECOND, true_ratings  # noqa: E402
from stats.evidence import NO_ESTIMATE, ratings_withheld  # noqa: E402
from stats.ratings import leaderboard  # noqa: E402

BATTLES = (5, 10, 15, 20, 30, 40, 60, 100)


def board(truth: np.ndarray, votes: int, rng: np.random.Generator) -> dict:
    pair = rng.integers(len(PAIRS), size=votes)
    win = 1 / (1 + 10 ** ((truth[SECOND] - truth[FIRST]) / 400))
    u = rng.random(votes)
    labels = np.where(u < win[pair] - 0.1, "model_a",
                      np.where(u < win[pair] + 0.1, "tie", "model_b"))
    names = np.array(MODELS)
    return leaderboard(names[FIRST[pair]], names[SECOND[pair]], labels,
                       models=MODELS, bootstrap_rounds=1000, seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print("| battles per model | coverage, every board | no estimate | estimate on its bound "
          "| coverage, boards otherwise shown |")
    print("| --- | --- | --- | --- | --- |")
    for battles in BATTLES:
        rng = np.random.default_rng([args.seed, battles])
        covered, shown_covered, no_estimate, on_bound = [], [], 0, 0
        for _ in range(args.contests):
            truth = true_ratings(rng)
            centred = dict(zip(MODELS, truth - truth.mean() + 1000))
            result = board(truth, battles * len(MODELS) // 2, rng)
            hits = [row["ci_lower"] <= centred[row["model"]] <= row["ci_upper"]
                    for row in result["models"]]
            covered += hits
            reason = ratings_withheld(result, min_battles=0)
            no_estimate += reason == NO_ESTIMATE
            on_bound += any(not row["ci_lower"] < row["rating"] < row["ci_upper"]
                            for row in result["models"])
            if reason is None:
                shown_covered += hits
        shown = f"{np.mean(shown_covered):.1%}" if shown_covered else "none shown"
        print(f"| {battles} | {np.mean(covered):.1%} | {no_estimate / args.contests:.1%} | "
              f"{on_bound / args.contests:.1%} | {shown} |", flush=True)


if __name__ == "__main__":
    main()
