"""Leaderboards: snapshots from the database, the API, the export and the ratings CLI agree."""
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.core.management import CommandError, call_command
from django.test import Client

from arena.models import Response
from config.asgi import application
from tests.factories import CategoryFactory, EntrantFactory, votes_simulate
from voting import boards
from voting.models import LeaderboardSnapshot, Vote

pytestmark = pytest.mark.django_db

@pytest.fixture
def field(contest):
    return [EntrantFactory(contest=contest, display_name=f"Model-{i}") for i in range(4)]


def test_snapshot_ranks_the_strongest_first_and_records_the_vote_hash(contest, field):
    votes_simulate(contest, field, 300)

    snapshot = boards.leaderboard_compute(contest=contest, track="citizen")

    board = snapshot.payload
    assert board["votes"] == 300 == snapshot.votes
    assert board["models"][0]["model"] == "Model-0"
    assert [m["rank"] for m in board["models"]] == [1, 2, 3, 4]
    for model in board["models"]:
        assert model["ci_lower"] <= model["rating"] <= model["ci_upper"]
    assert len(snapshot.votes_sha256) == 64
    assert len(board["matrices"]["battle_count"]) == 4
    assert sum(day["votes"] for day in board["votes_over_time"]) == 300


def test_unchanged_votes_reuse_the_snapshot_and_a_new_vote_makes_a_new_one(contest, field):
    votes_simulate(contest, field, 50)
    first = boards.leaderboard_compute(contest=contest, track="citizen")
    assert boards.leaderboard_compute(contest=contest, track="citizen").pk == first.pk

    votes_simulate(contest, field, 1, seed=9)
    second = boards.leaderboard_compute(contest=contest, track="citizen")

    assert second.pk != first.pk and second.votes == 51
    assert second.votes_sha256 != first.votes_sha256


def test_excluded_votes_do_not_count_but_change_the_hash(contest, field):
    votes_simulate(contest, field, 40)
    before = boards.leaderboard_compute(contest=contest, track="citizen")
    Vote.objects.filter(pk=Vote.objects.first().pk).update(excluded="duplicate voter")

    after = boards.leaderboard_compute(contest=contest, track="citizen")

    assert after.votes == 39
    assert after.votes_sha256 != before.votes_sha256


def test_few_votes_are_marked_provisional(contest, field, settings):
    settings.LEADERBOARD = {**settings.LEADERBOARD, "PROVISIONAL_VOTES": 1000}
    votes_simulate(contest, field, 20)
    board = boards.leaderboard_compute(contest=contest, track="citizen").payload
    assert sorted(board["diagnostics"]["provisional"]) == [f"Model-{i}" for i in range(4)]
    assert board["provisional"] is True
    assert Client().get("/api/leaderboard?track=citizen").json()["provisional"] is True


def test_a_small_board_has_no_style_column_but_says_why(contest, field):
    # Given 20 votes, under LEADERBOARD_STYLE_MIN_VOTES.
    votes_simulate(contest, field, 20)

    # When the board is computed.
    style = boards.leaderboard_compute(contest=contest, track="citizen").payload["style_control"]

    # Then no style-controlled rating is given, and the status says the sample is too small.
    assert style["status"] == "too_few_votes" and style["models"] == []
    assert style["min_votes"] == 50 and style["votes"] == 20


def test_no_votes_gives_an_empty_board_not_an_error(contest, field):
    board = Client().get("/api/leaderboard").json()
    assert board["models"] == [] and board["votes"] == 0


