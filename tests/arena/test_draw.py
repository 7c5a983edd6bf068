"""The contest's pair draw: the battle records its pair's probability, the decision-aimed draw
reads the cached probabilities, and any fault falls back to uniform (logged), never stopping a
battle."""
import logging

import pytest

from arena import draw
from arena.models import Battle
from arena.sampling import pair_key
from arena.services import battle_start
from contest.models import Contest
from tests.factories import ContestFactory, EntrantFactory

pytestmark = pytest.mark.django_db


def _contest(setting: str, n: int = 4):
    contest = ContestFactory(pair_draw=setting)
    draw.draw_probabilities_store(contest_id=contest.pk, probabilities=None)  # ids repeat across tests
    return contest, [EntrantFactory(contest=contest) for _ in range(n)]


def test_a_uniform_contests_battle_records_its_pairs_probability(settings):
    contest, _entrants = _contest(Contest.PairDraw.UNIFORM)
    battle = battle_start(session_key="s1", prompt="안녕", contest=contest)
    assert Battle.objects.get(pk=battle.pk).pair_probability == pytest.approx(1 / 6)


def test_a_decision_contest_draws_with_the_cached_probabilities():
    # Given a contest aiming at the decision, its probabilities cached: one pair favoured
    contest, entrants = _contest(Contest.PairDraw.DECISION)
    ids = [entrant.pk for entrant in entrants]
    favoured = (ids[1], ids[2])
    floor = 0.01
    probabilities = {(a, b): floor for i, a in enumerate(ids) for b in ids[i + 1:]}
    probabilities[favoured] = 1 - floor * 5
    draw.draw_probabilities_store(contest_id=contest.pk, probabilities=probabilities)
    # When battles start
    battles = [battle_start(session_key=f"s{i}", prompt="안녕", contest=contest) for i in range(30)]
    # Then most meet the favoured pair, each recorded with its probability
    stored = Battle.objects.filter(pk__in=[b.pk for b in battles])
    met = [b for b in stored if pair_key(b.entrant_a_id, b.entrant_b_id) == pair_key(*favoured)]
    assert len(met) >= 20
    assert {round(b.pair_probability, 6) for b in met} == {round(1 - floor * 5, 6)}
    assert all(b.pair_probability >= floor for b in stored)


@pytest.mark.parametrize("cached", [None, "garbage", [[1, 2]], [[1, 2, float("nan")]]])
def test_a_sampler_failure_falls_back_to_uniform_logged_and_the_battle_starts(cached, caplog):
    contest, _entrants = _contest(Contest.PairDraw.DECISION, n=3)
    if cached is not None:
        from django.core.cache import cache

        cache.set(f"arena:draw:{contest.pk}", cached)
    with caplog.at_level(logging.INFO, logger="arena.draw"):
        battle = battle_start(session_key="s1", prompt="안녕", contest=contest)
    assert Battle.objects.get(pk=battle.pk).pair_probability == pytest.approx(1 / 3)
    assert any("uniform" in record.getMessage() or "could not be read" in record.getMessage()
               for record in caplog.records)
