"""Reads of the expert track: an expert's queue and items, the judgments dataset, progress."""
from collections import Counter
from datetime import UTC

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from contest.models import Contest
from expert.models import (
    DEFAULT_CRITERIA, DEFAULT_DESCRIPTIONS, DEFAULT_EXAMPLES, Answer, Assignment, ExpertJudgment, Pair, PromptSet,
)
from voting.selectors import WINNER_BY_CHOICE

DEFAULT_LABELS = {criterion["key"]: criterion["label"] for criterion in DEFAULT_CRITERIA}
CRITERION_WINNER = {"a": "model_a", "b": "model_b", "tie": "tie"}


def criteria_shown(prompt_set: PromptSet) -> list[dict]:
    """Return the rubric as the page shows it: each criterion's label, what it asks and an
    example, the default criteria in the visitor's language, an organizer's own as written."""
    shown = []
    for c in prompt_set.criteria:
        if DEFAULT_LABELS.get(c["key"]) == c["label"]:
            label, description = _(c["label"]), _(DEFAULT_DESCRIPTIONS[c["key"]])
            example = _(DEFAULT_EXAMPLES[c["key"]])
        else:
            label, description = c["label"], str(c.get("description") or "")
            example = str(c.get("example") or "")
        shown.append({"key": c["key"], "label": label, "description": description, "example": example})
    return shown


def expert_progress(user) -> dict:
    """Return {"done", "total"}: items judged or skipped, out of all assigned to the expert."""
    counts = Assignment.objects.filter(expert=user).aggregate(
        total=Count("pk"), done=Count("pk", filter=~Q(status=Assignment.Status.ASSIGNED))
    )
    return {"done": counts["done"], "total": counts["total"]}


def expert_queue(user) -> list[Assignment]:
    """Return the expert's assignments in order. A prompt judged in several pairs (other models
    side by side) carries `repeat = (n, of)` on each, so the queue can say they differ."""
    queue = list(
        Assignment.objects.filter(expert=user)
        .select_related("pair__prompt")
        .order_by("position", "pk")
    )
    of = Counter(assignment.pair.prompt_id for assignment in queue)
    seen = Counter()
    for assignment in queue:
        seen[assignment.pair.prompt_id] += 1
        total = of[assignment.pair.prompt_id]
        assignment.repeat = (seen[assignment.pair.prompt_id], total) if total > 1 else None
    return queue


def assignment_next(user) -> Assignment | None:
    """Return the expert's first item still to judge, in queue order."""
    return (
        Assignment.objects.filter(expert=user, status=Assignment.Status.ASSIGNED)
        .order_by("position", "pk")
        .first()
    )


def item_state(assignment: Assignment) -> dict:
    """Return what the expert sees of an item (the API's item JSON). No team or model name."""
    assignment = (
        Assignment.objects.select_related(
            "pair__prompt__prompt_set", "pair__answer_1", "pair__answer_2"
        ).get(pk=assignment.pk)
    )
    prompt = assignment.pair.prompt
    return {
        "id": assignment.pk,
        "prompt": prompt.text,
        "domain": prompt.get_domain_display(),
        "a": {"text": assignment.left.text},
        "b": {"text": assignment.right.text},
        "criteria": criteria_shown(prompt.prompt_set),
        "progress": expert_progress(assignment.expert),
        "status": assignment.status,
        "draft": assignment.draft or {},
    }


