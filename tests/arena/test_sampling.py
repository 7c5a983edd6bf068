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