def test_api_serves_tracks_and_categories_and_refuses_bad_ones(contest, field):
    coding = CategoryFactory(slug="coding")
    votes_simulate(contest, field, 60, category=coding)
    votes_simulate(contest, field, 30, seed=4)
    client = Client()

    overall = client.get("/api/leaderboard").json()
    by_category = client.get("/api/leaderboard?category=coding").json()
    expert = client.get("/api/leaderboard?track=expert").json()
    combined = client.get("/api/leaderboard?track=combined").json()

    assert overall["votes"] == 90 and by_category["votes"] == 60
    assert expert["models"] == [] and expert["votes"] == 0
    assert combined["models"] == overall["models"]
    assert overall["teams"]["Model-0"] == field[0].team.name
    for bad in ("?track=everyone", "?category=nope"):
        response = client.get("/api/leaderboard" + bad)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_cli_reproduces_the_api_from_the_export(contest, field, tmp_path, capsys):
    # Given votes, one of them excluded, and the published board
    votes_simulate(contest, field, 200, seed=3)
    Vote.objects.filter(pk=Vote.objects.order_by("pk").first().pk).update(excluded="flagged")
    api = Client().get("/api/leaderboard?track=citizen").json()

    # When anyone exports the votes and runs the ratings CLI on the file
    path = tmp_path / "votes.jsonl"
    call_command("export_votes", contest=contest.slug, output=str(path))
    capsys.readouterr()
    call_command("ratings", input=str(path), bootstrap=1000, seed=0, compact=True)
    cli = json.loads(capsys.readouterr().out)

    # Then the figures are the same, and the manifest's hash is the snapshot's
    assert cli["models"] == api["models"]
    assert cli["votes"] == api["votes"] == 199
    assert cli["method"] == api["method"] == "bradley-terry"
    manifest = json.loads((tmp_path / "votes.jsonl.manifest.json").read_text())
    assert manifest["rows"] == 200 and manifest["sha256"] == api["votes_sha256"]
    first = json.loads(path.read_text().splitlines()[0])
    assert set(first) == {
        "battle_id", "contest", "track", "category", "model_a", "model_b", "winner",
        "turns", "created_at", "voter", "excluded",
    }


def test_cli_names_the_malformed_line_and_ignores_unknown_fields(tmp_path):
    good = {"model_a": "x", "model_b": "y", "winner": "model_a", "extra": [1, 2]}
    path = tmp_path / "votes.jsonl"
    path.write_text(json.dumps(good) + "\n" + "{broken\n")
    with pytest.raises(CommandError, match="line 2"):
        call_command("ratings", input=str(path))

    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "winner": "draw"}) + "\n")
    with pytest.raises(CommandError, match="line 2: winner 'draw'"):
        call_command("ratings", input=str(path))

    path.write_text(json.dumps(good) + "\n" + json.dumps({"model_a": "x"}) + "\n")
    with pytest.raises(CommandError, match="line 2: missing"):
        call_command("ratings", input=str(path))

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ratings", input=str(tmp_path / "missing.jsonl"))


