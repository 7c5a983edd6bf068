"""Anomalous voters: the per-voter test, the scheduled screen and the organizers' review."""
import random

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import transaction

from arena.models import Battle, Response, Turn
from stats import anomaly
from voting import boards, screening, selectors
from voting.models import Track, Vote, VoterReview, VoterReviewLog
from voting.services import vote_chain_link
from tests.factories import votes_simulate


def simulated(n=6000, voters=600, seed=0):
    """Honest votes among five models of spaced strength, plus nothing else."""
    rng = np.random.default_rng(seed)
    strength = np.array([0.6, 0.3, 0.0, -0.3, -0.6])
    a, b, w, v = [], [], [], []
    for k in range(n):
        i, j = rng.choice(5, 2, replace=False)
        win_a = 1 / (1 + 10 ** (-(strength[i] - strength[j])))
        roll = rng.random()
        w.append("tie" if roll < 0.1 else ("model_a" if rng.random() < win_a else "model_b"))
        a.append(f"M{i}")
        b.append(f"M{j}")
        v.append(f"h{k % voters}")
    return a, b, w, v


def test_honest_voters_are_not_flagged_and_a_booster_of_the_weakest_model_is():
    a, b, w, v = simulated()
    # Given a voter who makes the weakest model win 30 times, on either side
    for k in range(30):
        other = f"M{k % 4}"
        if k % 2:
            a.append("M4"), b.append(other), w.append("model_a")
        else:
            a.append(other), b.append("M4"), w.append("model_b")
        v.append("booster")

    flagged = anomaly.voters_flag(a, b, w, v, alpha=0.001, min_votes=10)

    assert [test.voter for test in flagged] == ["booster"]
    assert flagged[0].votes == 30 and flagged[0].p_fisher < 1e-4
    assert flagged[0].favoured == "M4" and flagged[0].z_favour > 0


def test_a_consistent_booster_of_a_middle_model_is_caught_by_the_favouritism_test():
    a, b, w, v = simulated()
    # Given a voter who votes for M2 (second of five) whenever it is in the pair: every single
    # vote is an ordinary outcome, so the Chatbot Arena test alone does not see it
    rng = np.random.default_rng(3)
    for k in range(60):
        other = ["M0", "M2", "M3", "M4"][k % 4]
        if rng.random() < 0.5:
            a.append("M1"), b.append(other), w.append("model_a")
        else:
            a.append(other), b.append("M1"), w.append("model_b")
        v.append("booster")

    tests = {test.voter: test for test in anomaly.voters_test(a, b, w, v, min_votes=10)}

    booster = tests["booster"]
    assert booster.p_fisher > 0.001
    assert booster.favoured == "M1" and booster.z_favour > 0 and booster.p_value < 0.001
    assert [t.voter for t in tests.values() if t.p_value < 0.001] == ["booster"]


def test_p_values_are_valid_and_leave_the_voter_out():
    # A voter alone on a pair has no history: nothing is anomalous about them
    assert anomaly.vote_pvalues(["X"], ["Y"], ["model_a"], ["v"]).tolist() == [1.0]
    # The common outcome gets p = 1; the rare one a small p; the side does not matter
    a = ["X"] * 10 + ["Y"]
    b = ["Y"] * 10 + ["X"]
    w = ["model_a"] * 10 + ["model_a"]  # X wins ten times; then Y (on the left) wins
    v = [f"o{k}" for k in range(10)] + ["me"]
    p = anomaly.vote_pvalues(a, b, w, v)
    assert p[0] == pytest.approx(1.0)
    assert p[-1] == pytest.approx(1 / 11)
    with pytest.raises(ValueError):
        anomaly.vote_pvalues(["X"], ["Y"], ["model_a"], [])


def test_under_the_null_few_honest_voters_fall_below_alpha():
    tests = anomaly.voters_test(*simulated(seed=1), min_votes=5)
    p = np.array([test.p_value for test in tests])
    assert len(p) == 600 and (p < 0.01).mean() <= 0.01


# The screen, the review and the boards ---------------------------------------------------


