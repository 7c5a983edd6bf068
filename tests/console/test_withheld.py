"""No figure a board cannot stand behind: below the evidence threshold the printable results,
/results/ and the exported files show counts and win rates with a plain sentence, no rating,
interval or rank; the combined board likewise while one of its tracks is empty."""
import csv
import json

import pytest
from openpyxl import load_workbook

from contest.models import Contest
from contest.services import contest_transition
from tests.factories import ContestFactory, EntrantFactory, votes_simulate
from voting import exports
from voting.board_files import boards_of_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def nine_votes(db):
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo")
    entrants = [EntrantFactory(contest=contest, display_name=f"M{i}") for i in range(5)]
    votes_simulate(contest, entrants, 9, seed=1)
    contest_transition(contest=contest, to=Contest.Phase.CLOSED)
    contest_transition(contest=contest, to=Contest.Phase.PUBLISHED)
    return contest


def _board(contest, track):
    return next(b for b in boards_of_record(contest=contest)
                if b["track"] == track and b["category"] is None)


def test_a_board_of_nine_votes_shows_counts_and_win_rates_only(nine_votes, client):
    citizen = _board(nine_votes, "citizen")
    assert citizen["ratings_shown"] is False and citizen["withheld_note"]
    assert all(row[key] is None for row in citizen["models"]
               for key in ("rating", "ci_lower", "ci_upper", "rank", "rank_ub"))
    assert [row["battles"] for row in citizen["models"]] == sorted(
        (row["battles"] for row in citizen["models"]), reverse=True)

    page = client.get("/results/?contest=demo").content.decode()
    assert citizen["withheld_note"] in page
    assert 'class="results-plot"' not in page


def test_the_files_of_a_board_without_evidence_carry_no_rating(nine_votes, tmp_path):
    exports.leaderboards_export(contest=nine_votes, directory=tmp_path)

    document = json.loads((tmp_path / "leaderboards.json").read_text(encoding="utf-8"))
    citizen = next(b for b in document["boards"] if b["track"] == "citizen" and not b["category"])
    assert citizen["ratings_shown"] is False
    assert {row["rating"] for row in citizen["models"]} == {None}
    sheet = load_workbook(tmp_path / "leaderboards.xlsx")["시민-전체"]
    assert [cell.value for cell in sheet["E"][1:]] == [None] * 5  # 점수
    assert all(0 <= cell.value <= 1 for cell in sheet["I"][1:] if cell.value is not None)  # 승률
    index = load_workbook(tmp_path / "leaderboards.xlsx")["순위표 목록"]
    assert any(row[6] for row in index.iter_rows(min_row=2, values_only=True))
    with open(tmp_path / "leaderboards.csv", encoding="utf-8-sig") as handle:
        lines = [line for line in csv.reader(handle) if line[:2] == ["시민", "전체"]]
    assert {line[6] for line in lines} == {"—"}  # 점수


def test_the_combined_board_is_withheld_while_the_expert_track_is_empty(db):
    contest = ContestFactory(phase=Contest.Phase.OPEN)
    entrants = [EntrantFactory(contest=contest) for _ in range(3)]
    votes_simulate(contest, entrants, 300, seed=3)

    citizen, combined = _board(contest, "citizen"), _board(contest, "combined")

    assert citizen["ratings_shown"] is True
    assert combined["ratings_shown"] is False and "전문가" in combined["withheld_note"]


def test_the_decision_shows_no_probability_while_its_board_withholds_ratings(db, client):
    # Given nine votes on the board declared to decide two of five, then published
    contest = ContestFactory(phase=Contest.Phase.OPEN, slug="demo", advance_k=2)
    entrants = [EntrantFactory(contest=contest, display_name=f"M{i}") for i in range(5)]
    votes_simulate(contest, entrants, 9, seed=1)
    contest_transition(contest=contest, to=Contest.Phase.CLOSED)
    contest_transition(contest=contest, to=Contest.Phase.PUBLISHED)

    page = client.get("/results/?contest=demo").content.decode()

    # Then the decision says why it shows no probability, and draws no bar
    assert 'id="decision-sentence"' in page and "근거가 없어" in page
    assert 'class="bar bar-' not in page
