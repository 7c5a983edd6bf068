"""The per-team report: its sheets, and personal data redacted in the sample battles."""
from openpyxl import load_workbook

from arena.models import Response, Turn
from voting.team_report import team_report_export


def test_team_report_redacts_personal_data_in_sample_battles(closed_contest, tmp_path):
    entrant = closed_contest.entrants.order_by("pk").first()
    Turn.objects.filter(battle__entrant_a=entrant).update(prompt="제 번호 010-1234-5678로 연락 주세요")
    Response.objects.filter(entrant=entrant).update(text="메일 someone@example.com 로 보냈습니다")
    report = team_report_export(contest=closed_contest, team=entrant.team, directory=tmp_path)
    workbook = load_workbook(tmp_path / report["file"])
    assert workbook.sheetnames == ["요약", "점수 추이", "상대별 승률", "분야별 승률", "실패율", "대결 예시"]
    cells = " ".join(
        str(cell.value) for row in workbook["대결 예시"].iter_rows() for cell in row
    )
    assert "010-1234-5678" not in cells and "someone@example.com" not in cells
    assert "[전화번호]" in cells or "[이메일]" in cells
    assert report["redactions"]["email"] >= 1
    assert workbook["상대별 승률"].max_row == 1 + 3


def test_team_report_reads_like_the_leaderboards_workbook(closed_contest, tmp_path):
    # Given a team's report after the contest closed.
    entrant = closed_contest.entrants.order_by("pk").first()
    Response.objects.filter(entrant=entrant).update(text="긴 답변입니다. " * 40)
    report = team_report_export(contest=closed_contest, team=entrant.team, directory=tmp_path)
    workbook = load_workbook(tmp_path / report["file"])

    for sheet in workbook.worksheets:
        # Then every sheet keeps its bold header in view and no column has Excel's default width.
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
        for letter in (cell.column_letter for cell in sheet[1]):
            assert sheet.column_dimensions[letter].customWidth, (sheet.title, letter)
            assert sheet.column_dimensions[letter].width >= 10, (sheet.title, letter)

    # And a win rate reads as a percentage (0.875 shows as 87.5%), counts as whole numbers.
    opponents = workbook["상대별 승률"]
    header = [cell.value for cell in opponents[1]]
    win_rate = header.index("승률") + 1
    rates = [row[win_rate - 1] for row in opponents.iter_rows(min_row=2)]
    assert rates and all(cell.number_format == "0.0%" for cell in rates)
    assert all(0 <= cell.value <= 1 for cell in rates if cell.value is not None)
    assert opponents.cell(row=2, column=header.index("승") + 1).number_format == "#,##0"
    assert workbook["요약"].cell(row=2, column=9).number_format == "0.0%"
    assert workbook["실패율"].cell(row=1, column=4).value == "실패율"
    assert all(row[3].number_format == "0.0%" for row in workbook["실패율"].iter_rows(min_row=2))

    # And the sample answers wrap in a wide column instead of running off in one line.
    samples = workbook["대결 예시"]
    answers = [row[4] for row in samples.iter_rows(min_row=2)]
    assert answers and all(cell.alignment.wrap_text for cell in answers)
    assert samples.column_dimensions["E"].width >= 50
    assert samples.column_dimensions["D"].width >= 50
