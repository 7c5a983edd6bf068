"""The votes' audit chain: every kind of tampering is caught by `manage.py verify_votes`."""
import json

import pytest
from django.core.management import call_command
from django.test import Client

import importlib
import threading

from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import F

from arena import services as arena_services
from arena.models import Battle, Response, Turn
from contest.models import Entrant, Team
from expert import judging as expert_judging
from expert import services as expert_services
from expert.models import Answer, Assignment, ExpertJudgment, Pair
from voting import audit, chain
from voting.models import ChainEvent, ChainHead, Vote
from voting.audit import vote_content_of
from voting.services import vote_cast
from tests.factories import expert_make, expert_pairs_make, votes_simulate

migration = importlib.import_module("voting.migrations.0008_chain_facts")
migration_3 = importlib.import_module("voting.migrations.0012_chain_answered_by")

pytestmark = pytest.mark.django_db


def verify(*args, name="votes") -> tuple[int, dict]:
    """Run verify_votes; return its exit code and the JSON report of chain `name`."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_votes", "--json", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue())[name]


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


def test_a_fresh_database_has_two_intact_empty_chains():
    out = {name: verify(name=name) for name in ("votes", "judgments")}
    assert {name: (code, report["length"], report["problems"]) for name, (code, report) in out.items()} == {
        "votes": (0, 0, []), "judgments": (0, 0, [])}


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
            chain_hash=chain.link_hash(prev.chain_hash, vote_content_of(forged)),
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
        link = chain.link_next(length=vote.chain_seq - 1, head=head, row=vote_content_of(vote))
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


def altered(report) -> list:
    return [(p["kind"], p["seq"]) for p in report["problems"]]


def test_a_side_swap_is_caught(chained):
    # Given a battle whose sides are swapped after the vote: the export's winner flips
    battle = chained[3].battle
    Battle.objects.filter(pk=battle.pk).update(
        entrant_a=battle.entrant_b_id, entrant_b=battle.entrant_a_id
    )

    code, report = verify()

    assert code == 1 and altered(report) == [("altered", 4)]


@pytest.mark.parametrize("edit", ["team name", "model name"])
def test_an_edited_reveal_is_caught_on_every_vote_it_shows_on(chained, entrants, edit):
    # Given the first entrant's reveal edited after the votes
    entrant = entrants[0]
    if edit == "team name":
        Team.objects.filter(pk=entrant.team_id).update(name="다른 팀")
    else:
        Entrant.objects.filter(pk=entrant.pk).update(display_name="Other-Model")

    code, report = verify()

    # Then every vote on a battle where it stood is reported, and no other
    shown = [vote.chain_seq for vote in chained
             if entrant.pk in (vote.battle.entrant_a_id, vote.battle.entrant_b_id)]
    assert shown and code == 1
    assert altered(report) == [("altered", seq) for seq in shown]


@pytest.mark.parametrize("edit", ["answer", "prompt"])
def test_an_edited_answer_or_prompt_is_caught(chained, edit):
    # Given the text the citizen read changed after the vote
    battle = chained[5].battle_id
    if edit == "answer":
        Response.objects.filter(turn__battle_id=battle, side="b").update(text="다른 답")
    else:
        Turn.objects.filter(battle_id=battle).update(prompt="다른 질문")

    code, report = verify()
    assert code == 1 and altered(report) == [("altered", 6)]


def test_an_answer_given_to_another_entrant_is_caught(chained, entrants):
    # Given an answer the citizen read made out to be another entrant's after the vote
    battle = chained[2].battle
    other = next(e for e in entrants if e.pk not in (battle.entrant_a_id, battle.entrant_b_id))
    Response.objects.filter(turn__battle=battle, side="a").update(entrant=other)

    code, report = verify()

    assert code == 1 and altered(report) == [("altered", 3)]


def format_2_chain(votes) -> str:
    """Chain `votes` as the code before migration 0012 did (format 2); return the head."""
    head = chain.GENESIS
    for seq, vote in enumerate(votes, start=1):
        link = chain.link_next(length=seq - 1, head=head, row=audit.vote_content_v2(
            **{key: value for key, value in vote_content_of(vote).items()
               if key in ("battle", "choice", "voter", "excluded", "contest", "category", "a", "b")},
            created_at=vote.created_at,
            turns=[audit.turn_texts(turn.prompt, ((r.side, r.text, r.entrant_id)
                                                  for r in turn.responses.all()))
                   for turn in vote.battle.turns.order_by("index")]))
        Vote.objects.filter(pk=vote.pk).update(chain_seq=seq, chain_prev=link.prev,
                                               chain_hash=link.hash)
        head = link.hash
    ChainHead.objects.filter(name="votes").update(length=len(votes), hash=head)
    return head


def test_a_format_2_chain_migrates_to_cover_who_answered(chained, entrants):
    # Given a chain written in format 2 (before the answers' entrants were covered), published
    old_head = format_2_chain(chained)
    assert verify()[0] == 1  # today's code reads it only through its migration entry

    # When migration 0012 runs
    migration_3.votes_reanchor(django_apps, None)

    # Then the chain is intact, the old head still in it, and the migration its own entry
    code, report = verify("--published-head", old_head)
    assert code == 0 and report["problems"] == [] and report["length"] == 9
    (event,) = ChainEvent.objects.filter(name="votes")
    assert (event.content["format"], event.content["previous_format"]) == (3, 2)
    assert event.content["previous_head"] == old_head

    # And an answer of a vote from before it, made out to be another entrant's, breaks its anchor
    battle = chained[4].battle
    other = next(e for e in entrants if e.pk not in (battle.entrant_a_id, battle.entrant_b_id))
    Response.objects.filter(turn__battle=battle, side="b").update(entrant=other)
    code, report = verify()
    assert code == 1 and [p["detail"] for p in report["problems"]] == [
        "a vote among #1-#8, chained before this migration, no longer has the facts it anchored"]

    # And undone while it is the last entry, the chain is format 2 again
    Response.objects.filter(turn__battle=battle, side="b").update(entrant=battle.entrant_b_id)
    migration_3.votes_restore(django_apps, None)
    assert not ChainEvent.objects.exists()
    assert ChainHead.objects.get(name="votes").hash == old_head


def test_a_vote_moved_to_another_battle_is_caught(chained, contest, entrants):
    # Given a battle of the same two entrants, in the same order, that nobody voted on
    vote = chained[2]
    other = Battle.objects.create(contest=contest, session_key="other",
                                  entrant_a_id=vote.battle.entrant_a_id,
                                  entrant_b_id=vote.battle.entrant_b_id)
    Turn.objects.create(battle=other, index=0, prompt="질문")

    Vote.objects.filter(pk=vote.pk).update(battle=other)

    code, report = verify()
    assert code == 1 and altered(report) == [("altered", 3)]


@pytest.fixture
def judged(contest, entrants):
    """Four judgments of one expert, through the service, on pairs of the three entrants."""
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=2)
    expert = expert_make(domains=["law"])
    expert_services.assignments_create(prompt_set=prompt_set, k=1, seed=1)
    assignments = list(Assignment.objects.filter(expert=expert).order_by("position", "pk")[:4])
    for assignment in assignments:
        expert_judging.judgment_submit(
            assignment_id=assignment.pk, user=expert, overall="a",
            criteria={c["key"]: "a" for c in prompt_set.criteria},
            rationale="근거를 충분히 길게 적었습니다. 정확성이 다릅니다.", seconds=30,
        )
    return list(ExpertJudgment.objects.order_by("chain_seq"))


def test_judgments_form_an_intact_chain(judged):
    code, report = verify(name="judgments")
    assert code == 0 and report["problems"] == [] and report["length"] == 4
    assert report["head"] == judged[-1].chain_hash


def test_a_judgment_whose_pair_sides_are_swapped_is_caught(judged):
    # Given the pair of the second judgment with its two answers swapped (the expert's "A"
    # now names the other entrant)
    pair = judged[1].assignment.pair
    Pair.objects.filter(pk=pair.pk).update(answer_1=pair.answer_2_id, answer_2=pair.answer_1_id)

    code, report = verify(name="judgments")
    assert code == 1 and altered(report) == [("altered", 2)]

    # So is a judgment whose shown order is flipped
    Pair.objects.filter(pk=pair.pk).update(answer_1=pair.answer_1_id, answer_2=pair.answer_2_id)
    Assignment.objects.filter(pk=judged[3].assignment_id).update(flipped=~F("flipped"))
    code, report = verify(name="judgments")
    assert code == 1 and altered(report) == [("altered", 4)]


def test_a_judged_answer_edited_afterwards_is_caught(judged):
    answer = judged[0].assignment.pair.answer_1
    Answer.objects.filter(pk=answer.pk).update(text="나중에 고친 답변")
    code, report = verify(name="judgments")
    judged_it = [j.chain_seq for j in judged
                 if answer.pk in (j.assignment.pair.answer_1_id, j.assignment.pair.answer_2_id)]
    assert code == 1 and altered(report) == [("altered", seq) for seq in judged_it]


def format_1_chain(votes) -> str:
    """Chain `votes` as the code before migration 0008 did; return the head."""
    head = chain.GENESIS
    for seq, vote in enumerate(votes, start=1):
        row = audit.vote_content_v1(battle=vote.battle_id, choice=vote.choice, voter=vote.voter,
                                    excluded=vote.excluded, created_at=vote.created_at)
        link = chain.link_next(length=seq - 1, head=head, row=row)
        Vote.objects.filter(pk=vote.pk).update(chain_seq=seq, chain_prev=link.prev,
                                               chain_hash=link.hash)
        head = link.hash
    ChainHead.objects.filter(name="votes").update(length=len(votes), hash=head)
    return head


def test_a_chain_of_the_old_format_migrates_with_a_logged_anchor(chained, entrants):
    # Given a chain written in format 1 (battle, choice, voter, excluded, time), published
    old_head = format_1_chain(chained)
    assert verify()[0] == 1  # today's code reads it only through its migration entry

    # When the migration runs
    migration.votes_reanchor(django_apps, None)

    # Then the chain is intact, the old published head is still in it, and the migration is
    # its own entry, stating the format change and the previous head
    code, report = verify("--published-head", old_head)
    assert code == 0 and report["problems"] == [] and report["length"] == 9
    (event,) = ChainEvent.objects.filter(name="votes")
    assert event.seq == 9 and event.content["kind"] == "migration"
    assert (event.content["format"], event.content["previous_format"]) == (2, 1)
    assert event.content["previous_head"] == old_head and event.content["previous_length"] == 8

    # And votes cast since follow it in the new format
    battle = arena_services.battle_start(session_key="after", prompt="질문")
    Response.objects.filter(turn__battle=battle).update(status="done", text="답")
    vote_cast(battle_id=battle.pk, session_key="after", choice="b")
    code, report = verify()
    assert code == 0 and report["problems"] == [] and report["length"] == 10

    # A side swap on a vote from before the migration breaks the anchor...
    old = chained[1].battle
    Battle.objects.filter(pk=old.pk).update(entrant_a=old.entrant_b_id, entrant_b=old.entrant_a_id)
    code, report = verify()
    assert code == 1 and altered(report) == [("altered", 9)]
    Battle.objects.filter(pk=old.pk).update(entrant_a=old.entrant_a_id, entrant_b=old.entrant_b_id)
    assert verify()[0] == 0

    # ...one on a vote since breaks that vote
    new = Battle.objects.get(pk=battle.pk)
    Battle.objects.filter(pk=new.pk).update(entrant_a=new.entrant_b_id, entrant_b=new.entrant_a_id)
    code, report = verify()
    assert code == 1 and altered(report) == [("altered", 10)]
    Battle.objects.filter(pk=new.pk).update(entrant_a=new.entrant_a_id, entrant_b=new.entrant_b_id)

    # ...as does an answer edited on a vote from before it, named by its block of positions
    Response.objects.filter(turn__battle_id=chained[4].battle_id, side="a").update(text="고친 답")
    code, report = verify()
    assert code == 1 and [p["detail"] for p in report["problems"]] == [
        "a vote among #1-#8, chained before this migration, no longer has the facts it anchored"]
    Response.objects.filter(turn__battle_id=chained[4].battle_id, side="a").update(text="답")

    # ...and so does removing the migration's entry
    ChainEvent.objects.filter(pk=event.pk).delete()
    code, report = verify()
    assert code == 1 and "altered" in kinds(report) and "deleted" in kinds(report)


def test_judgments_made_before_their_chain_are_chained_by_the_migration(judged):
    # Given judgments stored before the judgments' chain existed
    ExpertJudgment.objects.update(chain_seq=None, chain_prev="", chain_hash="")
    ChainHead.objects.filter(name="judgments").delete()
    assert kinds(verify(name="judgments")[1]) == {"inserted"}

    # When the migration runs (with the models as they stood then: the judgments were voting's),
    # a logged entry opens the chain and the judgments follow it
    state = MigrationLoader(connection).project_state(("voting", "0008_chain_facts"))
    migration.judgments_chain(state.apps, None)

    code, report = verify(name="judgments")
    assert code == 0 and report["length"] == 5
    assert ChainEvent.objects.get(name="judgments").seq == 1

    # And a side swap is caught as on a judgment chained when it was made
    Assignment.objects.filter(pk=judged[0].assignment_id).update(flipped=~F("flipped"))
    code, report = verify(name="judgments")
    assert code == 1 and altered(report) == [("altered", 2)]
