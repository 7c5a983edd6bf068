"""Exports: the dataset round trip through the ratings CLI, manifests, Excel files, privacy."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from voting import exports
from voting.models import LeaderboardSnapshot, Track


@pytest.mark.parametrize("name", ["votes.jsonl", "votes.parquet"])
def test_export_then_ratings_reproduces_the_frozen_board_figure_for_figure(
    closed_contest, tmp_path, name
):
    # Given a closed contest whose boards are frozen
    frozen = LeaderboardSnapshot.objects.get(
        contest=closed_contest, track=Track.CITIZEN, category=None, frozen=True
    )
    # When an organizer exports the dataset and anyone runs the ratings CLI on a file
    manifest = exports.dataset_export(contest=closed_contest, directory=tmp_path)
    out = StringIO()
    call_command("ratings", input=str(tmp_path / name), bootstrap=1000, seed=0, compact=True,
                 stdout=out)
    result = json.loads(out.getvalue())
    # Then the board and the hash are those of the frozen snapshot and the manifest
    assert manifest["snapshot"] == frozen.pk
    assert manifest["rows"] == 60
    assert result["models"] == frozen.payload["models"]
    assert result["votes"] == frozen.payload["votes"] == 59
    assert result["votes_sha256"] == frozen.votes_sha256 == manifest["files"]["votes.jsonl"]


def test_manifest_has_exactly_the_contract_keys(closed_contest, tmp_path):
    manifest = exports.dataset_export(contest=closed_contest, directory=tmp_path)
    on_disk = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert set(manifest) == {"contest", "phase", "snapshot", "rows", "files", "redactions"}
    assert manifest["contest"] == "demo"
    assert manifest["phase"] == "closed"
    assert set(manifest["files"]) == {"votes.jsonl", "votes.parquet"}
    assert all(len(digest) == 64 for digest in manifest["files"].values())


@pytest.mark.parametrize("name", ["votes.jsonl", "votes.parquet"])
def test_manifest_detects_one_changed_byte(closed_contest, tmp_path, name):
    exports.dataset_export(contest=closed_contest, directory=tmp_path)
    assert exports.manifest_verify(tmp_path) == []
    path = tmp_path / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert exports.manifest_verify(tmp_path) == [name]


def test_dataset_rows_carry_only_the_contract_columns_and_hashed_voters(closed_contest, tmp_path):
    exports.dataset_export(contest=closed_contest, directory=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "votes.jsonl").read_text().splitlines()]
    assert set(rows[0]) == {
        "battle_id", "contest", "track", "category", "model_a", "model_b", "winner", "turns",
        "created_at", "voter", "excluded",
    }
    session_keys = {f"s0-{k}" for k in range(60)}
    text = (tmp_path / "votes.jsonl").read_text()
    assert not any(key in text for key in session_keys)
    assert sum(1 for row in rows if row["excluded"] == "중복 투표") == 1


def test_leaderboards_export_csv_json_and_xlsx_with_korean_headers(closed_contest, tmp_path):
    files = exports.leaderboards_export(contest=closed_contest, directory=tmp_path)
    assert set(files) == {"leaderboards.csv", "leaderboards.json", "leaderboards.xlsx"}
    workbook = load_workbook(tmp_path / "leaderboards.xlsx")
    assert workbook.sheetnames == [
        "시민-전체", "시민-코딩", "전문가-전체", "전문가-코딩", "종합-전체", "종합-코딩",
        "국민평가단-전체", "국민평가단-코딩",
    ]
    header = [cell.value for cell in workbook["시민-전체"][1]]
    assert header == ["순위", "순위 상한", "모델", "팀", "점수", "95% 하한", "95% 상한",
                      "투표 수", "승률", "스타일 통제 점수"]
    assert workbook["시민-전체"].max_row == 1 + 4
    document = json.loads((tmp_path / "leaderboards.json").read_text(encoding="utf-8"))
    citizen = document["boards"][0]
    assert citizen["frozen"] is True
    assert [row["model"] for row in citizen["models"]] == [
        cell.value for cell in workbook["시민-전체"]["C"][1:]
    ]
    csv_text = (tmp_path / "leaderboards.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("트랙,분야,순위,순위 상한,모델")


def test_contest_export_command_writes_every_file(closed_contest, tmp_path):
    call_command("contest_export", contest="demo", output=str(tmp_path), stdout=StringIO(),
                 stderr=StringIO())
    names = {path.name for path in tmp_path.iterdir()}
    assert {"votes.jsonl", "votes.parquet", "manifest.json", "leaderboards.xlsx"} <= names
    assert sum(name.startswith("team-") for name in names) == 4


def test_ratings_cli_refuses_a_parquet_file_with_an_unknown_winner(tmp_path):
    from voting import dataset

    dataset.parquet_write([{"model_a": "x", "model_b": "y", "winner": "draw"}],
                          tmp_path / "bad.parquet")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="winner 'draw'"):
        call_command("ratings", input=str(tmp_path / "bad.parquet"))
    with pytest.raises(CommandError, match="jsonl or .parquet"):
        call_command("ratings", input=str(tmp_path / "votes.csv"))
