"""No figure the board cannot stand behind: too small or estimate-less boards show counts only."""
import math

import numpy as np
import pytest

from stats.counts import aggregate
from stats.evidence import (DISCONNECTED, ESTIMATE_ON_BOUND, NO_ESTIMATE, NO_VOTES,
                            TOO_FEW_BATTLES, ratings_withheld)
from stats.ratings import fit_bradley_terry, leaderboard
from tests.stats.simulation import simulate


def test_a_nine_vote_board_shows_no_ratings():
    # Given the nine votes a citizen tried: one model won all its battles.
    a = ["A", "A", "B", "C", "D", "A", "B", "C", "E"]
    b = ["B", "C", "C", "D", "E", "D", "E", "E", "D"]
    w = ["model_a", "model_a", "model_b", "tie", "model_a", "model_a", "model_b", "model_a",
         "model_b"]
    board = leaderboard(a, b, w, bootstrap_rounds=200)

    # Then it is withheld for too few battles, and would be for a missing estimate anyway.
    assert ratings_withheld(board, min_battles=20) == TOO_FEW_BATTLES
    assert ratings_withheld(board, min_battles=0) == NO_ESTIMATE
    assert all(math.isfinite(row["rating"]) for row in board["models"])


def test_empty_and_disconnected_boards_are_withheld():
    assert ratings_withheld(leaderboard([], [], []), min_battles=0) == NO_VOTES
    board = leaderboard(["A"] * 30 + ["C"] * 30, ["B"] * 30 + ["D"] * 30,
                        ["model_a", "model_b", "tie"] * 20, bootstrap_rounds=50)
    assert ratings_withheld(board, min_battles=0) == DISCONNECTED


def test_an_estimate_on_its_own_bound_is_withheld():
    board = {"votes": 10, "diagnostics": {}, "models": [
        {"model": "A", "rating": 1050.0, "ci_lower": 1000.0, "ci_upper": 1050.0, "battles": 50},
        {"model": "B", "rating": 950.0, "ci_lower": 900.0, "ci_upper": 1000.0, "battles": 50}]}
    assert ratings_withheld(board, min_battles=20) == ESTIMATE_ON_BOUND


def test_at_40000_votes_the_shown_ratings_are_the_plain_bradley_terry_fit():
    # Given 40,000 votes among five models.
    columns = simulate(np.array([1120, 1070, 1040, 980, 900.0]), 40_000, np.random.default_rng(8))

    # When the board is built.
    board = leaderboard(*columns, bootstrap_rounds=200)

    # Then it is shown, and each rating is the plain fit's within half a point.
    assert ratings_withheld(board, min_battles=20) is None
    counts = aggregate(*columns)
    plain = dict(zip(counts.models, fit_bradley_terry(counts)))
    for row in board["models"]:
        assert row["rating"] == pytest.approx(plain[row["model"]], abs=0.5)
