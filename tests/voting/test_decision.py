"""The contest's decision on its declared board: `advance` on the board and in the API, equal to
what anyone recomputes from the published file; the aimed draw's probabilities refreshed with
the deciding board."""
import json

import pytest
from django.core.management import call_command
from django.test import Client

from arena import draw
from arena.sampling import pair_key
from contest.services import contest_rule_set
from stats.sampling import FLOOR
from tests.factories import EntrantFactory, votes_simulate
from voting import boards
from voting.decision import decision_of_record
from voting.models import Track

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(contest):
    draw.draw_probabilities_store(contest_id=contest.pk, probabilities=None)  # ids repeat
    return [EntrantFactory(contest=contest, display_name=f"Model-{i}") for i in range(5)]


def test_the_declared_board_carries_advance_and_the_api_serves_it(contest, field):
    contest_rule_set(contest=contest, rule={"advance_k": 2}, reason="테스트 규칙")
    votes_simulate(contest, field, 300, seed=4)

    api = Client().get("/api/leaderboard?track=citizen").json()
    expert = Client().get("/api/leaderboard?track=expert").json()

    advance = api["advance"]
    assert set(advance) == {"k", "confidence", "models", "decided", "set"}
    assert advance["k"] == 2 and advance["confidence"] == 0.95
    assert sum(advance["models"].values()) == pytest.approx(2, abs=1e-3)
    assert advance["set"] == [row["model"] for row in api["models"][:2]]
    assert expert["advance"] is None  # only the declared board decides


def test_a_rule_change_recomputes_the_decision_on_unchanged_votes(contest, field):
    contest = contest_rule_set(contest=contest, rule={"advance_k": 2}, reason="처음")
    votes_simulate(contest, field, 100, seed=1)
    first = boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)
    contest = contest_rule_set(contest=contest, rule={"advance_k": 3}, reason="세 팀으로")

    second = boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)

    assert first.payload["advance"]["k"] == 2 and second.payload["advance"]["k"] == 3
    decision = decision_of_record(contest=contest)
    assert decision["advance"] == second.payload["advance"]
    assert [change["reason"] for change in decision["changes"]] == ["처음", "세 팀으로"]


def test_the_probabilities_recomputed_from_the_published_file_equal_the_sites(
        contest, field, tmp_path, capsys):
    contest_rule_set(contest=contest, rule={"advance_k": 2}, reason="규칙")
    votes_simulate(contest, field, 250, seed=9)
    api = Client().get("/api/leaderboard?track=citizen").json()

    path = tmp_path / "votes.jsonl"
    call_command("export_votes", contest=contest.slug, output=str(path))
    capsys.readouterr()
    call_command("ratings", input=str(path), bootstrap=1000, seed=0, advance=2, json=True)
    cli = json.loads(capsys.readouterr().out)

    assert cli["advance"] == api["advance"]
    assert cli["models"] == api["models"]


def test_the_deciding_boards_refresh_caches_the_aimed_draw_with_its_floor(contest, field):
    contest = contest_rule_set(contest=contest, rule={"advance_k": 2, "pair_draw": "decision"},
                               reason="r")
    votes_simulate(contest, field, 200, seed=2)

    boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)

    cached = draw.draw_probabilities(contest.pk)
    ids = [entrant.pk for entrant in field]
    pairs = {pair_key(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]}
    assert set(cached) == pairs
    assert sum(cached.values()) == pytest.approx(1)
    assert min(cached.values()) >= FLOOR / len(pairs) - 1e-9


def test_the_leaderboards_files_carry_the_decision(contest, field, tmp_path):
    from openpyxl import load_workbook

    from voting import exports

    contest = contest_rule_set(contest=contest, rule={"advance_k": 2}, reason="규칙")
    votes_simulate(contest, field, 150, seed=6)
    site = boards.leaderboard_compute(contest=contest, track=Track.CITIZEN).payload["advance"]

    exports.leaderboards_export(contest=contest, directory=tmp_path)

    document = json.loads((tmp_path / "leaderboards.json").read_text(encoding="utf-8"))
    assert document["decision"]["advance"] == site
    assert document["decision"]["rule"]["k"] == 2
    assert [c["reason"] for c in document["decision"]["changes"]] == ["규칙"]
    sheet = load_workbook(tmp_path / "leaderboards.xlsx")["진출 결정"]
    shown = {row[0]: row[1] for row in sheet.iter_rows(min_row=5, max_row=9, values_only=True)}
    assert shown == site["models"]


def test_the_panel_decides_on_its_weighted_board(contest):
    import random

    from arena.models import Battle, Response, Turn
    from contest.models import Panel, PanelMember
    from voting.models import Vote
    from voting.pseudonyms import voter_hash

    # Given a panel of women and men, its board declared to decide one of three
    panel = Panel.objects.create(contest=contest, quotas={"gender": {"여성": 0.5, "남성": 0.5}})
    entrants = [EntrantFactory(contest=contest, display_name=f"P{i}") for i in range(3)]
    for n, gender in enumerate(["여성", "남성", "남성", "남성"]):
        PanelMember.objects.create(panel=panel, session_key=f"m{n}", age_band="20대", region="서울",
                                   gender=gender, ai_use="매일")
    contest = contest_rule_set(contest=contest, rule={"advance_k": 1, "decision_board": "panel"},
                               reason="평가단이 결정")
    rng = random.Random(0)
    for k in range(90):
        a, b = rng.sample(entrants, 2)
        battle = Battle.objects.create(contest=contest, session_key=f"m{k % 4}", entrant_a=a, entrant_b=b)
        turn = Turn.objects.create(battle=battle, index=0, prompt="질문")
        for side, entrant in (("a", a), ("b", b)):
            Response.objects.create(turn=turn, side=side, entrant=entrant, status="done", text="답")
        better = a if entrants.index(a) < entrants.index(b) else b
        choice = ("a" if better == a else "b") if rng.random() < 0.75 else ("b" if better == a else "a")
        Vote.objects.create(battle=battle, choice=choice, voter=voter_hash(f"m{k % 4}"))

    payload = boards.leaderboard_compute(contest=contest, track=Track.PANEL).payload

    # Then the decision is the raked board's, from its own refits
    assert payload["advance"] == payload["panel"]["advance"]
    assert payload["advance"]["k"] == 1
    assert sum(payload["advance"]["models"].values()) == pytest.approx(1, abs=1e-3)
    assert payload["advance"]["set"] == [payload["panel"]["raked"][0]["model"]]
