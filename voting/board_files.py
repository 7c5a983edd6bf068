"""The leaderboards an organizer exports and publishes: every board of record as table rows, and
leaderboards.csv / .json / .xlsx written from them.

Decisions (docs/leaderboard.md): the workbook has one sheet per board that has votes, and a first
sheet listing every board, with "투표 없음" for the empty ones (no header-only sheets); win rates
are fractions formatted as percentages (a number format in Excel, "62.5%" text in the CSV, plain
numbers in the JSON); a board or model below LEADERBOARD_PROVISIONAL_VOTES is marked 잠정, and a
zero-width interval is left blank, never shown as certainty. openpyxl writes the workbook.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contest.models import Category, Contest
from voting import dataset, selectors
from voting.board_assembly import interval_known, provisional_models, ratings_evidence
from voting.boards import leaderboard_compute
from voting.decision import decision_of_record
from voting.models import Track

BOARD_HEADERS = (
    ("rank", "순위"), ("rank_ub", "순위 상한"), ("model", "모델"), ("team", "팀"),
    ("rating", "점수"), ("ci_lower", "95% 하한"), ("ci_upper", "95% 상한"),
    ("battles", "투표 수"), ("win_rate", "승률"), ("style_rating", "스타일 통제 점수"),
    ("provisional", "잠정"),
)
# What the style column says when it has no figures (stats.style / board_assembly statuses).
STYLE_NOTES = {
    "too_few_votes": gettext_noop("표본이 부족해 계산하지 않음"),
    "confounded": gettext_noop("스타일과 모델이 겹쳐 구분할 수 없음"),
    "not_converged": gettext_noop("계산이 수렴하지 않아 표시하지 않음"),
    "not_applicable": gettext_noop("시민 투표 순위에만 계산함"),
}
EMPTY_NOTE = gettext_noop("투표 없음")
# What a board says instead of ratings and ranks while it has too little evidence for them
# (stats.evidence's reasons; the combined board's own, voting.board_assembly.TRACK_EMPTY).
WITHHELD_NOTES = {
    "no_votes": gettext_noop("아직 투표가 없습니다."),
    "too_few_battles": gettext_noop("아직 표본이 적어 점수와 순위를 보여 주지 않습니다. 투표 수와 승률만 봐 주세요."),
    "disconnected": gettext_noop("서로 비교되지 않은 모델이 있어 점수와 순위를 보여 주지 않습니다. 투표 수와 승률만 봐 주세요."),
    "no_estimate": gettext_noop("모든 대결에서 이기거나 진 모델이 있어 점수를 추정할 수 없습니다. 투표 수와 승률만 봐 주세요."),
    "estimate_on_bound": gettext_noop("추정치가 아직 구간 끝에 붙어 있어 점수와 순위를 보여 주지 않습니다. 투표 수와 승률만 봐 주세요."),
    "track_empty": gettext_noop("종합 순위는 시민과 전문가 트랙 모두에 표가 있어야 계산합니다. 투표 수와 승률만 봐 주세요."),
}
# The figures a board without enough evidence leaves out (DESIGN.md's row keys and the style column).
WITHHELD_KEYS = ("rank", "rank_ub", "rating", "ci_lower", "ci_upper", "style_rating")


def withheld_note(board_payload: dict) -> str | None:
    """Return the sentence a board shows instead of ratings and ranks (translated), or None
    when it may show them; judged from the board's own figures, as the API does, so a snapshot
    stored before the flags is judged too."""
    shown = ratings_evidence(board_payload, settings.LEADERBOARD["MIN_BATTLES_RATED"])
    if shown["ratings_shown"]:
        return None
    return _(WITHHELD_NOTES.get(shown["ratings_withheld"], WITHHELD_NOTES["too_few_battles"]))
PERCENT = "0.0%"
WIDTHS = {"model": 28, "team": 22, "style_rating": 16, "rank_ub": 10}


def style_note(board_payload: dict) -> str | None:
    """Return why a board's style column is empty (translated), or None when it has figures."""
    status = (board_payload.get("style_control") or {}).get("status", "ok")
    return _(STYLE_NOTES[status]) if status in STYLE_NOTES else None


