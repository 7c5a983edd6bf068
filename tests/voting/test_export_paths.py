"""Every export path writes the same dataset: the console's job, publication, `contest_export`,
`export_votes` and `export_judgments` give byte-identical, redacted files and the same manifest."""
import json
from io import StringIO

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arena.models import Turn
from contest.models import Contest
from contest.services import contest_transition
from expert import judging as expert_judging
from expert import services as expert_services
from expert.models import Assignment, ExpertJudgment
from tests.factories import ContestFactory, EntrantFactory, expert_make, expert_pairs_make, votes_simulate
from voting import dataset, export_jobs, exports
from voting.models import Vote

PHONE, EMAIL = "010-1234-5678", "someone@example.com"


@pytest.fixture
def published(db, settings, tmp_path):
    """A published contest with citizen votes and expert judgments, personal data in the text."""
    settings.EXPORTS_DIR = tmp_path / "site"
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo")
    entrants = sorted([EntrantFactory(contest=contest) for _ in range(3)], key=lambda e: e.pk)
    votes_simulate(contest, entrants, 30)
    Vote.objects.filter(pk=Vote.objects.order_by("pk").first().pk).update(excluded="중복 투표")
    Turn.objects.update(prompt=f"제 번호는 {PHONE}, 메일은 {EMAIL} 입니다")
    prompt_set, _ = expert_pairs_make(contest, entrants, prompts=2, gold=1)
    experts = [expert_make(domains=["law"]) for _ in range(3)]
    expert_services.assignments_create(prompt_set=prompt_set, k=3, gold_per_expert=1, seed=5)
    for expert in experts:
        for assignment in Assignment.objects.filter(expert=expert):
            expert_judging.judgment_submit(
                assignment_id=assignment.pk, user=expert, overall="a",
                criteria={c["key"]: "a" for c in prompt_set.criteria},
                rationale="근거를 충분히 길게 적었습니다. 정확성이 다릅니다.", seconds=30,
            )
    first, second = ExpertJudgment.objects.order_by("pk")[:2]
    ExpertJudgment.objects.filter(pk=first.pk).update(rationale=f"문의는 {PHONE}로 주세요. 근거 충분")
    ExpertJudgment.objects.filter(pk=second.pk).update(rationale=f"자료는 {EMAIL} 에서 받았습니다")
    contest_transition(contest=contest, to=Contest.Phase.CLOSED)
    return contest_transition(contest=contest, to=Contest.Phase.PUBLISHED)


def every_path(contest, kind: str, tmp_path) -> dict[str, tuple]:
    """Run each export path of one dataset; return {path: (jsonl, parquet, manifest)}."""
    name = {"dataset": "votes", "judgments": "judgments"}[kind]
    single = {"dataset": "export_votes", "judgments": "export_judgments"}[kind]
    folder_manifest = {"dataset": "manifest.json", "judgments": "judgments-manifest.json"}[kind]
    job_id = export_jobs.export_job_start(contest=contest, kind=kind)
    export_jobs.export_job_run(job_id=job_id, contest_id=contest.pk, kind=kind)
    exports.published_files_write(contest_id=contest.pk)
    call_command("contest_export", contest="demo", output=str(tmp_path / "cli"), what=kind,
                 stdout=StringIO(), stderr=StringIO())
    call_command(single, contest="demo", output=str(tmp_path / "single" / f"{name}.jsonl"),
                 stdout=StringIO())
    folders = {
        "console": export_jobs.export_job_folder(job_id),
        "published": exports.published_folder(contest),
        "contest_export": tmp_path / "cli",
    }
    paths = {path: (folder / f"{name}.jsonl", folder / f"{name}.parquet", folder / folder_manifest)
             for path, folder in folders.items()}
    jsonl = tmp_path / "single" / f"{name}.jsonl"
    paths[single] = (jsonl, jsonl.with_suffix(".parquet"), tmp_path / "single" / f"{name}.jsonl.manifest.json")
    return paths


