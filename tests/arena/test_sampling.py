import random
from collections import Counter

import pytest

from arena.sampling import pair_sample


def test_pair_sample_returns_two_distinct_candidates():
    rng = random.Random(1)
    for _ in range(200):
        left, right = pair_sample(["a", "b", "c"], rng=rng)
        assert left != right


def test_every_pair_and_both_sides_are_about_equally_likely():
    # Given five entrants and a seeded generator
    rng = random.Random(42)
    entrants = ["hcx", "exaone", "ax", "solar", "varco"]
    draws = 20_000
    # When many battles are drawn
    ordered = Counter(pair_sample(entrants, rng=rng) for _ in range(draws))
    # Then all 20 ordered pairs appear, each near 1/20 of the draws (5 sigma band)
    assert len(ordered) == 20
    expected = draws / 20
    for count in ordered.values():
        assert abs(count - expected) < 5 * (expected**0.5)
    # And each entrant stands on the left as often as on the right
    left = Counter(pair[0] for pair in ordered.elements())
    right = Counter(pair[1] for pair in ordered.elements())
    for entrant in entrants:
        appearances = left[entrant] + right[entrant]
        assert abs(left[entrant] - right[entrant]) < 5 * appearances**0.5


def test_injected_rng_makes_the_draw_reproducible():
    entrants = list(range(10))
    first = [pair_sample(entrants, rng=random.Random(7)) for _ in range(5)]
    second = [pair_sample(entrants, rng=random.Random(7)) for _ in range(5)]
    assert first == second


@pytest.mark.parametrize("candidates", [[], ["only"]])
def test_fewer_than_two_candidates_is_refused(candidates):
    with pytest.raises(ValueError):
        pair_sample(candidates)


# --- the draw with probabilities (issue 31) ------------------------------------------------

from arena.sampling import PairProbabilitiesInvalid, pair_draw, pair_key  # noqa: E402

FIVE = ["hcx", "exaone", "ax", "solar", "varco"]


def _aimed(floor: float) -> dict:
    """Probabilities leaning hard on one pair, every pair keeping at least `floor`."""
    pairs = [pair_key(a, b) for i, a in enumerate(FIVE) for b in FIVE[i + 1:]]
    rest = 1 - floor * len(pairs)
    return {pair: floor + (rest if pair == pair_key("ax", "solar") else 0) for pair in pairs}


def test_uniform_draw_records_the_probability_of_its_pair_and_they_sum_to_one():
    left, right, probability = pair_draw(FIVE, rng=random.Random(3))
    assert left != right
    assert probability == pytest.approx(1 / 10)


def test_aimed_draw_records_probabilities_that_sum_to_one_and_none_below_the_floor():
    # Given decision-aimed probabilities with a floor of 2% and one entrant out of sampling
    floor = 0.02
    probabilities = _aimed(floor)
    candidates = [name for name in FIVE if name != "hcx"]
    rng = random.Random(11)
    # When many battles are drawn
    seen = {}
    for _ in range(5_000):
        left, right, probability = pair_draw(candidates, probabilities=probabilities, rng=rng)
        seen[pair_key(left, right)] = probability
    # Then every pair among the candidates was drawn, recorded with one probability each,
    # which sum to one, and none is below the floor
    assert len(seen) == 6
    assert sum(seen.values()) == pytest.approx(1.0)
    assert min(seen.values()) >= floor
    # And the favoured pair is drawn with its recorded probability
    assert seen[pair_key("ax", "solar")] > 0.8


def test_aimed_draw_keeps_sides_fair():
    rng = random.Random(5)
    probabilities = _aimed(0.05)
    left = Counter(pair_draw(FIVE, probabilities=probabilities, rng=rng)[0] for _ in range(4000))
    assert abs(left["ax"] - left["solar"]) < 5 * (left["ax"] + left["solar"]) ** 0.5


@pytest.mark.parametrize("broken", [
    {},
    {pair_key("a", "b"): float("nan"), pair_key("a", "c"): 0.5, pair_key("b", "c"): 0.5},
    {pair_key("a", "b"): -1, pair_key("a", "c"): 0.5, pair_key("b", "c"): 0.5},
    {pair_key("a", "b"): 0, pair_key("a", "c"): 0, pair_key("b", "c"): 0},
    {pair_key("a", "b"): "0.3", pair_key("a", "c"): 0.5, pair_key("b", "c"): 0.5},
])
def test_unusable_probabilities_are_refused(broken):
    with pytest.raises(PairProbabilitiesInvalid):
        pair_draw(["a", "b", "c"], probabilities=broken)
