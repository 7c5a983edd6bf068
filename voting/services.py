"""Every write of voting."""
import hashlib
import uuid
from dataclasses import replace

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from arena.exceptions import (
    AlreadyVoted,
    BattleNotFound,
    BattleNotVotable,
    ContestNotOpen,
    NotBattleOwner,
)
from arena.models import Response
from arena.selectors import battle_exclusion, battle_get, battle_owned_by, battle_reveal
from contest.models import Category, Contest, Entrant
from contest.selectors import (
    category_by_slug,
    contest_accepts_judgments,
    contest_current,
    contest_lock_shared,
)
from core.errors import DomainError, InvalidInput
from voting import anomaly, audit, chain, dataset, policy, ratings, selectors
from voting.consumers import LEADERBOARD_GROUP
from voting.pseudonyms import voter_hash
from voting.models import (
    ChainHead,
    LeaderboardSnapshot,
    Track,
    Vote,
    VoterReview,
    VoterReviewLog,
)


# The error each refusal of the vote policy is raised as (its code and status are the policy's:
# tests/voting/test_services.py checks that they agree).
REFUSAL_ERRORS: dict[policy.Refusal, type[DomainError]] = {
    policy.Refusal.INVALID_CHOICE: InvalidInput,
    policy.Refusal.NOT_FOUND: BattleNotFound,
    policy.Refusal.NOT_OWNER: NotBattleOwner,
    policy.Refusal.ALREADY_VOTED: AlreadyVoted,
    policy.Refusal.CONTEST_CLOSED: ContestNotOpen,
    policy.Refusal.SIDE_UNFINISHED: BattleNotVotable,
    policy.Refusal.SIDE_FAILED: BattleNotVotable,
}


def vote_refuse(facts: policy.VoteFacts) -> None:
    """Raise the domain error of the policy's refusal of a vote on these facts, if any."""
    refusal = policy.vote_refusal(facts)
    if refusal is not None:
        message = _(refusal.message)
        if "%(choices)s" in refusal.message:
            message = message % {"choices": ", ".join(Vote.Choice.values)}
        raise REFUSAL_ERRORS[refusal](message)


def choice_valid(choice: object) -> bool:
    """Whether `choice` is one of a vote's choices (the policy's `choice_valid`)."""
    return isinstance(choice, str) and choice in Vote.Choice.values


def side_facts(statuses: set[str]) -> dict[str, bool]:
    """Return the policy's facts about a battle's sides from its responses' statuses."""
    return {"side_unfinished": bool(statuses & Response.UNFINISHED),
            "side_failed": bool(statuses & Response.FAILED)}


@transaction.atomic
def vote_cast(*, battle_id, session_key: str, choice: object) -> dict:
    """Record the owner's one vote on a completed battle and return the reveal of both sides.

    Whether the vote is accepted is voting.policy's decision; this gathers its facts, asking
    after each step so that a refused vote stops early. Locks the battle row alone, so two
    concurrent votes on one battle serialise while votes on different battles do not wait for
    each other; then shares the contest row's lock with the other votes, so no vote slips in
    while the contest closes (contest.services.contest_transition locks it for update); the
    vote chain's head is locked last (see chain_append), the only lock all votes queue for. The
    unique constraint on Vote.battle is the final guard. Raises the policy's refusals as
    InvalidInput for an unknown choice, BattleNotFound, NotBattleOwner, AlreadyVoted,
    ContestNotOpen, and BattleNotVotable while a side is unfinished or after a side failed.
    """
    facts = policy.VoteFacts(choice_valid=choice_valid(choice))
    vote_refuse(facts)
    battle = battle_get(battle_id=battle_id, lock=True)
    facts = replace(facts, battle_found=battle is not None,
                    owner=battle is not None and battle_owned_by(battle.session_key, session_key))
    vote_refuse(facts)
    facts = replace(facts, voted=Vote.objects.filter(battle=battle).exists())
    vote_refuse(facts)
    # Closing locks the contest row before freezing the boards, so a vote either commits
    # before the freeze counts it or sees the closed phase and is refused.
    contest = contest_lock_shared(contest_id=battle.contest_id)
    facts = replace(facts, contest_open=contest_accepts_judgments(contest))
    vote_refuse(facts)
    # One read of the turns and their responses serves both the status check and the exclusion.
    turns = list(battle.turns.prefetch_related("responses").order_by("index"))
    statuses = {response.status for turn in turns for response in turn.responses.all()}
    vote_refuse(replace(facts, **side_facts(statuses)))
    vote = Vote(
        battle=battle,
        choice=choice,
        voter=voter_hash(session_key),
        excluded=battle_exclusion(battle, turns) or "",
    )
    vote.full_clean(exclude=["battle"])
    try:
        vote.save()
    except IntegrityError as error:
        # No savepoint around the insert: raising leaves vote_cast's transaction, which rolls
        # back, and nothing else runs in it. The battle row's lock makes this a rare race.
        raise AlreadyVoted() from error
    # Last, so that the one lock every vote queues for is held for one statement and the commit.
    vote_chain_link(vote=vote, turns=turns)
    return battle_reveal(battle)


