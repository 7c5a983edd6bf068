"""The blindness audit: the statistics on synthetic personas, and the command on a contest."""
import json
import random

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from arena.models import Response
from tests.factories import ContestFactory, EntrantFactory, expert_pairs_make, votes_simulate
from stats.attribution import Answer, AuditImpossible, audit, folds_split
from voting.models import BlindnessAudit

WORDS = [f"낱말{n}" for n in range(400)]
SECRET = "비밀표지-XYZZY"


def persona_answers(*, battles=150, seed=0):
    """Four models, two answers a battle. "distinct" signs off in its own way; the other three
    write from one shared style. Length and timing are drawn alike for all."""
    rng = random.Random(seed)
    models = ["distinct", "alike-1", "alike-2", "alike-3"]
    answers = []
    for battle in range(battles):
        for model in rng.sample(models, 2):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
            text = f"{body} {SECRET}" + (" 도움이 되셨길 바랍니다 😊✨" if model == "distinct" else " 입니다.")
            ttft = rng.randint(200, 900)
            answers.append(Answer(f"b{battle}", model, text, len(body), ttft, ttft + rng.randint(500, 5000)))
    return answers


def test_a_distinct_persona_is_identified_and_look_alikes_stay_near_chance():
    report = audit(persona_answers(), seed=0)
    rates = {row["model"]: row for row in report["per_model"]}
    assert report["chance"] == 0.25
    # By writing: the distinct model almost always, the look-alikes among themselves only
    assert rates["distinct"]["text"] > 0.9
    for name in ("alike-1", "alike-2", "alike-3"):
        assert rates[name]["text"] < 0.55
    # Length and timing were drawn alike: no model stands out by them
    for row in report["per_model"]:
        assert row["length"] < 0.55 and row["timing"] < 0.55
    text_confusion = np.array(report["text"]["confusion"])
    assert text_confusion.sum() == report["answers"] == 300
    row = text_confusion[report["models"].index("distinct")]
    assert row.sum() - row[report["models"].index("distinct")] <= 0.1 * row.sum()


def test_the_report_is_reproducible_and_holds_no_answer_text():
    answers = persona_answers(battles=60)
    first, second = audit(answers, seed=3), audit(answers, seed=3)
    assert first == second
    dumped = json.dumps(first, ensure_ascii=False)
    assert SECRET not in dumped and "낱말" not in dumped and "도움이" not in dumped
    assert set(first) >= {"models", "answers", "groups", "chance", "majority_rate", "per_model",
                          "text", "length", "timing", "folds", "seed", "left_out"}


def test_no_battle_is_in_both_the_training_and_the_test_folds():
    answers = persona_answers(battles=80)
    groups = np.array([answer.group for answer in answers])
    labels = [["distinct", "alike-1", "alike-2", "alike-3"].index(a.model) for a in answers]
    splits = folds_split(groups, labels, folds=5, seed=0)
    tested = np.concatenate([test for _train, test in splits])
    assert sorted(tested) == list(range(len(answers)))  # every answer predicted exactly once
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])


def test_too_few_models_or_answers_is_a_clear_refusal():
    one_model = [Answer(f"b{n}", "solo", "답변", 2, None, None) for n in range(30)]
    with pytest.raises(AuditImpossible, match="at least 2 models"):
        audit(one_model)
    with pytest.raises(AuditImpossible):
        audit([])
    sparse = persona_answers(battles=60) + [Answer("b-late", "rare", "답변", 2, 1, 2)] * 3
    assert audit(sparse)["left_out"] == {"rare": 3}


# --- the command on a contest ---------------------------------------------------------------


@pytest.fixture
def seeded(db):
    contest = ContestFactory(slug="audited")
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    votes_simulate(contest, entrants, 30)
    for n, entrant in enumerate(entrants):
        Response.objects.filter(entrant=entrant).update(
            text=f"{SECRET} 스타일{n} " + "가나다 " * (n + 1), ttft_ms=100 * (n + 1), total_ms=900)
    expert_pairs_make(contest, entrants, prompts=4)
    return contest, entrants


def test_command_prints_the_json_report_and_stores_the_audit(seeded, capsys):
    contest, entrants = seeded
    call_command("blindness_audit", "--contest", "audited", "--json")
    report = json.loads(capsys.readouterr().out)
    # 30 battles of two answers, and 4 expert prompts answered by all three
    assert report["answers"] == 60 + 12 and report["groups"] == 30 + 4
    assert report["models"] == sorted(e.display_name for e in entrants)
    assert {row["model"] for row in report["per_model"]} == set(report["models"])
    assert report["text"]["accuracy"] > 0.9 and report["contest"] == "audited"
    assert SECRET not in json.dumps(report, ensure_ascii=False)
    stored = BlindnessAudit.objects.get(contest=contest)
    assert stored.report == report


def test_command_prints_a_table_without_json(seeded, capsys):
    call_command("blindness_audit", "--contest", "audited")
    out = capsys.readouterr().out
    assert "chance 33.3%" in out and "text" in out and SECRET not in out


def test_failed_battles_are_left_out_of_the_audit(seeded, capsys):
    _contest, entrants = seeded
    broken = Response.objects.filter(entrant=entrants[0]).order_by("pk").first()
    Response.objects.filter(pk=broken.pk).update(status="error")
    call_command("blindness_audit", "--contest", "audited", "--json")
    assert json.loads(capsys.readouterr().out)["answers"] == 58 + 12


@pytest.mark.django_db
def test_command_refuses_an_unknown_contest_or_one_without_answers():
    with pytest.raises(CommandError, match="No contest with slug 'nope'"):
        call_command("blindness_audit", "--contest", "nope")
    ContestFactory(slug="empty")
    with pytest.raises(CommandError, match="at least 2 models"):
        call_command("blindness_audit", "--contest", "empty")
    assert not BlindnessAudit.objects.exists()

