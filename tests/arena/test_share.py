"""Keeping a battle: the opt-in, revocable share link and its read-only page, and the model
cards shown after the vote (issue 32)."""
import datetime
import json
import re

import pytest
from django.test import Client

from arena.models import BattleShare
from contest.models import Entrant
from tests.conftest import notice_accept
from tests.arena.test_api import assert_error, battle_finish, post
from tests.voting.test_reasons import reasons, voted

pytestmark = pytest.mark.django_db


def test_nothing_is_shared_until_the_owner_asks_and_the_page_shows_no_voter_data(entrants):
    owner = notice_accept(Client())
    battle_id = voted(owner, choice="b")
    reasons(owner, battle_id, {"reasons": ["accurate"], "comment": "비밀스러운 한마디"})

    # Given no share asked for: there is no link
    assert not BattleShare.objects.exists()

    # When the owner asks for one
    made = post(owner, f"/api/battles/{battle_id}/share")

    # Then the link is unguessable (not the battle's id) and the page shows the battle
    assert made.status_code == 201, made.content
    url = made.json()["url"]
    token = url.strip("/").split("/")[-1]
    assert len(token) >= 32 and battle_id not in url
    page = Client().get(url)
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    html = page.content.decode()
    turns = json.loads(re.search(r'<script id="shared-turns" type="application/json">(.*?)</script>', html).group(1))
    assert turns == [{"prompt": "한글 맞춤법을 알려 줘", "a": "답", "b": "답"}]
    assert "한글 맞춤법을 알려 줘" in html
    assert entrants[0].team.name in html or entrants[1].team.name in html or entrants[2].team.name in html
    # but nothing of the voter: not their choice, reasons, comment or session
    assert "비밀스러운 한마디" not in html and "accurate" not in html
    assert "B가 더 좋음" not in html and "내 선택" not in html
    assert owner.session.session_key not in html

    # And asking again gives the same link
    assert post(owner, f"/api/battles/{battle_id}/share").json()["url"] == url


def test_a_revoked_link_answers_404_and_only_the_owner_may_share_or_revoke(entrants):
    owner = notice_accept(Client())
    battle_id = voted(owner)
    url = post(owner, f"/api/battles/{battle_id}/share").json()["url"]

    # Someone else can neither share nor revoke it
    assert_error(post(Client(), f"/api/battles/{battle_id}/share"), 403, "forbidden")
    assert_error(Client().delete(f"/api/battles/{battle_id}/share"), 403, "forbidden")
    assert Client().get(url).status_code == 200

    # When the owner revokes it, the link is gone for good
    assert owner.delete(f"/api/battles/{battle_id}/share").status_code == 204
    assert Client().get(url).status_code == 404
    assert not BattleShare.objects.exists()
    # and a new share is a new address
    again = post(owner, f"/api/battles/{battle_id}/share").json()["url"]
    assert again != url
    assert Client().get(url).status_code == 404


def test_a_battle_cannot_be_shared_before_its_vote_and_unknown_links_are_404(entrants):
    owner = notice_accept(Client())
    battle_id = post(owner, "/api/battles", {"prompt": "질문"}).json()["id"]
    battle_finish(battle_id)
    assert_error(post(owner, f"/api/battles/{battle_id}/share"), 409, "not_voted")
    assert_error(post(owner, "/api/battles/00000000-0000-0000-0000-000000000000/share"), 404, "not_found")
    assert not BattleShare.objects.exists()
    assert Client().get("/shared/no-such-token/").status_code == 404


def test_model_cards_appear_only_after_the_vote_with_what_the_team_declared(entrants):
    Entrant.objects.update(card_parameters="32B", card_license="Apache-2.0", card_open_weights=True,
                           card_released=datetime.date(2026, 7, 1), card_url="https://example.org/model")
    owner = notice_accept(Client())
    battle_id = post(owner, "/api/battles", {"prompt": "질문"}).json()["id"]
    battle_finish(battle_id)

    # Before the vote: no card (a card names the model as surely as the reveal)
    assert owner.get(f"/api/battles/{battle_id}").json()["cards"] is None

    # After the vote: each side's card
    post(owner, f"/api/battles/{battle_id}/vote", {"choice": "tie"})
    cards = owner.get(f"/api/battles/{battle_id}").json()["cards"]
    assert cards["a"] == {"parameters": "32B", "license": "Apache-2.0", "open_weights": True,
                          "released": "2026-07-01", "url": "https://example.org/model"}


def test_a_card_leaves_out_what_was_not_declared_and_any_link_that_is_not_http(entrants):
    Entrant.objects.update(card_url="javascript:alert(1)")  # an old row, past the admin's validator
    owner = notice_accept(Client())
    battle_id = voted(owner)
    card = owner.get(f"/api/battles/{battle_id}").json()["cards"]["a"]
    assert card == {"parameters": None, "license": None, "open_weights": None, "released": None, "url": None}