def chain_head_advance_sql(*, content: str, name: str, where: str = "") -> str:
    """Return PostgreSQL's `UPDATE` of a chain head by one row, `RETURNING length, prev, hash`
    (the new link): the same SHA-256 as voting.chain.link_hash. `content` and `name` are the
    placeholders of the row's canonical bytes and of the chain's name; `where` adds conditions.
    """
    head = connection.ops.quote_name(ChainHead._meta.db_table)
    return f"""
        UPDATE {head}
        SET length = length + 1, prev = hash, updated_at = now(),
            hash = encode(sha256(convert_to(hash || E'\\n', 'UTF8') || {content}), 'hex')
        WHERE name = {name} {where}
        RETURNING length, prev, hash
    """


def chain_append(*, name: str, row: dict, table: type[models.Model], pk) -> chain.Link:
    """Append the row `pk` of `table`, whose content is `row`, to the audit chain `name`, and
    store its link on that row (`chain_seq`, `chain_prev`, `chain_hash`); return the link.

    The caller must be inside the transaction that saved the row: appending updates the chain
    head, whose row lock is held until that transaction ends, so concurrent writers chain one
    after another and a rolled-back row leaves no link behind. On PostgreSQL one statement
    updates the head and stores the link (PostgreSQL computes the same SHA-256 as
    voting.chain.link_hash), so the lock is held for that statement and the commit alone;
    elsewhere the head is read, locked, and written back.
    """
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        rows, key = quote(table._meta.db_table), quote(table._meta.pk.column)
        statement = f"""
            WITH link AS ({chain_head_advance_sql(content="%s", name="%s")})
            UPDATE {rows} SET chain_seq = link.length, chain_prev = link.prev,
                chain_hash = link.hash
            FROM link WHERE {rows}.{key} = %s
            RETURNING link.length, link.prev, link.hash
        """
        params = [chain.canonical(row), name, pk]
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            stored = cursor.fetchone()
            if stored is None:  # the chain's first row: make its head, then append
                ChainHead.objects.get_or_create(name=name)
                cursor.execute(statement, params)
                stored = cursor.fetchone()
        seq, prev, hash_ = stored
        return chain.Link(seq=seq, prev=prev, hash=hash_)
    head = ChainHead.objects.select_for_update().filter(name=name).first()
    if head is None:  # the chain's first row
        ChainHead.objects.get_or_create(name=name)
        head = ChainHead.objects.select_for_update().get(name=name)
    link = chain.link_next(length=head.length, head=head.hash, row=row)
    head.length, head.prev, head.hash = link.seq, link.prev, link.hash
    head.save(update_fields=["length", "prev", "hash", "updated_at"])
    table.objects.filter(pk=pk).update(
        chain_seq=link.seq, chain_prev=link.prev, chain_hash=link.hash
    )
    return link


def vote_chain_link(*, vote: Vote, turns: list | None = None) -> None:
    """Chain a vote that was just saved, in the caller's transaction (see chain_append), with
    its facts as voting.audit defines them; `turns` are the battle's turns with their
    responses, if the caller has read them.
    """
    link = chain_append(
        name=audit.VOTE_CHAIN, row=audit.vote_content_of(vote, turns=turns), table=Vote, pk=vote.pk
    )
    vote.chain_seq, vote.chain_prev, vote.chain_hash = link.seq, link.prev, link.hash