def ratings_of(path) -> dict:
    out = StringIO()
    call_command("ratings", input=str(path), bootstrap=200, seed=0, compact=True, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("kind", ["dataset", "judgments"])
def test_every_export_path_writes_the_same_bytes_and_the_same_manifest(published, tmp_path, kind):
    # When an organizer exports the same dataset by every path there is
    paths = every_path(published, kind, tmp_path)

    # Then the files are byte for byte the same, and so are the manifests
    console_jsonl, console_parquet, console_manifest = paths["console"]
    manifests = {path: json.loads(files[2].read_text(encoding="utf-8")) for path, files in paths.items()}
    for path, (jsonl, parquet, manifest) in paths.items():
        assert jsonl.read_bytes() == console_jsonl.read_bytes(), path
        assert parquet.read_bytes() == console_parquet.read_bytes(), path
        if path in ("published", "contest_export"):
            assert manifest.read_bytes() == console_manifest.read_bytes(), path
    reference = manifests["console"]
    assert set(reference) == {"contest", "phase", "snapshot", "rows", "files", "redactions"}
    assert reference["phase"] == "published" and reference["snapshot"] is not None
    assert reference["files"] == {
        console_jsonl.name: dataset.file_sha256(console_jsonl),
        console_parquet.name: dataset.file_sha256(console_parquet),
    }
    # The one-file commands give the same manifest, plus the old shape's `file` and `sha256`.
    single = manifests["export_votes" if kind == "dataset" else "export_judgments"]
    assert single == {**reference, "file": console_jsonl.name,
                      "sha256": reference["files"][console_jsonl.name]}
    # And every manifest still verifies its own files
    for path, files in paths.items():
        assert exports.manifest_verify(files[2]) == [], path


def test_every_path_redacts_the_rationales_and_publishes_no_prompt(published, tmp_path):
    votes = every_path(published, "dataset", tmp_path)
    judgments = every_path(published, "judgments", tmp_path)
    for path, (jsonl, parquet, manifest) in {**votes, **judgments}.items():
        text = jsonl.read_text(encoding="utf-8")
        values = json.dumps(pq.read_table(parquet).to_pylist(), ensure_ascii=False, default=str)
        for published_text in (text, values):
            assert PHONE not in published_text and EMAIL not in published_text, (path, jsonl.name)
    for path, (jsonl, parquet, manifest) in judgments.items():
        rationales = [row["rationale"] for row in pq.read_table(parquet).to_pylist()]
        assert "문의는 [전화번호]로 주세요. 근거 충분" in rationales, path
        assert "자료는 [이메일] 에서 받았습니다" in rationales, path
        counts = json.loads(manifest.read_text(encoding="utf-8"))["redactions"]
        assert counts["mobile_phone"] == 1 and counts["email"] == 1, path
    for path, (jsonl, parquet, manifest) in votes.items():
        # The vote dataset carries no prompt or answer: nothing to redact, every kind listed.
        counts = json.loads(manifest.read_text(encoding="utf-8"))["redactions"]
        assert counts and set(counts.values()) == {0}, path


@pytest.mark.parametrize("kind", ["dataset", "judgments"])
def test_ratings_on_every_path_give_the_board_of_record(published, tmp_path, kind):
    from voting.models import LeaderboardSnapshot

    paths = every_path(published, kind, tmp_path)
    snapshot = LeaderboardSnapshot.objects.get(
        pk=json.loads(paths["console"][2].read_text(encoding="utf-8"))["snapshot"])
    boards = {(path, file.suffix): ratings_of(file)
              for path, files in paths.items() for file in files[:2]}
    reference = boards[("console", ".jsonl")]
    assert [row["model"] for row in reference["models"]]
    assert reference["votes"] == snapshot.payload["votes"] > 0
    for key, board in boards.items():
        assert board["models"] == reference["models"], key
        assert board["votes"] == reference["votes"], key


def test_a_command_refuses_an_output_it_cannot_write(published, tmp_path):
    with pytest.raises(CommandError, match="JSONL"):
        call_command("export_votes", contest="demo", output=str(tmp_path / "votes.parquet"))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_judgments", contest="demo", output=str(blocker / "judgments.jsonl"))
    with pytest.raises(CommandError, match="No contest"):
        call_command("export_judgments", contest="nope", output=str(tmp_path / "j.jsonl"))


def test_publication_records_the_system_prompt_every_entrant_was_sent(db, settings, tmp_path, client):
    # The system prompt is fixed once the contest opens, so the contest's one record of it is
    # the record of every battle; it is downloadable beside the datasets.
    settings.EXPORTS_DIR = tmp_path / "site"
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo",
                             system_prompt="자신의 이름이나 만든 회사를 밝히지 마세요.")
    contest_transition(contest=contest, to=Contest.Phase.CLOSED)
    contest_transition(contest=contest, to=Contest.Phase.PUBLISHED)
    exports.published_files_write(contest_id=contest.pk)
    download = client.get("/results/demo/contest.json")
    assert download.status_code == 200
    document = json.loads(b"".join(download.streaming_content))
    assert document == {"contest": "demo", "title": contest.title, "paced_streams": True,
                        "system_prompt": "자신의 이름이나 만든 회사를 밝히지 마세요.",
                        "decision_rule": contest.rule(), "decision_rule_changes": [],
                        "previous_round": None}
    assert "contest.json" in client.get("/results/").content.decode()


def test_publication_records_the_decision_rule_its_changes_with_their_reasons_and_each_draw(
        db, settings, tmp_path, client):
    # Given a contest whose rule changed after opening, with a reason, and one voted battle
    from contest.services import contest_rule_set
    from tests.factories import EntrantFactory, votes_simulate

    settings.EXPORTS_DIR = tmp_path / "site"
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo", advance_k=2)
    entrants = [EntrantFactory(contest=contest) for _ in range(4)]
    contest_rule_set(contest=contest, rule={"advance_k": 3}, reason="심사위원회 결정")
    votes_simulate(contest, entrants, n=3)
    contest_transition(contest=contest, to=Contest.Phase.CLOSED)
    contest_transition(contest=contest, to=Contest.Phase.PUBLISHED)
    # When the results are published
    exports.published_files_write(contest_id=contest.pk)
    # Then contest.json carries the rule and its change's reason
    document = json.loads(b"".join(client.get("/results/demo/contest.json").streaming_content))
    assert document["decision_rule"]["k"] == 3
    assert [(c["before"]["k"], c["after"]["k"], c["reason"])
            for c in document["decision_rule_changes"]] == [(2, 3, "심사위원회 결정")]
    # And each voted battle's pair probability is a file beside the dataset, in its manifest
    draws = b"".join(client.get("/results/demo/pair-draws.jsonl").streaming_content).decode()
    rows = [json.loads(line) for line in draws.splitlines()]
    assert len(rows) == 3 and all(set(row) == {"battle_id", "pair_probability"} for row in rows)
    manifest = json.loads(b"".join(
        client.get("/results/demo/pair-draws-manifest.json").streaming_content))
    assert list(manifest["files"]) == ["pair-draws.jsonl"] and manifest["rows"] == 3
