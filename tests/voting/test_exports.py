"""Exports: the dataset round trip through the ratings CLI, manifests, Excel files, privacy."""
import json
import re
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
    # Boards without votes get no header-only sheet: the first sheet lists them as 투표 없음.
    assert workbook.sheetnames == [
        "순위표 목록", "시민-전체", "시민-코딩", "종합-전체", "종합-코딩",
    ]
    listed = {(row[0], row[1]): row for row in workbook["순위표 목록"].iter_rows(min_row=2, values_only=True)}
    assert listed[("전문가", "코딩")][5] == "투표 없음"
    assert listed[("시민", "전체")][5] == "시민-전체"
    sheet = workbook["시민-전체"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["순위", "순위 상한", "모델", "팀", "점수", "95% 하한", "95% 상한",
                      "투표 수", "승률", "스타일 통제 점수", "잠정"]
    assert sheet.max_row == 1 + 4
    # Win rates are fractions shown as percentages; the table can be filtered.
    assert 0 < sheet["I2"].value < 1 and sheet["I2"].number_format == "0.0%"
    assert sheet.auto_filter.ref == sheet.dimensions
    document = json.loads((tmp_path / "leaderboards.json").read_text(encoding="utf-8"))
    citizen = document["boards"][0]
    assert citizen["frozen"] is True
    assert isinstance(citizen["models"][0]["win_rate"], float)
    assert [row["model"] for row in citizen["models"]] == [
        cell.value for cell in sheet["C"][1:]
    ]
    csv_text = (tmp_path / "leaderboards.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("트랙,분야,순위,순위 상한,모델")
    assert "전문가,코딩,투표 없음" in csv_text
    assert re.search(r",\d+\.\d%,", csv_text.splitlines()[1])


def test_leaderboards_mark_provisional_boards_and_hide_zero_width_intervals(closed_contest, tmp_path,
                                                                            settings):
    # Given a provisional threshold above every model's votes.
    settings.LEADERBOARD = {**settings.LEADERBOARD, "PROVISIONAL_VOTES": 10_000}

    # When the boards are exported.
    exports.leaderboards_export(contest=closed_contest, directory=tmp_path)

    # Then every board with votes and every model on it is marked 잠정.
    workbook = load_workbook(tmp_path / "leaderboards.xlsx")
    assert all(row[3] == "잠정" for row in workbook["순위표 목록"].iter_rows(min_row=2, values_only=True)
               if row[2])
    assert [cell.value for cell in workbook["시민-전체"]["K"][1:]] == ["잠정"] * 4
    document = json.loads((tmp_path / "leaderboards.json").read_text(encoding="utf-8"))
    assert document["boards"][0]["provisional"] is True


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


def test_published_style_features_let_the_ratings_cli_print_the_style_board(closed_contest, tmp_path,
                                                                            settings):
    from arena.models import Response
    from voting import board_assembly, selectors
    from voting.style_publication import STYLE_FILE, STYLE_MANIFEST_FILE, style_features_publish

    # Given answers whose length varies, and the vote dataset with its style features beside it.
    for i, response in enumerate(Response.objects.order_by("pk")):
        Response.objects.filter(pk=response.pk).update(text="답 " * (5 + (i * 37) % 90) + "\n- 항목" * (i % 3))
    settings.LEADERBOARD = {**settings.LEADERBOARD, "STYLE_MIN_VOTES": 20, "STYLE_BOOTSTRAP_ROUNDS": 10}
    exports.dataset_export(contest=closed_contest, directory=tmp_path)
    manifest = style_features_publish(contest=closed_contest, folder=tmp_path)

    # When anyone recomputes from the two published files.
    out = StringIO()
    call_command("ratings", input=str(tmp_path / "votes.jsonl"), style_features=str(tmp_path / STYLE_FILE),
                 bootstrap=0, style_bootstrap=10, style_min_votes=20, stdout=out)
    printed = json.loads(out.getvalue())

    # Then the vote dataset kept its columns, the style file has its own manifest, and the CLI
    # prints exactly the style-controlled board the leaderboard computes.
    first = json.loads((tmp_path / "votes.jsonl").read_text().splitlines()[0])
    assert "length_a" not in first
    assert manifest["rows"] == 60 and set(manifest["files"]) == {STYLE_FILE}
    assert json.loads((tmp_path / STYLE_MANIFEST_FILE).read_text())["files"] == manifest["files"]
    counted = [row for row in selectors.vote_rows(contest=closed_contest, track="citizen")
               if not row["excluded"]]
    board = board_assembly.style_controlled(counted, selectors.answer_texts, settings.LEADERBOARD)
    assert printed["style_control"] == board
    assert printed["style_control"]["votes"] == 59


def test_ratings_cli_names_a_battle_the_style_file_does_not_cover(closed_contest, tmp_path):
    from django.core.management import CommandError

    exports.dataset_export(contest=closed_contest, directory=tmp_path)
    (tmp_path / "style.jsonl").write_text('{"battle_id": "x"}\n')

    with pytest.raises(CommandError, match="line 1"):
        call_command("ratings", input=str(tmp_path / "votes.jsonl"),
                     style_features=str(tmp_path / "style.jsonl"), stdout=StringIO())


@pytest.mark.parametrize("content, message", [
    ("not json\n", "line 1: not valid JSON"),
    ('\n["a list"]\n', "line 2: expected a JSON object"),
])
def test_ratings_cli_names_the_malformed_line_of_the_style_file(closed_contest, tmp_path, content,
                                                                 message):
    # The style file is read by the same line reader as the judgments dataset
    # (voting.dataset.jsonl_rows): the same messages, naming the file and the line.
    from django.core.management import CommandError

    exports.dataset_export(contest=closed_contest, directory=tmp_path)
    (tmp_path / "style.jsonl").write_text(content)

    with pytest.raises(CommandError, match=message) as raised:
        call_command("ratings", input=str(tmp_path / "votes.jsonl"),
                     style_features=str(tmp_path / "style.jsonl"), stdout=StringIO())
    assert "style.jsonl" in str(raised.value)