def track_check(track: object) -> None:
    """Raise InvalidInput unless `track` is one of the leaderboard's tracks."""
    if track not in Track.values:
        raise InvalidInput(
            _("track은 %(tracks)s 중 하나여야 합니다.") % {"tracks": ", ".join(Track.values)}
        )


def _track_weights(rows: list[dict], track: str) -> list[float] | None:
    """Return per-row weights for the combined board, normalised to a mean of one.

    Each vote counts with its track's published weight; normalising keeps the number of votes
    (and so the width of the intervals) that of the rows themselves. Other boards are unweighted.
    """
    if track != Track.COMBINED or not rows:
        return None
    published = settings.LEADERBOARD["TRACK_WEIGHTS"]
    raw = [published[row["track"]] for row in rows]
    mean = sum(raw) / len(raw)
    return [weight / mean for weight in raw] if mean > 0 else None


def _style_controlled(rows: list[dict]) -> dict:
    """Return ratings with answer style held equal, beside the plain ranking (as public arenas do).

    Style is measured on each side's answers over all turns: length, headers, list items, bold.
    """
    if not rows:
        return {"models": [], "coefficients": {}}
    texts = selectors.answer_texts([row["battle_id"] for row in rows])
    features = {
        side: [ratings.style_features(texts.get((row["battle_id"], side), "")) for row in rows]
        for side in ("a", "b")
    }
    fit = ratings.fit_style_controlled(
        [row["model_a"] for row in rows],
        [row["model_b"] for row in rows],
        [row["winner"] for row in rows],
        features["a"],
        features["b"],
        ratings.STYLE_FEATURES,
        bootstrap_rounds=settings.LEADERBOARD["STYLE_BOOTSTRAP_ROUNDS"],
        seed=settings.LEADERBOARD["SEED"],
    )
    models = [
        {
            "model": model,
            "rating": round(float(fit.ratings[i]), 2),
            "ci_lower": round(float(fit.ci_lower[i]), 2),
            "ci_upper": round(float(fit.ci_upper[i]), 2),
        }
        for i, model in enumerate(fit.models)
    ]
    models.sort(key=lambda row: (-row["rating"], row["model"]))
    coefficients = {name: round(value, 4) for name, value in fit.style_coefficients.items()}
    return {"models": models, "coefficients": coefficients}


def _leaderboard_payload(rows: list[dict], *, track: str) -> dict:
    """Compute the leaderboard JSON (ratings contract) plus the figures its plots need."""
    counted = [row for row in rows if not row["excluded"]]
    columns = {key: [row[key] for row in counted] for key in ("model_a", "model_b", "winner")}
    counts = ratings.aggregate(
        columns["model_a"],
        columns["model_b"],
        columns["winner"],
        weights=_track_weights(counted, track),
    )
    board = ratings.leaderboard_from_counts(
        counts,
        bootstrap_rounds=settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
        seed=settings.LEADERBOARD["SEED"],
        min_battles_provisional=settings.LEADERBOARD["PROVISIONAL_VOTES"],
    )
    models = list(counts.models)
    fitted = {row["model"]: row["rating"] for row in board["models"]}
    board["matrices"] = {
        "models": models,
        "battle_count": ratings.battle_count_matrix(counts).round().astype(int).tolist(),
        "win_rate": ratings.win_rate_matrix(counts),
        "predicted_win": (
            ratings.predicted_win_matrix([fitted[m] for m in models]).round(4).tolist()
        ),
    }
    board["votes_over_time"] = selectors.votes_over_time(rows)
    elo = ratings.online_elo(columns["model_a"], columns["model_b"], columns["winner"])
    board["online_elo"] = {model: round(value, 2) for model, value in elo.items()}
    board["style_control"] = _style_controlled(counted)
    return board


