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
