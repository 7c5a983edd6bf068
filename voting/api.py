"""The vote and leaderboard JSON API (contract in docs/api.md; schemas here are its source)."""
from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Query, Router, Schema

from arena.api import Reveal
from config.api import Error, Text
from config.limits import limits_check
from core.errors import DomainError
from voting import boards, selectors, services
from voting.metrics import VOTES_ACCEPTED, VOTES_REFUSED
from voting.models import Track
from voting.reasons import comment_clean

router = Router(tags=["votes and leaderboards"])


class VoteCast(Schema):
    choice: Literal["a", "b", "tie", "both_bad"]


class VoteCast200(Schema):
    reveal: Reveal


@router.post("/battles/{uuid:battle_id}/vote",
             response={200: VoteCast200, 400: Error, 403: Error, 404: Error, 409: Error, 413: Error,
                       429: Error})
def battle_vote(request, battle_id: UUID, body: VoteCast):
    """Cast the owner's one vote on a battle whose both sides finished; reveals both teams."""
    try:
        limits_check(request, action="vote")
        reveal = services.vote_cast(
            battle_id=battle_id, session_key=request.session.session_key or "", choice=body.choice
        )
    except DomainError as error:
        VOTES_REFUSED.labels(error.code).inc()
        raise
    VOTES_ACCEPTED.labels("django").inc()
    return {"reveal": reveal}


class ReasonsSet(Schema):
    """The tags of `voting.reasons` that explain the vote: for `a`, `b` or `tie`, any of
    accurate, detailed, concise, natural_korean, safe, grounded; for `both_bad`, any of
    inaccurate, off_topic, awkward_korean, verbose, unsafe, unsupported. Each at most once;
    an empty list withdraws them."""

    reasons: list[Text]
    # A short comment beside the tags (at most 200 characters; "" withdraws it; left out, the
    # one given before stays). Redacted like prompts in every export; never in the vote's chain.
    comment: Text | None = None


class ReasonsSet200(Schema):
    reasons: list[str]
    comment: str | None = None  # said back only when the request sent one


@router.post("/battles/{uuid:battle_id}/reasons",
             response={200: ReasonsSet200, 400: Error, 403: Error, 404: Error, 409: Error,
                       413: Error, 429: Error}, exclude_none=True)
def battle_reasons(request, battle_id: UUID, body: ReasonsSet):
    """Set why the owner voted as they did (optional tags, after the vote), replacing any sent
    before; returns them as stored. Not part of the vote or its audit chain."""
    limits_check(request, action="reasons")
    stored = services.vote_reasons_set(
        battle_id=battle_id, session_key=request.session.session_key or "", tags=body.reasons,
        comment=body.comment,
    )
    return {"reasons": stored, "comment": None if body.comment is None else comment_clean(body.comment)}


class LeaderboardQuery(Schema):
    track: Literal["citizen", "expert", "combined", "panel"] = Track.CITIZEN.value
    category: Text | None = None


class BoardRow(Schema):
    model: str
    rating: float
    ci_lower: float
    ci_upper: float
    rank: int
    rank_ub: int
    battles: int
    win_rate: float | None


class ChainHead(Schema):
    """The head of the votes' audit chain: `manage.py verify_votes --published-head HASH`."""

    name: str
    length: int
    hash: str


class Advance(Schema):
    """Who advances on the contest's declared board (DESIGN.md's Ratings CLI, `--advance K`):
    each model's probability of being among the top k (the share of the bootstrap refits in
    which it is, a description), whether the set is decided (the verdict, valid however often it
    is looked at) and the set."""

    k: int
    confidence: float
    models: dict[str, float]
    decided: bool
    set: list[str]


class Leaderboard(Schema):
    """The ratings contract (`models`, `method`, `votes`), as `manage.py ratings` prints it,
    plus where it came from and the figures the leaderboard page plots."""

    models: list[BoardRow]
    method: Literal["bradley-terry"]
    votes: int
    track: str
    category: str | None = None
    contest: str | None = None
    computed_at: datetime | None = None
    votes_sha256: str | None = None
    chain_head: ChainHead | None = None
    teams: dict[str, str] = {}
    weights: dict[str, float] = {}
    provisional_votes: int | None = None
    # True when a model on the board has fewer than provisional_votes counted votes (잠정).
    provisional: bool = False
    # False while the board cannot stand behind ratings and ranks (too few battles, no estimate;
    # the combined board while a track it weighs is empty): the pages show counts and win rates;
    # ratings_withheld says why (docs/leaderboard.md).
    ratings_shown: bool = False
    ratings_withheld: str | None = None
    diagnostics: dict | None = None
    matrices: dict | None = None
    votes_over_time: list | dict | None = None
    online_elo: dict[str, float] | None = None
    style_control: dict | None = None
    panel: dict | None = None  # the panel board raked to its quotas, with the weights (track=panel)
    # On the board the contest declared to decide (Contest.rule()), else absent (null).
    advance: Advance | None = None
    decision_rule: dict | None = None


@router.get("/leaderboard", response={200: Leaderboard, 400: Error},
            exclude_none=False)
def leaderboard(request, query: Query[LeaderboardQuery]):
    """Return the latest leaderboard snapshot (computing the first one if none exists yet)."""
    return selectors.leaderboard_public(
        track=query.track, category_slug=query.category, compute=boards.leaderboard_compute
    )