@transaction.atomic
def leaderboard_compute(
    *, contest: Contest, track: str, category: Category | None = None
) -> LeaderboardSnapshot:
    """Compute one leaderboard from the database and store it as a snapshot.

    If the votes are unchanged since the latest snapshot (same SHA-256), that snapshot is
    returned as it is: the figures would be identical, since the bootstrap is seeded.
    Watchers of the leaderboard page are told when a new snapshot lands.
    """
    track_check(track)
    rows = selectors.vote_rows(contest=contest, track=track, category=category)
    digest = dataset.rows_sha256(rows)
    latest = selectors.snapshot_latest(contest=contest, track=track, category=category)
    if latest is not None and latest.votes_sha256 == digest:
        return latest
    payload = _leaderboard_payload(rows, track=track)
    if track == Track.PANEL:
        payload["panel"] = _panel_raked(contest=contest, rows=rows)
    snapshot = LeaderboardSnapshot(
        contest=contest,
        track=track,
        category=category,
        votes=payload["votes"],
        votes_sha256=digest,
        payload=payload,
    )
    snapshot.full_clean()
    snapshot.save()
    # Cleared before the pages are told, so the board they fetch then is the new one.
    leaderboard_cache_clear()
    event = {"track": track, "category": category.slug if category else None}
    transaction.on_commit(lambda: leaderboard_announce(event))
    return snapshot


def leaderboard_public(*, track: str, category_slug: str | None = None) -> dict:
    """Return the leaderboard API's answer: the board of record of the current contest.

    Computes the first snapshot if none exists yet. The answer is cached for
    settings.LEADERBOARD["CACHE_SECONDS"] and dropped when a snapshot lands or the contest
    changes phase (leaderboard_cache_clear), so reads between refreshes touch no database; only
    the chain head and the team names may lag that many seconds. Raises InvalidInput for an
    unknown category (never cached).
    """
    slug_digest = hashlib.sha256((category_slug or "").encode()).hexdigest()[:16]
    key = selectors.leaderboard_cache_key(f"api:{track}:{slug_digest}")
    board = cache.get(key)
    if board is not None:
        return board
    category = category_by_slug(category_slug)
    contest = contest_current()
    if contest is None:
        board = {"models": [], "method": "bradley-terry", "votes": 0, "track": track}
    else:
        snapshot = selectors.snapshot_latest(contest=contest, track=track, category=category)
        if snapshot is None:
            snapshot = leaderboard_compute(contest=contest, track=track, category=category)
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
            "chain_head": selectors.chain_head_get(selectors.VOTE_CHAIN),
            "teams": teams,
            "weights": settings.LEADERBOARD["TRACK_WEIGHTS"],
            "provisional_votes": settings.LEADERBOARD["PROVISIONAL_VOTES"],
        }
    cache.set(key, board, settings.LEADERBOARD["CACHE_SECONDS"])
    return board


def leaderboard_cache_clear() -> None:
    """Make every cached leaderboard read miss: now, and again once the caller's transaction
    commits, so that a read which cached the old board in between does not outlive the commit.

    Called when a snapshot lands and when a contest changes phase (freezing boards, or changing
    which contest the public site shows).
    """
    def clear() -> None:
        cache.set(selectors.LEADERBOARD_CACHE_GENERATION, uuid.uuid4().hex, None)

    clear()
    transaction.on_commit(clear)


def _panel_raked(*, contest: Contest, rows: list[dict]) -> dict:
    """Return the panel board post-stratified to the panel's quotas, with the weights used.

    Each member's weight comes from raking their declared profile to the quotas
    (voting/raking.py); each of their counted votes carries it (normalised to a mean of one).
    The plain panel board beside it is the one the export reproduces; this one shows how far
    the panel's make-up moves it.
    """
    from contest.models import Panel
    from voting.raking import rake

    panel = Panel.objects.filter(contest=contest).first()
    quotas = dict(panel.quotas) if panel else {}
    profiles = selectors.panel_voters(contest=contest)
    counted = [row for row in rows if not row["excluded"]]
    voters = sorted({row["voter"] for row in counted})
    raked = rake([profiles[voter] for voter in voters], quotas,
                 cap=settings.LEADERBOARD["PANEL_WEIGHT_CAP"])
    weight_of = dict(zip(voters, raked.weights))
    cells: dict[tuple, dict] = {}
    for voter in voters:
        key = tuple(profiles[voter].get(dimension) for dimension in quotas)
        cell = cells.setdefault(key, {"profile": dict(zip(quotas, key)), "members": 0,
                                      "weight": round(weight_of[voter], 3)})
        cell["members"] += 1
    models = []
    if counted:
        weights = [weight_of[row["voter"]] for row in counted]
        mean = sum(weights) / len(weights)
        counts = ratings.aggregate(
            [row["model_a"] for row in counted], [row["model_b"] for row in counted],
            [row["winner"] for row in counted], weights=[w / mean for w in weights],
        )
        models = ratings.leaderboard_from_counts(
            counts, bootstrap_rounds=settings.LEADERBOARD["BOOTSTRAP_ROUNDS"],
            seed=settings.LEADERBOARD["SEED"],
        )["models"]
    return {
        "quotas": quotas,
        "members": len(profiles),
        "voters": len(voters),
        "converged": raked.converged,
        "unreachable": [f"{dimension}: {category}" for dimension, category in raked.unreachable],
        "cells": sorted(cells.values(), key=lambda cell: -cell["members"]),
        "raked": models,
    }