def boards_of_record(*, contest: Contest) -> list[dict]:
    """Return every board (track × overall and each category) of record, as table rows.

    Uses the snapshot frozen at closing when there is one, else the newest (computing it when
    none exists yet). Each board says whether it is provisional (잠정) and why its style column
    is empty; each row whether its model is provisional and whether its interval is known.
    """
    teams = dict(contest.entrants.values_list("display_name", "team__name"))
    track_labels = dict(Track.choices)
    threshold = settings.LEADERBOARD["PROVISIONAL_VOTES"]
    boards = []
    for track in Track.values:
        for category in [None, *Category.objects.all()]:
            snapshot = selectors.snapshot_latest(contest=contest, track=track, category=category)
            if snapshot is None:
                snapshot = leaderboard_compute(contest=contest, track=track, category=category)
            payload = snapshot.payload
            style = {row["model"]: row["rating"]
                     for row in (payload.get("style_control") or {}).get("models", [])}
            provisional = set(provisional_models(payload.get("models", []), threshold))
            note = withheld_note(payload)
            rows = [
                {
                    **{key: entry.get(key) for key, _label in BOARD_HEADERS},
                    "team": teams.get(entry["model"], ""),
                    "style_rating": style.get(entry["model"]),
                    "provisional": entry["model"] in provisional,
                    "interval_known": interval_known(entry) and note is None,
                    # Without the evidence for them, no rating, interval or rank leaves the site.
                    **({key: None for key in WITHHELD_KEYS} if note else {}),
                }
                for entry in payload.get("models", [])
            ]
            if note:  # in the order of the votes' counts, not of the withheld ratings
                rows.sort(key=lambda row: (-(row["battles"] or 0), row["model"]))
            boards.append({
                "track": track,
                "track_label": str(track_labels[track]),
                "category": category.slug if category else None,
                "category_label": category.name if category else _("전체"),
                "snapshot": snapshot.pk,
                "frozen": snapshot.frozen,
                "votes": snapshot.votes,
                "votes_sha256": snapshot.votes_sha256,
                "computed_at": snapshot.computed_at.isoformat(),
                "provisional": bool(provisional),
                "provisional_votes": threshold,
                "style_note": style_note(payload),
                "ratings_shown": note is None,
                "withheld_note": note,
                "models": rows,
            })
    return boards


def _sheet_title(board: dict, used: set[str]) -> str:
    title = f"{board['track_label']}-{board['category_label']}"
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    title = title[:31]
    base, n = title, 2
    while title in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def _cell(row: dict, key: str):
    """A row's value as a sheet shows it: no zero-width interval, 잠정 as a word."""
    if key in ("ci_lower", "ci_upper") and not row["interval_known"]:
        return None
    if key == "provisional":
        return _("잠정") if row["provisional"] else ""
    return row[key]


def _csv_cell(row: dict, key: str):
    value = _cell(row, key)
    if key == "win_rate" and value is not None:
        return f"{value * 100:.1f}%"
    return "—" if value is None else value


def decision_document(decision: dict | None) -> dict | None:
    """The decision as leaderboards.json carries it: the declared rule, the contract's
    `advance` object (None while the board cannot decide) and the rule's later changes."""
    if decision is None:
        return None
    return {"rule": decision["rule"], "advance": decision["advance"],
            "sentence": decision["sentence"],
            "changes": [{**change, "at": change["at"].isoformat()} for change in decision["changes"]]}


