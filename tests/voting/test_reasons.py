"""Reason tags after the vote: POST /api/battles/<id>/reasons, owner-only, after the vote,
replaceable while the contest is open, outside the vote's chain, published beside the dataset."""
import json

import pytest
from django.core.management import call_command
from django.test import Client

from contest.models import Contest
from tests.arena.test_api import assert_error, battle_finish, post
from tests.conftest import notice_accept
from voting import exports
from voting.companions import REASONS_FILE, REASONS_MANIFEST_FILE, reasons_publish
from voting.dataset import file_sha256
from voting.models import Vote, VoteReasons

pytestmark = pytest.mark.django_db


def voted(client, choice="a") -> str:
    """Start a battle as `client`, let both sides finish, vote `choice`; return the battle id."""
    battle_id = post(client, "/api/battles", {"prompt": "한글 맞춤법을 알려 줘"}).json()["id"]
    battle_finish(battle_id)
    assert post(client, f"/api/battles/{battle_id}/vote", {"choice": choice}).status_code == 200
    return battle_id


def reasons(client, battle_id, body, **extra):
    return post(client, f"/api/battles/{battle_id}/reasons", body, **extra)


def chain_intact() -> bool:
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_votes", "--json", stdout=out)
    except SystemExit:
        return False
    return json.loads(out.getvalue())["votes"]["problems"] == []


def test_reasons_are_stored_replaced_and_published_without_touching_the_vote(entrants, tmp_path):
    client = notice_accept(Client())
    battle_id = voted(client)
    vote = Vote.objects.get(battle_id=battle_id)

    # When the citizen ticks two reasons (in any order)
    given = reasons(client, battle_id, {"reasons": ["natural_korean", "accurate"]})

    # Then they are stored in the list's fixed order and said back
    assert given.status_code == 200, given.content
    assert given.json() == {"reasons": ["accurate", "natural_korean"]}
    assert VoteReasons.objects.get(vote=vote).tags == ["accurate", "natural_korean"]

    # And sending again replaces them (a mis-tap can be corrected)
    again = reasons(client, battle_id, {"reasons": ["concise"]})
    assert again.json() == {"reasons": ["concise"]}
    assert VoteReasons.objects.get(vote=vote).tags == ["concise"]

    # And the vote and its chain link are as they were: the chain stays intact
    after = Vote.objects.get(pk=vote.pk)
    assert (after.choice, after.chain_hash, after.chain_seq) == (vote.choice, vote.chain_hash, vote.chain_seq)
    assert chain_intact()

    # And the file published beside the vote dataset carries them, keyed by battle, while the
    # dataset keeps the contract's columns
    other = voted(notice_accept(Client()), choice="b")  # a vote without reasons
    contest = entrants[0].contest
    exports.dataset_export(contest=contest, directory=tmp_path)
    manifest = reasons_publish(contest=contest, folder=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / REASONS_FILE).read_text().splitlines()]
    assert rows == [{"battle_id": battle_id, "reasons": ["concise"]}]
    assert manifest["rows"] == 1
    assert manifest["files"] == {REASONS_FILE: file_sha256(tmp_path / REASONS_FILE)}
    assert json.loads((tmp_path / REASONS_MANIFEST_FILE).read_text()) == manifest
    votes = {json.loads(line)["battle_id"]: json.loads(line)
             for line in (tmp_path / "votes.jsonl").read_text().splitlines()}
    assert {battle_id, other} <= set(votes)
    assert all("reasons" not in row for row in votes.values())

    # And an empty list withdraws them
    assert reasons(client, battle_id, {"reasons": []}).json() == {"reasons": []}
    assert reasons_publish(contest=contest, folder=tmp_path)["rows"] == 0
    assert (tmp_path / REASONS_FILE).read_text() == ""


def test_both_bad_is_explained_by_what_was_wrong(entrants):
    client = notice_accept(Client())
    battle_id = voted(client, choice="both_bad")
    assert_error(reasons(client, battle_id, {"reasons": ["accurate"]}), 400, "invalid")
    assert not VoteReasons.objects.exists()
    assert reasons(client, battle_id, {"reasons": ["verbose", "inaccurate"]}).json() == {
        "reasons": ["inaccurate", "verbose"]}


@pytest.mark.parametrize("body", [
    {},
    {"reasons": "accurate"},
    {"reasons": {"accurate": True}},
    {"reasons": [1]},
    {"reasons": [None]},
    {"reasons": ["nope"]},
    {"reasons": ["accurate", "accurate"]},
    {"reasons": ["inaccurate"]},
    {"reasons": ["accurate", "detailed", "concise", "natural_korean", "safe", "grounded", "accurate"]},
    {"reasons": ["\ud800"]},
], ids=["missing", "string", "object", "number", "null", "unknown", "twice", "other-choice",
        "too-many", "surrogate"])
def test_bad_reasons_get_a_clear_error_and_change_nothing(entrants, body):
    client = notice_accept(Client())
    battle_id = voted(client)
    reasons(client, battle_id, {"reasons": ["safe"]})

    refused = reasons(client, battle_id, body)

    assert_error(refused, 400, "invalid")
    assert VoteReasons.objects.get().tags == ["safe"]


def test_only_the_owner_after_their_vote_while_the_contest_is_open(entrants):
    owner = notice_accept(Client())
    battle_id = post(owner, "/api/battles", {"prompt": "질문"}).json()["id"]
    battle_finish(battle_id)

    # Before the vote: nothing to explain yet
    assert_error(reasons(owner, battle_id, {"reasons": ["safe"]}), 409, "not_voted")
    post(owner, f"/api/battles/{battle_id}/vote", {"choice": "tie"})

    # Someone else, or a battle that does not exist
    assert_error(reasons(notice_accept(Client()), battle_id, {"reasons": ["safe"]}), 403, "forbidden")
    assert_error(reasons(owner, "00000000-0000-0000-0000-000000000000", {"reasons": ["safe"]}),
                 404, "not_found")

    # Once the contest is closed, the published dataset no longer changes
    Contest.objects.update(phase=Contest.Phase.CLOSED)
    assert_error(reasons(owner, battle_id, {"reasons": ["safe"]}), 409, "contest_closed")
    assert not VoteReasons.objects.exists()


def test_reasons_are_capped_per_voter(entrants, settings):
    client = notice_accept(Client())
    battle_id = voted(client)
    settings.ARENA = {**settings.ARENA, "LIMITS": {
        **settings.ARENA["LIMITS"], "reasons": {"voter": ["2/h"], "network": ["100/h"]}}}
    assert reasons(client, battle_id, {"reasons": ["safe"]}).status_code == 200
    assert reasons(client, battle_id, {"reasons": ["concise"]}).status_code == 200
    capped = reasons(client, battle_id, {"reasons": ["detailed"]})
    assert_error(capped, 429, "rate_limited")
    assert capped["Retry-After"]
    assert VoteReasons.objects.get().tags == ["concise"]


def test_wrong_method_and_no_csrf_are_refused(entrants):
    client = Client(enforce_csrf_checks=True)
    battle_id = voted(notice_accept(Client()))
    assert_error(client.get(f"/api/battles/{battle_id}/reasons"), 405, "method_not_allowed")
    assert_error(reasons(client, battle_id, {"reasons": ["safe"]}), 403, "csrf_failed")
