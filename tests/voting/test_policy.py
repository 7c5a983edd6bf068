"""The vote policy alone (voting/policy.py imports no Django): which facts refuse a vote, and
what the refusal tells the citizen."""
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from voting.policy import Refusal, VoteFacts, vote_refusal

ACCEPTED = VoteFacts()

# Each refusal and the one fact that brings it about.
SPOILED = {
    Refusal.INVALID_CHOICE: {"choice_valid": False},
    Refusal.NOT_FOUND: {"battle_found": False},
    Refusal.NOT_OWNER: {"owner": False},
    Refusal.ALREADY_VOTED: {"voted": True},
    Refusal.CONTEST_CLOSED: {"contest_open": False},
    Refusal.SIDE_UNFINISHED: {"side_unfinished": True},
    Refusal.SIDE_FAILED: {"side_failed": True},
}


def test_a_vote_on_a_finished_battle_of_its_owner_in_an_open_contest_is_accepted():
    assert vote_refusal(ACCEPTED) is None


@pytest.mark.parametrize("refusal", list(Refusal), ids=lambda refusal: refusal.name.lower())
def test_each_fact_alone_refuses_the_vote_with_its_refusal(refusal):
    assert vote_refusal(replace(ACCEPTED, **SPOILED[refusal])) is refusal


def test_the_first_refusal_in_order_is_the_one_answered():
    # A stranger's vote on a battle that still streams: the ownership is said first, so a
    # stranger learns nothing about the battle's state.
    facts = replace(ACCEPTED, owner=False, side_unfinished=True, contest_open=False)
    assert vote_refusal(facts) is Refusal.NOT_OWNER
    everything = VoteFacts(**{k: v for spoil in SPOILED.values() for k, v in spoil.items()})
    assert vote_refusal(everything) is Refusal.INVALID_CHOICE


def test_each_refusal_answers_the_apis_code_and_status():
    # docs/api.md's error table for POST /api/battles/<id>/vote.
    assert {refusal: (refusal.code, refusal.status) for refusal in Refusal} == {
        Refusal.INVALID_CHOICE: ("invalid", 400),
        Refusal.NOT_FOUND: ("not_found", 404),
        Refusal.NOT_OWNER: ("forbidden", 403),
        Refusal.ALREADY_VOTED: ("already_voted", 409),
        Refusal.CONTEST_CLOSED: ("contest_closed", 409),
        Refusal.SIDE_UNFINISHED: ("not_votable", 409),
        Refusal.SIDE_FAILED: ("not_votable", 409),
    }
    assert all(refusal.message for refusal in Refusal)


def test_the_policy_imports_no_django():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, voting.policy; print('django' in sys.modules)"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2],
    )
    assert loaded.stdout.strip() == "False"