def _decision_sheet(sheet, decision: dict) -> None:
    """The workbook's last sheet: the rule, each entrant's probability of advancing, the verdict."""
    from openpyxl.styles import Font

    rule = decision["rule"]
    sheet.append([_("결정하는 순위표"), decision["board_label"], _("진출 팀 수"), rule["k"],
                  _("필요한 확신"), rule["confidence"]])
    sheet.append([decision["sentence"]])
    sheet.append([])
    sheet.append([_("모델"), _("진출 확률"), _("진출 세트")])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in decision["rows"]:
        sheet.append([row["model"], row["probability"], _("예") if row["in_set"] else ""])
        sheet.cell(row=sheet.max_row, column=2).number_format = PERCENT
    sheet["F1"].number_format = PERCENT
    sheet.column_dimensions["A"].width = 28
    for change in decision["changes"]:
        sheet.append([_("규칙 변경"), change["at"].isoformat(), str(change["before"]),
                      str(change["after"]), change["reason"]])


def _workbook(boards: list[dict], decision: dict | None = None):
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    index = workbook.active
    index.title = _("순위표 목록")
    index.append([_("트랙"), _("분야"), _("투표 수"), _("잠정"), _("스타일 통제 점수"), _("시트"),
                  _("점수와 순위")])
    used: set[str] = {index.title}
    for board in boards:
        sheet_name = _sheet_title(board, used) if board["models"] else ""
        index.append([board["track_label"], board["category_label"], board["votes"],
                      _("잠정") if board["provisional"] else "",
                      board["style_note"] or "", sheet_name or _(EMPTY_NOTE),
                      board["withheld_note"] or ""])
        if not board["models"]:
            continue
        sheet = workbook.create_sheet(sheet_name)
        sheet.append([_(label) for _key, label in BOARD_HEADERS])
        for row in board["models"]:
            sheet.append([_cell(row, key) for key, _label in BOARD_HEADERS])
        column = {key: get_column_letter(i) for i, (key, _l) in enumerate(BOARD_HEADERS, start=1)}
        for cell in sheet[column["win_rate"]][1:]:
            cell.number_format = PERCENT
        for key, width in WIDTHS.items():
            sheet.column_dimensions[column[key]].width = width
        sheet.auto_filter.ref = sheet.dimensions
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for cell in index[1]:
        cell.font = Font(bold=True)
    if decision is not None:
        _decision_sheet(workbook.create_sheet(_("진출 결정")), decision)
    index.column_dimensions["B"].width = 16
    index.column_dimensions["E"].width = 30
    index.column_dimensions["F"].width = 24
    index.freeze_panes = "A2"
    return workbook


def leaderboards_export(*, contest: Contest, directory: Path, progress=None) -> dict:
    """Write leaderboards.csv, leaderboards.json and leaderboards.xlsx; return {name: sha256}.

    Korean headers. The CSV has one line per model of every board with votes, and one
    "투표 없음" line per board without; the JSON has every board, numbers as numbers.
    """
    progress = progress or (lambda done, total, label: None)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    progress(0, 4, _("순위표 모으는 중"))
    boards = boards_of_record(contest=contest)
    progress(1, 4, "CSV")
    with open(directory / "leaderboards.csv", "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([_("트랙"), _("분야"), *[_(label) for _key, label in BOARD_HEADERS]])
        for board in boards:
            if not board["models"]:
                writer.writerow([board["track_label"], board["category_label"], _(EMPTY_NOTE)])
            for row in board["models"]:
                writer.writerow([board["track_label"], board["category_label"],
                                 *[_csv_cell(row, key) for key, _label in BOARD_HEADERS]])
    progress(2, 4, "JSON")
    decision = decision_of_record(contest=contest)
    document = {"contest": contest.slug, "phase": contest.phase,
                "decision": decision_document(decision), "boards": [
        {key: value for key, value in board.items() if not key.endswith("_label")}
        for board in boards
    ]}
    (directory / "leaderboards.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    progress(3, 4, "Excel")
    _workbook(boards, decision).save(directory / "leaderboards.xlsx")
    progress(4, 4, _("완료"))
    names = ("leaderboards.csv", "leaderboards.json", "leaderboards.xlsx")
    return {name: dataset.file_sha256(directory / name) for name in names}