def leaderboard_announce(event: dict) -> None:
    """Tell every open leaderboard page that a snapshot landed."""
    async_to_sync(get_channel_layer().group_send)(
        LEADERBOARD_GROUP, {"type": "leaderboard.updated", "event": event}
    )


def leaderboards_refresh(*, contest: Contest) -> list[LeaderboardSnapshot]:
    """Recompute every board of a contest: each track, overall and per category."""
    boards = []
    for category in [None, *Category.objects.all()]:
        for track in Track.values:
            boards.append(leaderboard_compute(contest=contest, track=track, category=category))
    return boards


@transaction.atomic
def voters_screen(*, contest: Contest) -> list[VoterReview]:
    """Run the anomalous-voter test on a contest's counted citizen votes; flag who fails it.

    A voter below settings.ANOMALY["ALPHA"] gets a review in status 'flagged' (logged, with no
    actor). A voter already reviewed keeps the organizers' decision; only the figures are
    updated. Votes excluded for any reason, an excluded voter's among them, are not tested and
    are not part of anyone's history. Returns the reviews flagged by this run.
    """
    rows = [
        row
        for row in selectors.vote_rows(contest=contest, track=Track.CITIZEN)
        if not row["excluded"]
    ]
    config = settings.ANOMALY
    columns = {key: [row[key] for row in rows] for key in ("model_a", "model_b", "winner", "voter")}
    failing = anomaly.voters_flag(
        columns["model_a"],
        columns["model_b"],
        columns["winner"],
        columns["voter"],
        alpha=config["ALPHA"],
        min_votes=config["MIN_VOTES"],
    )
    flagged = []
    for test in failing:
        figures = {
            "votes": test.votes,
            "statistic": test.statistic,
            "p_fisher": test.p_fisher,
            "p_favour": test.p_favour,
            "favoured": test.favoured,
            "z_favour": test.z_favour,
            "p_value": test.p_value,
        }
        review, created = VoterReview.objects.select_for_update().get_or_create(
            contest=contest, voter=test.voter, defaults=figures
        )
        if not created:
            for field, value in figures.items():
                setattr(review, field, value)
            review.full_clean()
            review.save()
            continue
        VoterReviewLog.objects.create(
            review=review, action=VoterReviewLog.Action.FLAGGED, p_value=test.p_value
        )
        flagged.append(review)
    return flagged


@transaction.atomic
def voter_review_decide(*, review_id: int, status: str, actor, note: str = "") -> VoterReview:
    """Exclude a flagged voter's votes from the boards, or clear them; log who did it.

    Either decision can be reversed later by the other; each is logged. The contest's boards
    are recomputed (by a worker) once the decision commits. Raises InvalidInput for a status
    other than 'excluded' or 'cleared'.
    """
    if status not in (VoterReview.Status.EXCLUDED, VoterReview.Status.CLEARED):
        raise InvalidInput(_("검토 결과는 제외 또는 정상 확인이어야 합니다."))
    review = VoterReview.objects.select_for_update().get(pk=review_id)
    review.status = status
    review.full_clean()
    review.save(update_fields=["status"])
    VoterReviewLog.objects.create(
        review=review, action=status, actor=actor, note=note, p_value=review.p_value
    )
    contest_id = review.contest_id
    transaction.on_commit(lambda: _leaderboards_refresh_later(contest_id))
    return review


def _leaderboards_refresh_later(contest_id: int) -> None:
    from voting.tasks import contest_leaderboards_refresh

    contest_leaderboards_refresh.delay(contest_id)