def test_cli_skips_excluded_rows(tmp_path, capsys):
    rows = [{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 3 + [
        {"model_a": "x", "model_b": "y", "winner": "model_b", "excluded": "bot"}
    ]
    path = tmp_path / "votes.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + json.dumps(rows[0] | {"winner": "model_b"}) + "\n")
    call_command("ratings", input=str(path), bootstrap=0, compact=True)
    board = json.loads(capsys.readouterr().out)
    assert board["votes"] == 4
    assert {m["model"]: m["battles"] for m in board["models"]} == {"x": 4, "y": 4}


@pytest.mark.django_db(transaction=True)
async def test_leaderboard_page_is_told_when_a_snapshot_lands(contest, field):
    from asgiref.sync import sync_to_async

    socket = WebsocketCommunicator(
        application, "/ws/leaderboard/", headers=[(b"origin", b"http://testserver")]
    )
    connected, _ = await socket.connect()
    assert connected
    await sync_to_async(votes_simulate)(contest, field, 10)

    await sync_to_async(boards.leaderboard_compute)(contest=contest, track="citizen")

    message = await socket.receive_json_from(timeout=3)
    assert message == {"type": "leaderboard", "track": "citizen", "category": None}
    await socket.disconnect()


def test_refresh_computes_every_track_and_category(contest, field):
    CategoryFactory()
    votes_simulate(contest, field, 10)
    call_command("leaderboards_refresh", contest=contest.slug)
    # Four tracks (citizen, expert, combined, panel), overall and for the one category.
    assert LeaderboardSnapshot.objects.count() == 8


def test_leaderboard_page_is_korean_with_its_plots(db):
    page = Client().get("/leaderboard/").content.decode()
    assert '<html lang="ko">' in page and "순위 상한" in page and "95% 신뢰구간" in page
    assert "plot-winrate" in page and "https://" not in page


def test_style_control_sees_that_longer_answers_won(contest, field):
    # Given votes in which the side with the longer answer always won
    votes_simulate(contest, field, 120, seed=5)
    for vote in Vote.objects.select_related("battle"):
        long_side = "a" if vote.choice in ("a", "tie") else "b"
        Response.objects.filter(turn__battle=vote.battle, side=long_side).update(text="긴 답변 " * 80)
        Response.objects.filter(turn__battle=vote.battle).exclude(side=long_side).update(text="짧음")

    board = boards.leaderboard_compute(contest=contest, track="citizen").payload

    # Then the style-controlled view lists every model and credits length, not the models
    style = board["style_control"]
    assert sorted(m["model"] for m in style["models"]) == [f"Model-{i}" for i in range(4)]
    assert style["coefficients"]["length"] > 0.5
    plain_spread = board["models"][0]["rating"] - board["models"][-1]["rating"]
    style_spread = style["models"][0]["rating"] - style["models"][-1]["rating"]
    assert style_spread < plain_spread


def test_organizer_recomputes_boards_from_the_admin(contest, field, admin_client):
    # Given votes and no snapshot yet
    votes_simulate(contest, field, 30)
    # When an organizer runs the admin action on the contest
    response = admin_client.post(
        "/admin/contest/contest/",
        {"action": "leaderboards_refresh", "_selected_action": [contest.pk]},
        follow=True,
    )
    # Then every track's board exists and the organizer is told so
    assert response.status_code == 200
    assert LeaderboardSnapshot.objects.filter(contest=contest, category=None).count() == 4
    assert "다시 계산했습니다" in response.content.decode()


def test_api_reads_come_from_the_cache_until_a_new_snapshot_lands(
    contest, field, django_assert_num_queries
):
    client = Client()
    votes_simulate(contest, field, 30)
    boards.leaderboard_compute(contest=contest, track="citizen")
    first = client.get("/api/leaderboard").json()

    # Given a board already served, when it is read again, then no query reaches the database.
    with django_assert_num_queries(0):
        again = client.get("/api/leaderboard").json()
    assert again == first

    # When new votes are counted, then the next read shows the new snapshot at once.
    votes_simulate(contest, field, 5, seed=3)
    boards.leaderboard_compute(contest=contest, track="citizen")
    assert client.get("/api/leaderboard").json()["votes"] == 35 != first["votes"]


def test_leaderboard_page_follows_the_contest_phase_at_once(contest):
    from contest.services import contest_transition

    assert Client().get("/leaderboard/").context["contest"].phase == contest.phase

    contest_transition(contest=contest, to="paused", actor=None)

    assert Client().get("/leaderboard/").context["contest"].phase == "paused"


def test_a_board_without_enough_evidence_says_its_ratings_are_withheld(contest, field, client):
    # Given a board of nine votes, then one of 300.
    votes_simulate(contest, field, 9, seed=5)
    small = boards.leaderboard_compute(contest=contest, track="citizen").payload
    votes_simulate(contest, field, 291, seed=6)
    large = boards.leaderboard_compute(contest=contest, track="citizen").payload

    # Then the small one flags its ratings as not to be shown, with the reason, and keeps every
    # key of the contract; the large one shows them.
    assert small["ratings_shown"] is False and small["ratings_withheld"] == "too_few_battles"
    assert {"models", "method", "votes"} <= set(small)
    assert {"rating", "ci_lower", "ci_upper", "rank", "rank_ub", "battles", "win_rate"} <= set(
        small["models"][0])
    assert large["ratings_shown"] is True and large["ratings_withheld"] is None
