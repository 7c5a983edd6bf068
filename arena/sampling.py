"""Choose which two entrants meet in a battle. Pure: no Django, so it can be tested alone."""
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pair_sample(candidates: Sequence[T], *, rng: random.Random | None = None) -> tuple[T, T]:
    """Return two distinct candidates as (left, right).

    Every unordered pair is equally likely, and so is either order of the chosen pair, so
    neither a model nor a screen side is favoured. Raises ValueError with fewer than two.
    """
    if len(candidates) < 2:
        raise ValueError("a battle needs at least two candidates")
    rng = rng or random.SystemRandom()
    first, second = rng.sample(range(len(candidates)), 2)
    return candidates[first], candidates[second]
