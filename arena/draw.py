"""The contest's pair draw: which probabilities a battle's pair is drawn with, and the cache
that holds the decision-aimed ones.

One rule, one home: arena.services.battle_start and the PostgreSQL fast path
(arena.fast_start) both call `pair_choose`. A contest drawing uniformly draws uniformly. A
contest drawing toward the decision draws with the pair probabilities the boards' refresh
stored here (voting.boards, from the statistics package, with a floor), never recomputed per
battle: a bootstrap per start would cost the start its budget. When they are missing (not yet
computed, the cache emptied) or unusable, the draw falls back to uniform and says so in the log:
a sampler fault never stops a battle. Nothing a citizen sees depends on the setting.
"""
import logging
import random
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from django.core.cache import cache

from arena.sampling import PairProbabilitiesInvalid, pair_draw, pair_key
from contest.models import Contest

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A day: the boards are recomputed every few minutes while a contest is open; past this the
# draw is uniform again until the next refresh rather than aimed by stale figures.
CACHE_SECONDS = 24 * 3600


def _cache_key(contest_id: int) -> str:
    return f"arena:draw:{contest_id}"


def draw_probabilities_store(*, contest_id: int, probabilities: dict[tuple[int, int], float] | None) -> None:
    """Store the decision-aimed probability of each pair of entrant ids (None forgets them)."""
    if probabilities is None:
        cache.delete(_cache_key(contest_id))
        return
    rows = [[int(a), int(b), float(p)] for (a, b), p in probabilities.items()]
    cache.set(_cache_key(contest_id), rows, CACHE_SECONDS)


def _mapping(rows) -> dict[frozenset, float] | None:
    if rows is None:
        return None
    return {pair_key(a, b): p for a, b, p in rows}


def draw_probabilities(contest_id: int) -> dict[frozenset, float] | None:
    """Return the stored decision-aimed probabilities of a contest's pairs, or None (also when
    the cache cannot be read or holds something else: logged, and the draw is uniform)."""
    try:
        return _mapping(cache.get(_cache_key(contest_id)))
    except Exception:  # noqa: BLE001 - a sampler fault must never stop a battle
        logger.exception("contest %s: the pair probabilities could not be read", contest_id)
        return None


async def adraw_probabilities(contest_id: int) -> dict[frozenset, float] | None:
    """draw_probabilities, for the fast path's event loop."""
    try:
        return _mapping(await cache.aget(_cache_key(contest_id)))
    except Exception:  # noqa: BLE001 - as draw_probabilities
        logger.exception("contest %s: the pair probabilities could not be read", contest_id)
        return None


def pair_choose(candidates: Sequence[T], *, pair_draw_setting: str, contest_id: int,
                probabilities: dict[frozenset, float] | None, key: Callable[[T], Hashable],
                rng: random.Random | None = None) -> tuple[T, T, float]:
    """Return (left, right, the probability the pair was drawn with) for the contest's setting.

    `probabilities` are the stored ones (draw_probabilities), read only when the contest draws
    toward the decision. Falls back to uniform, logged, when they are missing or unusable.
    Raises ValueError with fewer than two candidates, as pair_draw does.
    """
    if pair_draw_setting == Contest.PairDraw.DECISION:
        if probabilities is None:
            logger.info("contest %s: no decision-aimed pair probabilities yet; drawing uniformly",
                        contest_id)
        else:
            try:
                return pair_draw(candidates, probabilities=probabilities, key=key, rng=rng)
            except PairProbabilitiesInvalid as error:
                logger.warning("contest %s: the decision-aimed draw failed (%s); drawing uniformly",
                               contest_id, error)
            except Exception:  # noqa: BLE001 - a sampler fault must never stop a battle
                logger.exception("contest %s: the decision-aimed draw failed; drawing uniformly",
                                 contest_id)
    return pair_draw(candidates, key=key, rng=rng)
