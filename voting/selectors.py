"""Reads of votes: the vote dataset, what leaderboards are computed from, the cached boards."""
import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from arena.models import Response
from contest.models import Category, Contest, Entrant
from contest.selectors import category_by_slug, contest_current
from stats import counts, ratings
from voting import chain, expert_source
from voting.audit import VOTE_CHAIN  # also where the fast path reads it
from voting.board_assembly import provisional_models, ratings_evidence
from voting.redaction import redact
from voting.models import ChainHead, LeaderboardSnapshot, Track, Vote, VoteReasons, VoterReview

# The dataset's `excluded` reason of the votes of a voter an organizer excluded.
REASON_ANOMALOUS = "anomalous_voter"

# The dataset's outcome of each choice: the labels are the counts' own (stats.counts).
WINNER_BY_CHOICE = dict(zip(
    (Vote.Choice.A, Vote.Choice.B, Vote.Choice.TIE, Vote.Choice.BOTH_BAD), counts.WINNER_LABELS,
    strict=True,
))


def vote_rows(*, contest: Contest, track: str, category: Category | None = None) -> list[dict]:
    """Return the vote dataset rows of one track (and category), oldest first.

    The rows are exactly what the export publishes, including excluded votes (with their
    reason: the identity reason stored with the vote, or REASON_ANOMALOUS for a voter an
    organizer excluded), so that a published file and a leaderboard snapshot can be checked
    against each other. The expert track's rows are its judgments (`expert.selectors`, lent
    through `voting.expert_source`); the combined track is the union of both tracks' rows.
    """
    if track == Track.EXPERT:
        return _expert_rows(contest, category)
    votes = (
        Vote.objects.filter(battle__contest=contest)
        .select_related("battle__category", "battle__entrant_a", "battle__entrant_b")
        .annotate(turn_count=Count("battle__turns"))
        .order_by("created_at", "pk")
    )
    if category is not None:
        votes = votes.filter(battle__category=category)
    excluded_voters = voters_excluded(contest=contest)
    citizen = [
        {
            "battle_id": str(vote.battle_id),
            "contest": contest.slug,
            "track": Track.CITIZEN.value,
            "category": vote.battle.category.slug if vote.battle.category else None,
            "model_a": vote.battle.entrant_a.display_name,
            "model_b": vote.battle.entrant_b.display_name,
            "winner": WINNER_BY_CHOICE[vote.choice],
            "turns": vote.turn_count,
            "created_at": vote.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "voter": vote.voter,
            "excluded": vote.excluded
            or (REASON_ANOMALOUS if vote.voter in excluded_voters else None),
        }
        for vote in votes
    ]
    if track == Track.COMBINED:
        return citizen + _expert_rows(contest, category)
    if track == Track.PANEL:
        members = panel_voters(contest=contest)
        return [{**row, "track": Track.PANEL.value} for row in citizen if row["voter"] in members]
    return citizen


def vote_reasons_rows(*, contest: Contest, redactions: Counter | None = None) -> list[dict]:
    """Return the reasons citizens gave after their votes, one row per vote that has tags or a
    comment, in the vote dataset's order: `battle_id`, `reasons` (the tags, in their list's
    order) and, when the citizen left one, `comment` (redacted as prompts are, voting.redaction).
    `redactions`, when given, is added the redactions made."""
    given = (
        VoteReasons.objects.filter(vote__battle__contest=contest)
        .exclude(tags=[], comment="")
        .order_by("vote__created_at", "vote__pk")
        .values_list("vote__battle_id", "tags", "comment")
    )
    rows = []
    for battle_id, tags, comment in given:
        row = {"battle_id": str(battle_id), "reasons": list(tags)}
        if comment:
            row["comment"] = redact(comment, redactions)
        rows.append(row)
    return rows


def pair_draw_rows(*, contest: Contest) -> list[dict]:
    """Return the probability with which each voted battle's pair was drawn, in the vote
    dataset's order: `battle_id` and `pair_probability` (None for battles from before it was
    recorded)."""
    drawn = (
        Vote.objects.filter(battle__contest=contest)
        .order_by("created_at", "pk")
        .values_list("battle_id", "battle__pair_probability")
    )
    return [{"battle_id": str(battle_id), "pair_probability": probability}
            for battle_id, probability in drawn]


def panel_voters(*, contest: Contest) -> dict[str, dict[str, str]]:
    """Return each panel member's declared profile, keyed by their voter pseudonym.

    Panel members are citizens who joined with an invite code: their votes count on the citizen
    board like everyone's and, in addition, on the panel's own board.
    """
    from contest.models import PanelMember
    from voting.pseudonyms import voter_hash

    return {
        voter_hash(member.session_key): member.profile()
        for member in PanelMember.objects.filter(panel__contest=contest)
    }


def _expert_rows(contest: Contest, category: Category | None) -> list[dict]:
    """Expert prompts belong to domains, not categories: they count on the overall boards only."""
    if category is not None:
        return []
    return expert_source.vote_rows(contest=contest)


def voters_excluded(*, contest: Contest) -> set[str]:
    """Return the voters whose votes an organizer left out of this contest's boards."""
    return set(
        VoterReview.objects.filter(contest=contest, status=VoterReview.Status.EXCLUDED)
        .values_list("voter", flat=True)
    )


def answer_texts(battle_ids: list[str]) -> dict[tuple[str, str], str]:
    """Return each side's answers of the given battles, all turns joined, keyed (battle, side)."""
    texts, battle_ids = expert_source.answer_texts(battle_ids)
    responses = (
        Response.objects.filter(turn__battle_id__in=battle_ids)
        .order_by("turn__index")
        .values_list("turn__battle_id", "side", "text")
    )
    for battle_id, side, text in responses:
        key = (str(battle_id), side)
        texts[key] = texts.get(key, "") + text
    return texts


