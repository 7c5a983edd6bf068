"""The contest's decision on its declared board: which board decides, the aimed draw's refresh,
and the decision of record that the console, /results/ and the exports show.

The figures are stats.decision's, computed with the board (voting.board_assembly, from the same
bootstrap refits as its intervals) and stored in its snapshot as `advance`; this reads them. The
decision-aimed pair probabilities (stats.sampling) are recomputed here whenever the deciding
board is, and cached for the arena's draw (arena.draw), never per battle.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from arena.draw import draw_probabilities_store
from contest.models import Category, Contest
from contest.selectors import entrants_healthy
from voting import board_assembly, selectors
from voting.models import Track

logger = logging.getLogger(__name__)

# The bars' geometry, in the SVG's own units (a row per entrant).
BAR_TOP, BAR_ROW, BAR_WIDTH = 6, 26, 400


def rule_for_board(*, contest: Contest, track: str, category: Category | None) -> dict | None:
    """Return the contest's declared rule when this board is the one that decides, else None."""
    if contest.advance_k is None or category is not None or track != contest.decision_board:
        return None
    return contest.rule()


def track_weights_for(track: str) -> dict | None:
    """The published track weights on the combined board, else None (as the board is fitted)."""
    return settings.LEADERBOARD["TRACK_WEIGHTS"] if track == Track.COMBINED else None


def draw_refresh(*, contest: Contest, rows: list[dict]) -> None:
    """Recompute and cache the decision-aimed pair probabilities from the deciding board's rows.

    Over the contest's healthy entrants (the ones the arena draws from); nothing is cached for a
    contest that draws uniformly or declared no rule. A fault is logged and leaves the draw to
    fall back to uniform (arena.draw): it never stops the board's refresh.
    """
    if contest.pair_draw != Contest.PairDraw.DECISION or contest.advance_k is None:
        return
    try:
        ids = dict(entrants_healthy(contest=contest).values_list("display_name", "pk"))
        probabilities = board_assembly.draw_probabilities(
            rows, models=sorted(ids), rule=contest.rule(),
            weights=track_weights_for(contest.decision_board))
        draw_probabilities_store(
            contest_id=contest.pk,
            probabilities=None if probabilities is None else {
                (ids[a], ids[b]): p for (a, b), p in probabilities.items()})
    except Exception:  # noqa: BLE001 - the draw falls back to uniform; the board goes on
        logger.exception("contest %s: the decision-aimed pair probabilities were not refreshed",
                         contest.pk)


def decision_of_record(*, contest: Contest) -> dict | None:
    """Return the decision on the declared board of record, or None when no rule is declared.

    `{"rule", "board_label", "advance" (the contract's object, or None while the board cannot
    decide: too few models or no votes), "rows": [{"model", "probability", "status"}],
    "sure", "undecided", "votes", "snapshot", "changes"}`, each row's status "in" (advancing
    with at least the confidence), "out" (at most 1 - confidence) or "open".
    """
    if contest.advance_k is None:
        return None
    snapshot = selectors.snapshot_latest(contest=contest, track=contest.decision_board, category=None)
    payload = snapshot.payload if snapshot else {}
    advance = payload.get("advance") if payload.get("decision_rule") == contest.rule() else None
    # No probability the deciding board cannot stand behind: while it withholds its ratings
    # (stats.evidence), the pages and files withhold the decision's figures too.
    withheld = bool(advance) and not board_assembly.ratings_evidence(
        payload, settings.LEADERBOARD["MIN_BATTLES_RATED"])["ratings_shown"]
    if withheld:
        advance = None
    confidence = contest.decision_confidence
    rows = []
    if advance:
        for model, probability in sorted(advance["models"].items(), key=lambda kv: (-kv[1], kv[0])):
            status = ("in" if probability >= confidence else
                      "out" if probability <= 1 - confidence else "open")
            rows.append({"model": model, "probability": probability, "status": status,
                         "percent": round(probability * 100, 1),
                         "in_set": model in advance["set"],
                         # the server-drawn bar (templates/console/_decision.html)
                         "y": BAR_TOP + len(rows) * BAR_ROW,
                         "width": round(probability * BAR_WIDTH, 1)})
    sure = [row["model"] for row in rows if row["status"] == "in"]
    undecided = [row["model"] for row in rows if row["status"] == "open"]
    changes = [{"at": change.created_at, "before": change.before, "after": change.after,
                "reason": change.reason} for change in contest.rule_changes.order_by("created_at")]
    return {
        "rule": contest.rule(),
        "board_label": str(dict(Contest.DecisionBoard.choices)[contest.decision_board]),
        "tie_label": str(dict(Contest.TieRule.choices)[contest.decision_tie]),
        "draw_label": str(dict(Contest.PairDraw.choices)[contest.pair_draw]),
        "confidence_percent": f"{confidence * 100:g}",
        "advance": advance,
        "rows": rows,
        "sure": sure,
        "undecided": undecided,
        "sentence": (_("결정하는 순위표가 아직 점수를 보여 줄 만큼 근거가 없어, 진출 확률도 아직 계산해 보여 주지 않습니다.")
                     if withheld else
                     decision_sentence(advance=advance, sure=sure, undecided=undecided,
                                       confidence=confidence, k=contest.advance_k)),
        "withheld": withheld,
        "votes": snapshot.votes if snapshot else 0,
        "snapshot": snapshot.pk if snapshot else None,
        "changes": changes,
        "plot_height": BAR_TOP * 2 + len(rows) * BAR_ROW,
        "confidence_x": 160 + round(confidence * BAR_WIDTH, 1),
    }


def decision_sentence(*, advance: dict | None, sure: list[str], undecided: list[str],
                      confidence: float, k: int) -> str:
    """Return the decision in plain words: who advances with at least the confidence, among whom
    the places still open are, and whether the set is decided (the verdict)."""
    if not advance:
        return _("아직 진출을 판단할 투표가 없습니다.")
    percent = f"{confidence * 100:g}"
    parts = []
    if sure:
        # The plainest true floor: 99% when every one of them is that sure, else the confidence.
        lowest = min(advance["models"][name] for name in sure)
        floor = "99" if lowest >= 0.99 > confidence else percent
        parts.append(_("%(names)s: %(percent)s%% 이상 확률로 진출") % {
            "names": ", ".join(sure), "percent": floor})
    open_places = k - len(sure)
    if undecided and open_places > 0:
        parts.append(_("%(names)s 중 %(n)d팀은 아직 결정되지 않음") % {
            "names": ", ".join(undecided), "n": open_places})
    verdict = (_("판정: 진출 팀이 확정되었습니다: %(set)s (계속 지켜봐도 유효한 %(percent)s%% 기준).") % {
                   "set": ", ".join(advance["set"]), "percent": percent}
               if advance["decided"] else
               _("판정: 진출 팀은 아직 확정되지 않았습니다 (계속 지켜봐도 유효한 %(percent)s%% 기준).") % {
                   "percent": percent})
    return " · ".join(parts + [verdict]) if parts else verdict
