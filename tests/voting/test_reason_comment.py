"""A comment beside the reason tags: optional, short, said back, replaceable, redacted like
prompts in the published file, and never part of the vote or its chain (issue 32)."""
import json

import pytest
from django.test import Client

from tests.conftest import notice_accept
from tests.arena.test_api import assert_error
from tests.voting.test_reasons import chain_intact, reasons, voted
from voting.companions import REASONS_FILE, reasons_publish
from voting.models import Vote, VoteReasons
from voting.reasons import COMMENT_MAX_CHARS

pytestmark = pytest.mark.django_db


def test_a_comment_is_stored_said_back_and_published_redacted_outside_the_chain(entrants, tmp_path):
    client = notice_accept(Client())
    battle_id = voted(client)
    vote = Vote.objects.get(battle_id=battle_id)

    # When the citizen ticks a tag and writes a comment that carries their phone number
    given = reasons(client, battle_id, {"reasons": ["accurate"],
                                        "comment": "  A가 더 친절했어요. 연락은 010-1234-5678  "})

    # Then it is said back and stored as typed (blanks around it dropped)
    assert given.status_code == 200, given.content
    assert given.json() == {"reasons": ["accurate"], "comment": "A가 더 친절했어요. 연락은 010-1234-5678"}
    assert VoteReasons.objects.get(vote=vote).comment == "A가 더 친절했어요. 연락은 010-1234-5678"

    # And the vote and its chain are untouched
    after = Vote.objects.get(pk=vote.pk)
    assert (after.choice, after.chain_hash, after.chain_seq) == (vote.choice, vote.chain_hash, vote.chain_seq)
    assert chain_intact()

    # And the published file carries it redacted, the manifest counting the redaction
    manifest = reasons_publish(contest=entrants[0].contest, folder=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / REASONS_FILE).read_text().splitlines()]
    assert rows == [{"battle_id": battle_id, "reasons": ["accurate"], "comment": "A가 더 친절했어요. 연락은 [전화번호]"}]
    assert manifest["redactions"]["mobile_phone"] == 1
    assert "010-1234-5678" not in (tmp_path / REASONS_FILE).read_text()

    # And tags sent again without a comment keep it; an empty comment withdraws it
    assert reasons(client, battle_id, {"reasons": ["concise"]}).json() == {"reasons": ["concise"]}
    assert VoteReasons.objects.get(vote=vote).comment.startswith("A가 더 친절했어요")
    reasons(client, battle_id, {"reasons": ["concise"], "comment": ""})
    assert VoteReasons.objects.get(vote=vote).comment == ""


def test_a_comment_alone_is_kept_and_published(entrants, tmp_path):
    client = notice_accept(Client())
    battle_id = voted(client, choice="tie")
    assert reasons(client, battle_id, {"reasons": [], "comment": "둘 다 괜찮았어요"}).status_code == 200
    reasons_publish(contest=entrants[0].contest, folder=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / REASONS_FILE).read_text().splitlines()]
    assert rows == [{"battle_id": battle_id, "reasons": [], "comment": "둘 다 괜찮았어요"}]


@pytest.mark.parametrize("comment", ["가" * (COMMENT_MAX_CHARS + 1), 12, ["x"], {"x": 1}, "\ud800"],
                         ids=["too-long", "number", "list", "object", "surrogate"])
def test_a_bad_comment_gets_a_clear_error_and_changes_nothing(entrants, comment):
    client = notice_accept(Client())
    battle_id = voted(client)
    reasons(client, battle_id, {"reasons": ["safe"], "comment": "처음 한마디"})

    refused = reasons(client, battle_id, {"reasons": ["concise"], "comment": comment})

    assert_error(refused, 400, "invalid")
    stored = VoteReasons.objects.get()
    assert (stored.tags, stored.comment) == (["safe"], "처음 한마디")


def test_a_comment_at_the_limit_is_kept(entrants):
    client = notice_accept(Client())
    battle_id = voted(client)
    comment = "가" * COMMENT_MAX_CHARS
    assert reasons(client, battle_id, {"reasons": [], "comment": comment}).status_code == 200
    assert VoteReasons.objects.get().comment == comment
