"""The demo shows the decision: a published first round (simulated votes) on /results/ and in
the console, and the open demo contest with its rule declared."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from arena.models import Battle
from contest.models import Contest

pytestmark = pytest.mark.django_db


def test_the_demo_round_is_published_with_its_decision(client, organizer_client, settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command("seed_demo_round", votes=150, stdout=out)

    contest = Contest.objects.get(slug="demo-round-1")
    assert contest.phase == Contest.Phase.PUBLISHED and contest.advance_k == 4
    assert Contest.objects.get(slug="demo").rule()["k"] == 4
    assert not Battle.objects.filter(contest=contest, pair_probability__isnull=True).exists()
    results = client.get("/results/?contest=demo-round-1").content.decode()
    assert 'id="decision-sentence"' in results and results.count('class="bar bar-') == 5
    assert "pair-draws.jsonl" in results
    console = organizer_client.get(f"{reverse('console')}?contest=demo-round-1").content.decode()
    assert 'id="decision-sentence"' in console

    call_command("seed_demo_round", votes=150, stdout=out)  # a second run leaves it alone
    assert Battle.objects.filter(contest=contest).count() == 150
