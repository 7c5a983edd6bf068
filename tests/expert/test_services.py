"""Pre-generation, pairs, assignment in the database, the judgments export and the expert boards."""
import json

import httpx
import pytest
from django.core.management import call_command

from expert import judging, selectors, services
from expert.models import Answer, Assignment, Pair, Prompt, PromptSet
from expert.pregeneration import answer_run
from tests.factories import EntrantFactory, TeamFactory, expert_make, expert_pairs_make
from voting.boards import leaderboard_compute

pytestmark = pytest.mark.django_db


def sse_client(text: str, *, status: int = 200) -> httpx.Client:
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        if status != 200:
            return httpx.Response(status, text="down")
        chunk = {"choices": [{"delta": {"content": text}, "finish_reason": "stop"}]}
        return httpx.Response(200, text=f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n",
                              headers={"content-type": "text/event-stream"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    client.seen = seen
    return client


def test_every_enabled_entrant_answers_every_prompt_once_with_its_parameters_recorded(contest, django_capture_on_commit_callbacks, monkeypatch):
    entrants = [EntrantFactory(contest=contest, params={"temperature": 0.3}) for _ in range(3)]
    EntrantFactory(contest=contest, enabled=False)
    prompt_set = PromptSet.objects.create(contest=contest, title="세트")
    for n in range(2):
        Prompt.objects.create(prompt_set=prompt_set, domain="law", text=f"질문 {n}")
    queued = []
    monkeypatch.setattr("expert.tasks.answer_generate.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.answers_generate(prompt_set=prompt_set) == 6
    assert len(queued) == 6
    assert services.answers_generate(prompt_set=prompt_set) == 0  # nothing twice
    client = sse_client("## 답변\n내용")
    for answer_id in queued:
        answer_run(answer_id=answer_id, client=client)
    assert selectors.pregeneration_progress(prompt_set) == {"done": 6, "failed": 0, "pending": 0, "total": 6}
    answer = Answer.objects.first()
    assert answer.text == "## 답변\n내용"
    assert answer.generation["params"] == {"temperature": 0.3} and answer.generation["model"] == answer.entrant.model
    assert client.seen[0]["temperature"] == 0.3 and client.seen[0]["messages"][0]["content"].startswith("질문")
    assert {a.entrant_id for a in Answer.objects.all()} == {e.pk for e in entrants}


def test_pre_generation_sends_the_contests_system_prompt_and_records_it(contest, monkeypatch):
    contest.system_prompt = "이름을 밝히지 마세요."
    contest.save()
    EntrantFactory(contest=contest)
    prompt_set = PromptSet.objects.create(contest=contest, title="세트")
    Prompt.objects.create(prompt_set=prompt_set, domain="law", text="질문")
    monkeypatch.setattr("expert.tasks.answer_generate.delay", lambda answer_id: None)
    services.answers_generate(prompt_set=prompt_set)
    client = sse_client("답")
    answer_run(answer_id=Answer.objects.get().pk, client=client)
    assert client.seen[0]["messages"] == [
        {"role": "system", "content": "이름을 밝히지 마세요."}, {"role": "user", "content": "질문"},
    ]
    assert Answer.objects.get().generation["messages"][0] == {"role": "system", "content": "이름을 밝히지 마세요."}


def test_failures_are_counted_and_retried(contest, monkeypatch):
    entrant = EntrantFactory(contest=contest)
    prompt_set = PromptSet.objects.create(contest=contest, title="세트")
    Prompt.objects.create(prompt_set=prompt_set, domain="law", text="질문")
    monkeypatch.setattr("expert.tasks.answer_generate.delay", lambda answer_id: None)
    services.answers_generate(prompt_set=prompt_set)
    answer = Answer.objects.get(entrant=entrant)
    answer_run(answer_id=answer.pk, client=sse_client("", status=500))
    answer.refresh_from_db()
    assert answer.status == "error" and answer.error_code == "http_error"
    assert selectors.pregeneration_progress(prompt_set)["failed"] == 1
    assert services.answers_retry(prompt_set=prompt_set) == 1
    answer_run(answer_id=answer.pk, client=sse_client("다시 답함"))
    answer.refresh_from_db()
    assert answer.status == "done" and answer.attempts == 2


def test_pairs_are_all_pairs_or_a_balanced_subset(contest):
    entrants = [EntrantFactory(contest=contest) for _ in range(4)]
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=3)
    Pair.objects.all().delete()
    assert services.pairs_form(prompt_set=prompt_set, size=12, seed=0) == 12
    assert services.pairs_form(prompt_set=prompt_set, size=12, seed=0) == 0
    assert services.pairs_form(prompt_set=prompt_set) == 6  # the rest of 3 × C(4, 2)
    assert Pair.objects.count() == 18


def test_conflicts_of_interest_and_domains_are_honoured_in_the_database(contest):
    team_x, team_y, team_z = TeamFactory(), TeamFactory(), TeamFactory()
    entrants = [EntrantFactory(contest=contest, team=t) for t in (team_x, team_y, team_z)]
    prompt_set, pairs = expert_pairs_make(contest, entrants, prompts=2)
    conflicted = expert_make(domains=["law"], conflicts=[team_x])
    wrong_domain = expert_make(domains=["medicine"])
    others = [expert_make(domains=["law"]) for _ in range(3)]
    plan = services.assignments_create(prompt_set=prompt_set, k=3, seed=3)
    assert plan.short == {}
    assert not Assignment.objects.filter(expert=wrong_domain).exists()
    held = Assignment.objects.filter(expert=conflicted).select_related("pair__answer_1__entrant", "pair__answer_2__entrant")
    assert held.exists()
    for assignment in held:
        assert team_x.pk not in (assignment.pair.answer_1.entrant.team_id, assignment.pair.answer_2.entrant.team_id)
    for pair in pairs:
        assert Assignment.objects.filter(pair=pair).count() == 3
    assert sorted(Assignment.objects.filter(expert__in=others).values_list("position", flat=True))[0] == 1


def judge_all(prompt_set, experts, choose):
    for expert in experts:
        for assignment in Assignment.objects.filter(expert=expert).select_related("pair"):
            overall = choose(assignment)
            judging.judgment_submit(
                assignment_id=assignment.pk, user=expert, overall=overall,
                criteria={c["key"]: overall if overall != "both_bad" else "tie" for c in prompt_set.criteria},
                rationale="근거를 충분히 길게 적었습니다. 정확성이 다릅니다.", seconds=30,
            )


def test_export_recomputes_the_expert_board_and_agreement(contest, tmp_path, capsys):
    entrants = sorted([EntrantFactory(contest=contest) for _ in range(3)], key=lambda e: e.pk)
    prompt_set, pairs = expert_pairs_make(contest, entrants, prompts=3, gold=1)
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    services.assignments_create(prompt_set=prompt_set, k=3, gold_per_expert=1, seed=5)
    best = entrants[0].pk

    # Every expert prefers the first entrant's answer (the gold answer too), else the left one.
    def choose(assignment):
        left = assignment.pair.answer_2 if assignment.flipped else assignment.pair.answer_1
        right = assignment.pair.answer_1 if assignment.flipped else assignment.pair.answer_2
        if best in (left.entrant_id, right.entrant_id):
            return "a" if left.entrant_id == best else "b"
        return "tie"

    judge_all(prompt_set, experts, choose)
    path = tmp_path / "judgments.jsonl"
    call_command("export_judgments", contest=contest.slug, output=str(path))
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert set(rows[0]) >= {"item_id", "contest", "domain", "prompt_id", "model_a", "model_b", "winner",
                            "criteria", "expert", "rationale", "seconds", "gold", "created_at", "excluded"}
    assert {row["expert"] for row in rows} <= {e.expert_profile.pseudonym for e in experts}
    assert all(row["winner"] in ("model_a", "model_b", "tie", "tie (bothbad)") for row in rows)
    gold_rows = [row for row in rows if row["gold"]]
    assert gold_rows and all(row["excluded"] == "gold" for row in gold_rows)
    # No expert's username anywhere in the export.
    assert not any(e.username in path.read_text() for e in experts)

    capsys.readouterr()
    call_command("ratings", input=str(path), bootstrap=50, seed=0, compact=True)
    recomputed = json.loads(capsys.readouterr().out)
    board = leaderboard_compute(contest=contest, track="expert").payload
    assert recomputed["votes"] == board["votes"] == len(rows) - len(gold_rows)
    assert [m["model"] for m in recomputed["models"]][0] == entrants[0].display_name
    assert [m["model"] for m in board["models"]] == [m["model"] for m in recomputed["models"]]

    call_command("agreement", input=str(path), compact=True)
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) == {"items", "judgments", "alpha", "alpha_by_criterion", "fleiss_kappa", "experts"}
    assert figures["alpha"] == 1.0 and figures["fleiss_kappa"] == 1.0
    assert all(e["gold_accuracy"] == 1.0 and e["majority_agreement"] == 1.0 for e in figures["experts"])
    assert set(figures["alpha_by_criterion"]) == {"accuracy", "helpfulness", "korean", "instruction", "safety"}


def test_the_combined_board_takes_the_expert_track(contest):
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=1)
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    services.assignments_create(prompt_set=prompt_set, k=3, seed=1)
    judge_all(prompt_set, experts, lambda assignment: "a")
    combined = leaderboard_compute(contest=contest, track="combined").payload
    assert combined["votes"] == 9