def snapshot_latest(
    *, contest: Contest, track: str, category: Category | None = None
) -> LeaderboardSnapshot | None:
    """Return the board of record: the one frozen at closing if any, else the newest."""
    return (
        LeaderboardSnapshot.objects.filter(contest=contest, track=track, category=category)
        .order_by("-frozen", "-computed_at", "-pk")
        .first()
    )


def snapshots_frozen(*, contest: Contest):
    """Return the boards frozen when the contest closed (track, then overall before categories)."""
    return (
        LeaderboardSnapshot.objects.filter(contest=contest, frozen=True)
        .select_related("category")
        .order_by("track", "category__name")
    )


def chain_head_get(name: str) -> dict:
    """Return a chain's published head: its length and the hash of its last row."""
    head = ChainHead.objects.filter(name=name).first()
    if head is None:
        return {"name": name, "length": 0, "hash": chain.GENESIS}
    return {"name": name, "length": head.length, "hash": head.hash}


def voter_impact(*, contest: Contest, voter: str) -> list[dict]:
    """Return the citizen board with and without one voter's votes, model by model.

    What an organizer looks at before excluding a flagged voter: ratings (Bradley–Terry, no
    bootstrap) and ranks of each model, computed from the counted votes with the voter's votes
    (even if already excluded) and without them.
    """
    rows = [
        row
        for row in vote_rows(contest=contest, track=Track.CITIZEN)
        if not row["excluded"] or (row["voter"] == voter and row["excluded"] == REASON_ANOMALOUS)
    ]
    boards = {}
    for key, chosen in (("with", rows), ("without", [r for r in rows if r["voter"] != voter])):
        board = ratings.leaderboard(
            [r["model_a"] for r in chosen],
            [r["model_b"] for r in chosen],
            [r["winner"] for r in chosen],
            bootstrap_rounds=0,
        )
        boards[key] = {row["model"]: row for row in board["models"]}
    models = sorted(set(boards["with"]) | set(boards["without"]))
    impact = [
        {
            "model": model,
            **{
                f"{field}_{key}": boards[key][model][field] if model in boards[key] else None
                for key in ("with", "without")
                for field in ("rating", "rank")
            },
        }
        for model in models
    ]
    impact.sort(key=lambda row: (row["rank_with"] or 999, row["model"]))
    return impact


# Every cached leaderboard's key carries the current generation; a new generation (see
# voting.boards.leaderboard_cache_clear) makes them all miss at once, whatever board they hold.
LEADERBOARD_CACHE_GENERATION = "leaderboard:generation"


def leaderboard_cache_key(name: str) -> str:
    """Return the cache key of one cached leaderboard read (`name`) in the current generation."""
    generation = cache.get(LEADERBOARD_CACHE_GENERATION) or "0"
    return f"leaderboard:{generation}:{name}"


def leaderboard_page_context() -> dict:
    """Return what the leaderboard page shows around the board: the contest and the categories.

    Cached like the board itself (settings.LEADERBOARD["CACHE_SECONDS"]), so that a page view
    reads no database.
    """
    key = leaderboard_cache_key("page")
    context = cache.get(key)
    if context is None:
        context = {"contest": contest_current(), "categories": list(Category.objects.all())}
        cache.set(key, context, settings.LEADERBOARD["CACHE_SECONDS"])
    return context


def leaderboard_public(
    *,
    track: str,
    category_slug: str | None = None,
    compute: Callable[..., LeaderboardSnapshot],
) -> dict:
    """Return the leaderboard API's answer: the board of record of the current contest.

    Computes the first snapshot if none exists yet, through `compute` (the caller passes
    voting.boards.leaderboard_compute, so a read imports no write). The answer is cached for
    settings.LEADERBOARD["CACHE_SECONDS"] and dropped when a snapshot lands or the contest
    changes phase (voting.boards.leaderboard_cache_clear), so reads between refreshes touch no
    database; only the chain head and the team names may lag that many seconds. Raises
    InvalidInput for an unknown category (never cached).
    """
    slug_digest = hashlib.sha256((category_slug or "").encode()).hexdigest()[:16]
    key = leaderboard_cache_key(f"api:{track}:{slug_digest}")
    board = cache.get(key)
    if board is not None:
        return board
    category = category_by_slug(category_slug)
    contest = contest_current()
    if contest is None:
        board = {"models": [], "method": "bradley-terry", "votes": 0, "track": track,
                 **ratings_evidence({"models": [], "votes": 0}, 0)}
    else:
        snapshot = snapshot_latest(contest=contest, track=track, category=category)
        if snapshot is None:
            snapshot = compute(contest=contest, track=track, category=category)
        teams = dict(
            Entrant.objects.filter(contest=contest).values_list("display_name", "team__name")
        )
        board = {
            **snapshot.payload,
            "track": track,
            "category": category_slug or None,
            "contest": contest.slug,
            "computed_at": snapshot.computed_at,
            "votes_sha256": snapshot.votes_sha256,
            "chain_head": chain_head_get(VOTE_CHAIN),
            "teams": teams,
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
            "provisional": bool(provisional_models(
                snapshot.payload.get("models", []), settings.LEADERBOARD["PROVISIONAL_VOTES"])),
            # From the snapshot's own figures, so one stored before these flags has them too.
            **ratings_evidence(snapshot.payload, settings.LEADERBOARD["MIN_BATTLES_RATED"]),
        }
    cache.set(key, board, settings.LEADERBOARD["CACHE_SECONDS"])
    return board
