"""Fixtures shared by voting's export tests."""
import pytest

from contest.models import Contest
from contest.services import contest_transition
from tests.factories import CategoryFactory, ContestFactory, EntrantFactory, votes_simulate
from voting.models import Vote


@pytest.fixture
def closed_contest(db):
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo")
    category = CategoryFactory(name="코딩")
    entrants = [EntrantFactory(contest=contest) for _ in range(4)]
    votes_simulate(contest, entrants, 60, category=category)
    Vote.objects.filter(pk=Vote.objects.order_by("pk").first().pk).update(excluded="중복 투표")
    return contest_transition(contest=contest, to=Contest.Phase.CLOSED)