def test_agreement_cli_names_a_bad_line(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.jsonl"
    path.write_text('{"item_id": 1, "model_a": "X", "model_b": "Y", "winner": "left", "expert": "e"}\n')
    with pytest.raises(CommandError, match="line 1"):
        call_command("agreement", input=str(path))


def test_console_judgments_export_is_jsonl_and_parquet_with_a_manifest(contest, tmp_path, capsys):
    """The judgments dataset, both formats, same rows; rationales redacted; both recompute."""
    import pyarrow.parquet as pq

    from voting import exports

    entrants = sorted([EntrantFactory(contest=contest) for _ in range(3)], key=lambda e: e.pk)
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=3, gold=1)
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    services.assignments_create(prompt_set=prompt_set, k=3, gold_per_expert=1, seed=5)
    judge_all(prompt_set, experts, lambda assignment: "a")
    # One expert left a phone number in a rationale.
    from expert.models import ExpertJudgment

    first = ExpertJudgment.objects.order_by("pk").first()
    ExpertJudgment.objects.filter(pk=first.pk).update(rationale="문의는 010-1234-5678로 주세요. 근거 충분")
    leaderboard_compute(contest=contest, track="expert")

    manifest = exports.judgments_export(contest=contest, directory=tmp_path)

    assert set(manifest) == {"contest", "phase", "snapshot", "rows", "files", "redactions"}
    assert set(manifest["files"]) == {"judgments.jsonl", "judgments.parquet"}
    assert manifest["redactions"]["mobile_phone"] == 1
    lines = [json.loads(line) for line in (tmp_path / "judgments.jsonl").read_text().splitlines()]
    table = pq.read_table(tmp_path / "judgments.parquet").to_pylist()
    assert manifest["rows"] == len(lines) == len(table)
    for line, row in zip(lines, table):
        assert dict(row["criteria"]) == line["criteria"]
        assert {k: v for k, v in row.items() if k != "criteria"} == {
            k: v for k, v in line.items() if k != "criteria"}
    assert "010-1234-5678" not in (tmp_path / "judgments.jsonl").read_text()

    boards = []
    for name in ("judgments.jsonl", "judgments.parquet"):
        capsys.readouterr()
        call_command("ratings", input=str(tmp_path / name), bootstrap=50, seed=0, compact=True)
        boards.append(json.loads(capsys.readouterr().out)["models"])
    assert boards[0] == boards[1]
