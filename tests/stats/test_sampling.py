"""The next battle's pair: aimed at the decision, every pair still seen, the fit still unbiased."""
import random

import numpy as np
import pytest

from stats.counts import PairCounts, aggregate
from stats.decision import Rule
from stats.ratings import fit_bradley_terry
from stats.sampling import (FLOOR, decision_probabilities, pair_draw, pairs_of,
                            uniform_probabilities)

MODELS = ("M1", "M2", "M3", "M4", "M5")
TRUTH = np.array([1100, 1060, 1045, 990, 950.0])


def run(contest_votes, rule, rng, batch=100):
    """Simulate votes drawn by the aimed sampler; return the counts and every draw's chances."""
    pairs = pairs_of(MODELS)
    first = np.array([MODELS.index(a) for a, _ in pairs])
    second = np.array([MODELS.index(b) for _, b in pairs])
    win = 1 / (1 + 10 ** ((TRUTH[second] - TRUTH[first]) / 400))
    a, b, w, seen = [], [], [], []
    counts = aggregate([], [], [], models=MODELS)
    for _ in range(contest_votes // batch):
        chances = decision_probabilities(counts, MODELS, rule)
        seen.append(chances)
        drawn = rng.choice(len(pairs), size=batch, p=[chances[p] for p in pairs])
        u = rng.random(batch)
        a += [pairs[d][0] for d in drawn]
        b += [pairs[d][1] for d in drawn]
        w += ["model_a" if x < win[d] - 0.1 else "tie" if x < win[d] + 0.1 else "model_b"
              for d, x in zip(drawn, u)]
        counts = aggregate(a, b, w, models=MODELS)
    return counts, seen


def test_probabilities_sum_to_one_at_every_draw_and_no_pair_falls_below_the_floor():
    # Given a contest whose pairs are drawn toward the cut at k = 2, then at k = 4.
    for k in (2, 4):
        _, seen = run(2000, Rule(k), np.random.default_rng(k))

        # Then at every draw the ten pairs' probabilities sum to one, none is below the floor,
        # and the draw leans toward some pairs (it is not uniform).
        for chances in seen:
            assert len(chances) == 10
            assert sum(chances.values()) == pytest.approx(1, abs=1e-12)
            assert min(chances.values()) >= FLOOR / 10 - 1e-12
        assert max(seen[-1].values()) > 0.2


def test_the_fit_stays_unbiased_under_aimed_draws():
    # Given 30 contests of 2000 votes drawn toward the cut at k = 2.
    rng = np.random.default_rng(5)
    errors = []
    for _ in range(30):
        counts, _ = run(2000, Rule(2), rng, batch=200)
        errors.append(fit_bradley_terry(counts) - (TRUTH - TRUTH.mean() + 1000))
    errors = np.array(errors)

    # Then every model's fitted rating centres on its true one (within three standard errors).
    mean, standard_error = errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(len(errors))
    assert np.all(np.abs(mean) < 3 * standard_error + 1.0), (mean, standard_error)


def test_models_without_votes_and_a_k_without_a_cut_are_handled():
    counts = aggregate(["M1"] * 5, ["M2"] * 5, ["model_a"] * 5)
    chances = decision_probabilities(counts, MODELS, Rule(2))
    assert len(chances) == 10 and sum(chances.values()) == pytest.approx(1)
    assert decision_probabilities(counts, ("M1", "M2"), Rule(2)) == {("M1", "M2"): 1.0}
    assert uniform_probabilities(MODELS) == {pair: 0.1 for pair in pairs_of(MODELS)}


def test_bad_settings_are_refused():
    empty = PairCounts((), np.array([], int), np.array([], int), np.array([]), np.array([]),
                       np.array([]), np.array([]))
    with pytest.raises(ValueError, match="floor"):
        decision_probabilities(empty, MODELS, Rule(2), floor=1.5)
    with pytest.raises(ValueError, match="two models"):
        uniform_probabilities(["M1"])


def test_the_draw_returns_its_pair_in_either_order_with_its_probability():
    chances = {("M1", "M2"): 0.7, ("M1", "M3"): 0.2, ("M2", "M3"): 0.1}
    rng = random.Random(3)
    draws = [pair_draw(chances, rng=rng) for _ in range(4000)]
    assert all(p == chances[tuple(sorted((a, b)))] for a, b, p in draws)
    share = sum(tuple(sorted((a, b))) == ("M1", "M2") for a, b, _ in draws) / len(draws)
    assert share == pytest.approx(0.7, abs=0.03)
    left_first = sum(a == "M1" for a, b, _ in draws if {a, b} == {"M1", "M2"})
    assert left_first / (share * len(draws)) == pytest.approx(0.5, abs=0.05)