def booster_votes(contest, entrants, n=30):
    weakest = entrants[-1]
    rng = random.Random(5)
    for k in range(n):
        other = rng.choice(entrants[:-1])
        a, b = (weakest, other) if k % 2 else (other, weakest)
        battle = Battle.objects.create(
            contest=contest, session_key=f"boost{k}", entrant_a=a, entrant_b=b
        )
        turn = Turn.objects.create(battle=battle, index=0, prompt="질문")
        for side, entrant in (("a", a), ("b", b)):
            Response.objects.create(turn=turn, side=side, entrant=entrant, status="done", text="답")
        with transaction.atomic():
            vote = Vote.objects.create(
                battle=battle, choice="a" if a == weakest else "b", voter="booster"
            )
            vote_chain_link(vote=vote)


@pytest.fixture
def screened(contest, entrants, settings):
    settings.ANOMALY = {**settings.ANOMALY, "ALPHA": 0.001, "MIN_VOTES": 10}
    settings.LEADERBOARD = {**settings.LEADERBOARD, "BOOTSTRAP_ROUNDS": 20, "STYLE_BOOTSTRAP_ROUNDS": 5}
    votes_simulate(contest, entrants, 300)
    booster_votes(contest, entrants)
    return screening.voters_screen(contest=contest)


@pytest.mark.django_db
def test_screen_flags_the_booster_once_and_logs_it(screened, contest):
    assert [review.voter for review in screened] == ["booster"]
    review = VoterReview.objects.get()
    assert review.status == VoterReview.Status.FLAGGED and review.votes == 30
    assert list(review.log.values_list("action", "actor")) == [("flagged", None)]
    # Running again updates the figures, not the decision or the log
    assert screening.voters_screen(contest=contest) == []
    assert VoterReviewLog.objects.count() == 1


@pytest.mark.django_db
def test_organizer_excludes_then_clears_and_boards_follow(screened, contest, client):
    organizer = get_user_model().objects.create_superuser("organizer", "o@example.com", "pw")
    client.force_login(organizer)
    review = VoterReview.objects.get()
    before = boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)
    assert before.payload["votes"] == 330

    # When an organizer excludes the voter from the admin
    page = client.post(
        "/admin/voting/voterreview/",
        {"action": "voters_exclude", "_selected_action": [review.pk]},
    )
    assert page.status_code == 302

    # Then the voter's votes are marked in the dataset and left out of the board
    rows = selectors.vote_rows(contest=contest, track=Track.CITIZEN)
    assert {r["excluded"] for r in rows if r["voter"] == "booster"} == {"anomalous_voter"}
    after = boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)
    assert after.payload["votes"] == 300
    review.refresh_from_db()
    assert review.status == "excluded"
    assert list(review.log.values_list("action", "actor")) == [
        ("flagged", None), ("excluded", organizer.pk)
    ]
    # And the review page shows the board with and without the voter
    detail = client.get(f"/admin/voting/voterreview/{review.pk}/change/")
    assert detail.status_code == 200
    impact = selectors.voter_impact(contest=contest, voter="booster")
    assert len(impact) == 3 and all(row["rating_with"] != row["rating_without"] for row in impact)

    # When the organizer clears the voter, their votes count again
    client.post(
        "/admin/voting/voterreview/", {"action": "voters_clear", "_selected_action": [review.pk]}
    )
    assert boards.leaderboard_compute(contest=contest, track=Track.CITIZEN).payload["votes"] == 330
    assert review.log.last().action == "cleared"


@pytest.mark.django_db
def test_a_non_staff_user_cannot_review(screened, client):
    user = get_user_model().objects.create_user("citizen", password="pw")
    client.force_login(user)
    review = VoterReview.objects.get()
    client.post("/admin/voting/voterreview/", {"action": "voters_exclude", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert review.status == "flagged"


def test_screen_runs_on_the_beat_schedule():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["voters-screen"]
    assert schedule["task"] == "voting.tasks.voters_screen"
    assert schedule["schedule"] == django_settings.ANOMALY["SCREEN_SECONDS"]


def test_a_massive_attacker_does_not_get_honest_voters_flagged():
    a, b, w, v = simulated(n=3000, voters=300)
    # Given one voter who casts as many votes as everyone else together, all for M4
    for k in range(3000):
        other = f"M{k % 4}"
        a.append("M4"), b.append(other), w.append("model_a"), v.append("flood")

    flagged = anomaly.voters_flag(a, b, w, v, alpha=0.001, min_votes=10)

    # Then only the flood is flagged: honest voters are judged against a history without it
    assert [test.voter for test in flagged] == ["flood"]