def _timestamp(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def judgment_rows(*, contest: Contest) -> list[dict]:
    """Return the judgments dataset (DESIGN.md), oldest first; experts appear by pseudonym.

    `model_a`/`model_b` are the entrants as the expert saw them (left/right); `winner` and the
    criteria use the vote dataset's labels. Gold rows carry `gold: true`, `excluded: "gold"` and
    `gold_winner` (the known better side, same labels) so gold accuracy can be recomputed.
    """
    return [row for _, row in _judgment_records(contest)]


def _judgment_records(contest: Contest) -> list[tuple[Assignment, dict]]:
    judgments = (
        ExpertJudgment.objects.filter(assignment__pair__prompt__prompt_set__contest=contest)
        .select_related(
            "assignment__pair__prompt",
            "assignment__pair__answer_1__entrant",
            "assignment__pair__answer_2__entrant",
            "assignment__expert__expert_profile",
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for judgment in judgments:
        assignment = judgment.assignment
        pair = assignment.pair
        left, right = assignment.left, assignment.right
        gold_winner = None
        if pair.gold:
            gold_winner = "model_a" if pair.gold_answer_id == left.pk else "model_b"
        profile = getattr(assignment.expert, "expert_profile", None)
        row = {
            "item_id": pair.pk,
            "contest": contest.slug,
            "domain": pair.prompt.domain,
            "prompt_id": pair.prompt_id,
            "model_a": left.entrant.display_name,
            "model_b": right.entrant.display_name,
            "winner": WINNER_BY_CHOICE[judgment.overall],
            "criteria": {k: CRITERION_WINNER[v] for k, v in judgment.criteria.items()},
            "expert": profile.pseudonym if profile else f"E-user{assignment.expert_id}",
            "rationale": judgment.rationale,
            "seconds": judgment.seconds,
            "gold": pair.gold,
            "gold_winner": gold_winner,
            "created_at": _timestamp(judgment.created_at),
            "excluded": judgment.excluded or None,
        }
        rows.append((assignment, row))
    return rows


def pregeneration_progress(prompt_set: PromptSet) -> dict:
    """Return {"done", "total", "failed", "pending"} of the set's answers ("312 / 400, 3 failed")."""
    counts = Counter(
        Answer.objects.filter(prompt__prompt_set=prompt_set).values_list("status", flat=True)
    )
    return {
        "done": counts[Answer.Status.DONE],
        "failed": counts[Answer.Status.ERROR],
        "pending": counts[Answer.Status.PENDING] + counts[Answer.Status.GENERATING],
        "total": sum(counts.values()),
    }


def pairs_disputed(*, contest: Contest) -> list[Pair]:
    """Return the ordinary pairs whose judges did not all choose the same outcome, unadjudicated first."""
    from expert.agreement import canonical

    rows = [row for row in judgment_rows(contest=contest) if not row["gold"]]
    outcomes: dict[int, set] = {}
    for row in rows:
        outcomes.setdefault(row["item_id"], set()).add(canonical(row, row["winner"]))
    disputed = [item for item, seen in outcomes.items() if len(seen) > 1]
    pairs = (
        Pair.objects.filter(pk__in=disputed)
        .select_related("prompt", "answer_1__entrant__team", "answer_2__entrant__team")
        .prefetch_related("adjudications", "assignments__judgment", "assignments__expert__expert_profile")
        .annotate(rulings=Count("adjudications"))
        .order_by("rulings", "pk")
    )
    return list(pairs)


def expert_vote_rows(*, contest: Contest) -> list[dict]:
    """Return the expert judgments as rows of the vote dataset, for the expert and combined boards.

    Each judgment is one row (a pair counts once per expert); gold rows stay excluded.
    """
    return [
        {
            "battle_id": f"{EXPERT_ROW_PREFIX}{assignment.pk}",
            "contest": row["contest"],
            "track": "expert",
            "category": None,
            "model_a": row["model_a"],
            "model_b": row["model_b"],
            "winner": row["winner"],
            "turns": 1,
            "created_at": row["created_at"],
            "voter": row["expert"],
            "excluded": row["excluded"],
        }
        for assignment, row in _judgment_records(contest)
    ]


EXPERT_ROW_PREFIX = "expert-"


def expert_answer_texts(battle_ids: list[str]) -> dict[tuple[str, str], str]:
    """Return each side's answer of the expert rows among `battle_ids`, keyed (row id, side)."""
    ids = [int(b[len(EXPERT_ROW_PREFIX):]) for b in battle_ids if b.startswith(EXPERT_ROW_PREFIX)]
    texts = {}
    for assignment in Assignment.objects.filter(pk__in=ids).select_related("pair__answer_1", "pair__answer_2"):
        key = f"{EXPERT_ROW_PREFIX}{assignment.pk}"
        texts[(key, "a")] = assignment.left.text
        texts[(key, "b")] = assignment.right.text
    return texts


def audit_answers(*, contest: Contest) -> list[tuple]:
    """Return the contest's finished pre-generated answers for the blindness audit, as
    (group, model, text, length, ttft_ms, total_ms); the group is the prompt, so one prompt's
    answers stay in one fold. They are not streamed, so they have no time to first token.
    """
    answers = Answer.objects.filter(
        prompt__prompt_set__contest=contest, status=Answer.Status.DONE
    ).exclude(text="").values_list("prompt_id", "entrant__display_name", "text", "total_ms")
    return [(f"{EXPERT_ROW_PREFIX}prompt-{prompt_id}", model, text, len(text), None, total_ms)
            for prompt_id, model, text, total_ms in answers.order_by("pk")]


def expert_results(*, contest: Contest) -> dict:
    """Return what the organizer's results page shows, all computed from the judgments dataset.

    The expert board (Bradley–Terry with bootstrap intervals, each pair once per expert), one
    board per criterion, the agreement figures (as `manage.py agreement` prints them, plus
    pairwise Cohen's kappa) and the citizen board beside the expert one with Kendall's tau.
    """
    from django.conf import settings

    from expert import agreement
    from stats import ratings
    from voting.selectors import vote_rows

    rows = judgment_rows(contest=contest)
    counted = [row for row in rows if not row["excluded"]]
    options = {
        "bootstrap_rounds": settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
        "seed": settings.LEADERBOARD["SEED"],
    }

    def board(labels: list[tuple[dict, str]]) -> dict:
        return ratings.leaderboard(
            [row["model_a"] for row, _ in labels],
            [row["model_b"] for row, _ in labels],
            [label for _, label in labels],
            **options,
        )

    criteria = sorted({key for row in counted for key in row["criteria"]})
    expert_board = board([(row, row["winner"]) for row in counted])
    citizen = [row for row in vote_rows(contest=contest, track="citizen") if not row["excluded"]]
    citizen_board = ratings.leaderboard(
        [r["model_a"] for r in citizen], [r["model_b"] for r in citizen], [r["winner"] for r in citizen], **options
    )
    criteria_boards = {
        key: board([(row, row["criteria"][key]) for row in counted if key in row["criteria"]])
        for key in criteria
    }
    threshold = settings.LEADERBOARD["PROVISIONAL_VOTES"]
    for each in (expert_board, citizen_board, *criteria_boards.values()):
        _mark_provisional(each, threshold)
    report = agreement.report(rows)
    comparison = agreement.rankings_compare(citizen_board["models"], expert_board["models"])
    # Below these minimums a figure would say more than its sample does: a note replaces it.
    comparison["shown"] = not (expert_board["provisional"] or citizen_board["provisional"])
    return {
        "board": expert_board,
        "criteria_boards": criteria_boards,
        "agreement": report,
        "agreement_shown": report["items"] >= settings.LEADERBOARD["AGREEMENT_MIN_ITEMS"],
        "agreement_min_items": settings.LEADERBOARD["AGREEMENT_MIN_ITEMS"],
        "provisional_votes": threshold,
        "cohen": agreement.cohen_kappa_pairs(agreement.units_overall(counted)),
        "citizen_board": citizen_board,
        "comparison": comparison,
    }


def _mark_provisional(board: dict, threshold: int) -> None:
    """Mark a board and its rows 잠정 below `threshold` judgments, and say which intervals are
    known (a zero-width one from a handful of judgments is shown as "—")."""
    from voting.board_assembly import interval_known, provisional_models

    provisional = set(provisional_models(board["models"], threshold))
    board["provisional"] = bool(provisional)
    for row in board["models"]:
        row["provisional"] = row["model"] in provisional
        row["interval_known"] = interval_known(row)


def answers_naming_themselves(prompt_set: PromptSet) -> list[Answer]:
    """Return the set's finished answers that name a team or model (or their own entrant).

    The teams' identity terms go through the arena's identity-leak matcher, as citizen battles
    do. Such an answer would unblind the expert; the organizer edits it (admin) or drops its pairs.
    """
    from arena.identity import matcher_for
    from arena.selectors import identity_terms

    matcher = matcher_for(identity_terms())
    answers = Answer.objects.filter(prompt__prompt_set=prompt_set, status=Answer.Status.DONE).select_related(
        "entrant__team", "prompt"
    )
    found = []
    for answer in answers:
        text = answer.text.lower()
        own = answer.entrant.display_name.lower() in text or answer.entrant.team.name.lower() in text
        if own or matcher.leaks(prompts=[answer.prompt.text], answers={"a": [answer.text]}):
            found.append(answer)
    return found
