"""The contest's decision: who advances, how likely, and a "decided" that survives re-checking."""
import numpy as np
import pytest

from stats.counts import PairCounts, aggregate
from stats.decision import Rule, advance, advance_probabilities, leaderboard_with_advance
from stats.ratings import bootstrap_with_fit, fit_bradley_terry, leaderboard_from_counts
from tests.stats.simulation import simulate

MODELS = ("A", "B", "C")
FIRST, SECOND = np.array([0, 0, 1]), np.array([1, 2, 2])


def test_the_probability_of_advancing_is_the_share_of_the_boards_own_refits():
    # Given 600 votes among five models and the board's fit and refits.
    a, b, w = simulate(np.array([1100, 1060, 1040, 980, 900.0]), 600, np.random.default_rng(2))
    counts = aggregate(a, b, w)
    ratings, resampled = bootstrap_with_fit(counts, rounds=500, seed=0)

    # When the decision for k = 2 is read with the board.
    board = leaderboard_with_advance(counts, Rule(2), bootstrap_rounds=500, seed=0)

    # Then each probability is the share of refits with the model in the top two, the board's
    # figures are the plain board's, and the probabilities sum to k.
    top_two = np.argsort(-resampled, axis=1)[:, :2]
    for i, model in enumerate(counts.models):
        assert board["advance"]["models"][model] == pytest.approx((top_two == i).any(axis=1).mean(),
                                                                  abs=1e-4)
    assert board["models"] == leaderboard_from_counts(counts, bootstrap_rounds=500)["models"]
    assert sum(board["advance"]["models"].values()) == pytest.approx(2, abs=1e-3)
    assert board["advance"]["set"] == [row["model"] for row in board["models"][:2]]
    assert set(board["advance"]) == {"k", "confidence", "models", "decided", "set"}


def test_a_clear_field_is_decided_and_a_close_cut_is_not():
    rng = np.random.default_rng(4)
    clear = aggregate(*simulate(np.array([1300, 1000, 700.0]), 900, rng))
    close = aggregate(*simulate(np.array([1010, 1000, 700.0]), 900, rng))

    clear_board = leaderboard_with_advance(clear, Rule(1), bootstrap_rounds=200)
    close_board = leaderboard_with_advance(close, Rule(1), bootstrap_rounds=200)

    assert clear_board["advance"]["decided"] and clear_board["advance"]["set"] == ["A"]
    assert not close_board["advance"]["decided"]
    assert clear_board["advance"]["models"]["A"] == 1.0


def test_decided_is_wrong_at_most_five_percent_of_contests_looked_at_every_100_votes():
    # Given contests whose two best models are equally strong (so any winner declared is a
    # wrong declaration), looked at after every 100 votes up to 3000.
    rng = np.random.default_rng(31)
    truth = np.array([1050, 1050, 950.0])
    rule = Rule(1, 0.95)
    contests, declared, naive = 60, 0, 0
    for _ in range(contests):
        a, b, w = simulate(truth, 3000, rng)
        once_naive = False
        for votes in range(100, 3001, 100):
            counts = aggregate(a[:votes], b[:votes], w[:votes])
            ratings = fit_bradley_terry(counts)
            if advance(counts, ratings, ratings[None], rule)["decided"]:
                declared += 1
                break
            # What a plain 95% check re-read at every look would say: a one-sided z above 1.645.
            if not once_naive:
                once_naive = _plain_z(counts, ratings) > 1.645
        naive += once_naive

    # Then the anytime-valid flag is wrong in at most 5% of contests, where a plain 95% check
    # repeated at every look is wrong far more often.
    assert declared / contests <= 0.05
    assert naive / contests > 0.15


def _plain_z(counts, ratings):
    from stats.decision import cut_contrasts
    inside = ratings == ratings.max()
    _, _, z, _ = cut_contrasts(counts, ratings, inside)
    return z.min()


def test_a_tie_at_the_cut_is_shared_or_counted_for_all_by_the_declared_rule():
    resampled = np.array([[3.0, 2.0, 2.0, 1.0], [3.0, 2.0, 1.0, 2.0]])
    assert advance_probabilities(resampled, 2, "share").tolist() == [1.0, 0.5, 0.25, 0.25]
    assert advance_probabilities(resampled, 2, "all").tolist() == [1.0, 1.0, 0.5, 0.5]


def test_a_tie_at_the_cut_on_the_board_is_never_decided():
    counts = aggregate(["A"] * 40 + ["B"] * 40, ["C"] * 40 + ["C"] * 40,
                       ["model_a"] * 80)
    ratings = fit_bradley_terry(counts)
    result = advance(counts, ratings, ratings[None], Rule(1))
    assert not result["decided"]
    assert result["models"] == {"A": 0.5, "B": 0.5, "C": 0.0}


@pytest.mark.parametrize("arguments, message", [
    ((0,), "k must be"), ((1.5,), "k must be"), ((1, 1.0), "confidence"), ((1, 0), "confidence"),
    ((1, 0.95, "coin"), "tie must be"),
])
def test_a_bad_rule_is_refused_with_a_clear_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        Rule(*arguments)


def test_k_must_leave_someone_out():
    counts = PairCounts(MODELS, FIRST, SECOND, np.ones(3), np.ones(3), np.zeros(3), np.zeros(3))
    ratings = fit_bradley_terry(counts)
    with pytest.raises(ValueError, match="below the number of models"):
        advance(counts, ratings, ratings[None], Rule(3))
