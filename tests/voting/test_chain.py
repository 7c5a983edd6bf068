"""The votes' audit chain: every kind of tampering is caught by `manage.py verify_votes`."""
import json

import pytest
from django.core.management import call_command
from django.test import Client

import threading

from django.db import connection

from arena import services as arena_services
from arena.models import Battle, Response, Turn
from voting import chain
from voting.models import ChainHead, Vote
from voting.selectors import vote_chain_row
from voting.services import vote_cast
from tests.factories import votes_simulate

pytestmark = pytest.mark.django_db


def verify(*args) -> tuple[int, dict]:
    """Run verify_votes; return its exit code and JSON report."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_votes", "--json", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue())["votes"]


def kinds(report) -> set[str]:
    return {problem["kind"] for problem in report["problems"]}


@pytest.fixture
def chained(contest, entrants):
    votes_simulate(contest, entrants, 8)
    return list(Vote.objects.order_by("chain_seq"))


def test_cast_votes_form_an_intact_chain_whose_head_is_published(entrants):
    # Given votes cast through the service
    for n in range(3):
        battle = arena_services.battle_start(session_key=f"s{n}", prompt="질문")
        Response.objects.filter(turn__battle=battle).update(status="done", text="답")
        vote_cast(battle_id=battle.pk, session_key=f"s{n}", choice="a")

    # Then the chain is intact, and its head is the last vote and on the leaderboard API
    code, report = verify()
    assert code == 0 and report["problems"] == [] and report["length"] == 3
    last = Vote.objects.order_by("chain_seq").last()
    assert report["head"] == last.chain_hash == ChainHead.objects.get(name="votes").hash
    board = Client().get("/api/leaderboard").json()
    assert board["chain_head"] == {"name": "votes", "length": 3, "hash": last.chain_hash}


def test_altered_vote_is_caught(chained):
    Vote.objects.filter(pk=chained[3].pk).update(choice="b" if chained[3].choice != "b" else "a")
    code, report = verify()
    assert code == 1
    assert [(p["kind"], p["seq"]) for p in report["problems"]] == [("altered", 4)]


def test_deleted_vote_is_caught_in_the_middle_and_at_the_end(chained):
    Vote.objects.filter(pk=chained[2].pk).delete()
    code, report = verify()
    assert code == 1 and kinds(report) == {"deleted"}

    Vote.objects.filter(pk=chained[-1].pk).delete()
    code, report = verify()
    assert code == 1 and [p["key"] for p in report["problems"]][-1] == "head"


def test_inserted_vote_is_caught_whether_forged_or_not(chained, contest, entrants):
    # A row written around the service has no link at all
    battle = Battle.objects.create(
        contest=contest, session_key="x", entrant_a=entrants[0], entrant_b=entrants[1]
    )
    forged = Vote.objects.create(battle=battle, choice="a", voter="attacker")
    code, report = verify()
    assert code == 1 and kinds(report) == {"inserted"}

    # So is a row given a correct-looking link after an existing vote (positions are unique
    # in the database, so it has to go at the end), and one appended after the last vote
    for prev in (chained[4], chained[-1]):
        Vote.objects.filter(pk=forged.pk).update(
            chain_seq=len(chained) + 1,
            chain_prev=prev.chain_hash,
            chain_hash=chain.link_hash(prev.chain_hash, vote_chain_row(forged)),
        )
        code, report = verify()
        assert code == 1 and kinds(report) == {"inserted"}, report


def test_reordered_votes_are_caught(chained):
    first, second = chained[2], chained[5]
    Vote.objects.filter(pk=first.pk).update(chain_seq=1000)
    Vote.objects.filter(pk=second.pk).update(chain_seq=first.chain_seq)
    Vote.objects.filter(pk=first.pk).update(chain_seq=second.chain_seq)
    code, report = verify()
    assert code == 1 and kinds(report) == {"reordered"}


def test_a_rewritten_chain_is_caught_against_a_published_head(chained):
    published = ChainHead.objects.get(name="votes").hash
    # Given an attacker who alters a vote and recomputes every later link and the head
    Vote.objects.filter(pk=chained[1].pk).update(voter="someone-else")

    head = chain.GENESIS
    for vote in Vote.objects.order_by("chain_seq"):
        link = chain.link_next(length=vote.chain_seq - 1, head=head, row=vote_chain_row(vote))
        Vote.objects.filter(pk=vote.pk).update(chain_prev=link.prev, chain_hash=link.hash)
        head = link.hash
    ChainHead.objects.filter(name="votes").update(hash=head)

    assert verify()[0] == 0  # self-consistent on its own
    code, report = verify("--published-head", published)
    assert code == 1 and kinds(report) == {"altered"}


def test_chain_verify_is_pure_and_finds_nothing_in_an_intact_chain():
    entries, head = [], chain.GENESIS
    for seq in range(1, 6):
        row = {"n": seq, "텍스트": "한글"}
        link = chain.link_next(length=seq - 1, head=head, row=row)
        entries.append(chain.Entry(str(seq), link.seq, link.prev, link.hash, row))
        head = link.hash
    assert chain.chain_verify(reversed(entries), head=(5, head), published=[entries[2].hash]) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_chain_one_after_another(entrants):
    # Given several finished battles of different citizens (made directly: a transaction test
    # must not send generation work to a worker that another test may have left running)
    battles = []
    for n in range(6):
        a, b = entrants[n % 2], entrants[2]
        battle = Battle.objects.create(
            contest=a.contest, session_key=f"c{n}", entrant_a=a, entrant_b=b
        )
        turn = Turn.objects.create(battle=battle, index=0, prompt="질문")
        for side, entrant in (("a", a), ("b", b)):
            Response.objects.create(turn=turn, side=side, entrant=entrant, status="done", text="답")
        battles.append(battle)
    barrier = threading.Barrier(len(battles))
    errors = []

    def cast(n, battle):
        try:
            barrier.wait()
            vote_cast(battle_id=battle.pk, session_key=f"c{n}", choice="tie")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    # When they all vote at the same moment
    threads = [threading.Thread(target=cast, args=(n, b)) for n, b in enumerate(battles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every vote is stored and the chain is intact, one link after another
    assert errors == []
    code, report = verify()
    assert code == 0 and report["length"] == 6
    assert sorted(Vote.objects.values_list("chain_seq", flat=True)) == [1, 2, 3, 4, 5, 6]
