"""A vote that will be stored, answered on the event loop: `POST /api/battles/<id>/vote` without
Django's request cycle (an ASGI middleware in front of Django, as config/read_cache.py is).

Why: through Django (voting.api.battle_vote, voting.services.vote_cast) the request cycle and
ten ORM queries cost a vote many times what its two statements do, far from the rate the
contest asks for; so a vote here costs one read and one write, each one prepared statement
(the figures and their history: docs/performance.md).

One definition of every answer but success: this path answers only a vote that it has stored.
Every other request, and every vote that any check below would refuse, goes to Django
unchanged (the body it read is replayed), and Django answers it as before: its error JSON, its
status, its Korean or English message. So this path only has to agree with vote_cast on when a
vote is accepted, and tests/voting/test_fast_vote.py checks that it does. It runs only on
PostgreSQL (settings.ARENA["VOTE_FAST_PATH"], on by default): SQLite keeps Django's path.

What a vote must pass here, each as Django would judge it:

- the request phase of Django's SecurityMiddleware, CommonMiddleware (an allowed host) and
  CsrfViewMiddleware (the origin and the token), on Django's own ASGIRequest;
- a body of at most config.api.MAX_BODY_BYTES, a JSON object whose `choice` is a Vote.Choice;
- a session key in the cookie that Django's session store accepts. As in battle_vote, the key
  is compared with the battle's owner; the session itself is not read;
- one read of the battle, which gathers the facts voting.policy decides on (vote_cast asks the
  same policy); from its prompts and answers the vote's exclusion (arena.identity), and from its
  entrants the reveal (arena.selectors.reveal) and the facts the chain covers
  (voting.audit.vote_content, the function Django's path calls). The SQL is built from the
  models' `_meta` and the rules' own homes (Contest.ACCEPTING, Response.UNFINISHED and FAILED);
- the rate limits (config.limits.alimits_check: django-ratelimit's counters, all counted in one
  Redis round trip on the loop), only once the vote has passed everything else, so that no
  refused vote is counted twice;
- one round trip that writes: one call of a function that each connection defines in its own
  session, whose two statements run in one transaction. The first locks the battle row (FOR
  UPDATE) and then the contest row (FOR SHARE), as vote_cast does. Then one statement appends
  the vote to the chain and inserts it. Its conditions check the
  policy's facts again under those locks (rechecks, one per fact), on a fresh snapshot (READ
  COMMITTED), so a turn added, a contest closed or a vote cast in between stops it. The chain head's lock is held by the
  server alone, from that statement to its commit, never across a round trip to Python.

If the write stores nothing (a check failed meanwhile, or the chain has no head yet), or the
database fails, the vote goes to Django, which finds out why, or stores it, or answers the
API's 503; it counts the limits once more, which only such a rare case costs.
"""
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from io import BytesIO
from types import SimpleNamespace
from uuid import UUID

import psycopg
import psycopg_pool
from psycopg.rows import namedtuple_row
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.db import connection
from django.utils import timezone

from arena import identity, identity_classifier
from arena.models import Battle, Response, Turn
from arena.selectors import battle_owned_by, identity_terms_of, reveal
from config.front import DjangoChecks, LoopPools, Refused, answer_or_pass
from config.limits import VOTER_VOUCHED, alimits_check
from contest.models import Contest, Entrant, Team
from voting import audit, chain, policy, selectors
from voting.metrics import VOTES_ACCEPTED
from voting.models import ChainHead, Vote
from voting.pseudonyms import voter_hash
from voting.services import chain_head_advance_sql, choice_valid, side_facts

logger = logging.getLogger(__name__)

# Django's `uuid` path converter: other spellings of an id are Django's 404.
PATH = re.compile(r"/api/battles/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/vote")

def _names(model) -> SimpleNamespace:
    """Return a model's quoted table (`.table`), primary key (`.pk`) and columns by field name."""
    quote, meta = connection.ops.quote_name, model._meta
    return SimpleNamespace(table=quote(meta.db_table), pk=quote(meta.pk.column),
                           **{field.name: quote(field.column) for field in meta.concrete_fields})


def read_sql() -> str:
    """The one read of a vote: every fact the policy decides on, and what the chain covers."""
    B, C, V, T, R = map(_names, (Battle, Contest, Vote, Turn, Response))
    E, M = _names(Entrant), _names(Team)
    return f"""
SELECT b.{B.session_key} AS session_key, b.{B.contest} AS contest_id,
    b.{B.category} AS category_id, c.{C.phase} AS phase,
    b.{B.entrant_a} AS entrant_a_id, b.{B.entrant_b} AS entrant_b_id,
    EXISTS (SELECT 1 FROM {V.table} v WHERE v.{V.battle} = b.{B.pk}) AS voted,
    ta.{M.name} AS team_a, ea.{E.display_name} AS model_a,
    tb.{M.name} AS team_b, eb.{E.display_name} AS model_b,
    (SELECT json_agg(json_build_object('prompt', t.{T.prompt}, 'answers',
        (SELECT json_agg(json_build_array(r.{R.side}, r.{R.status}, r.{R.text}, r.{R.entrant}))
         FROM {R.table} r WHERE r.{R.turn} = t.{T.pk})) ORDER BY t.{T.index})
     FROM {T.table} t WHERE t.{T.battle} = b.{B.pk}) AS turns,
    (SELECT json_agg(json_build_array({M.slug}, {M.identity_terms}) ORDER BY {M.slug})
     FROM {M.table}) AS terms
FROM {B.table} b
JOIN {C.table} c ON c.{C.pk} = b.{B.contest}
JOIN {E.table} ea ON ea.{E.pk} = b.{B.entrant_a} JOIN {M.table} ta ON ta.{M.pk} = ea.{E.team}
JOIN {E.table} eb ON eb.{E.pk} = b.{B.entrant_b} JOIN {M.table} tb ON tb.{M.pk} = eb.{E.team}
WHERE b.{B.pk} = %(battle)s
"""


def rechecks() -> dict[str, str]:
    """The write's conditions, by the policy's fact each checks again under the battle's and
    the contest's locks (the choice does not change, and a battle gone fails the insert).
    The values they compare with are the rules' homes, passed as parameters (params_recheck).
    """
    B, C, V, T, R = map(_names, (Battle, Contest, Vote, Turn, Response))
    # The side check is a lookup per turn of this battle (the LATERAL ... LIMIT 1 cannot be
    # turned into a join): joined, the planner may scan every answer there is when the tables
    # have no statistics (docs/performance.md).
    sides = f"""NOT EXISTS (SELECT 1 FROM {T.table} t CROSS JOIN LATERAL (
            SELECT 1 FROM {R.table} r WHERE r.{R.turn} = t.{T.pk} AND r.{R.status} = ANY(%(refused_statuses)s)
            LIMIT 1) AS undone WHERE t.{T.battle} = %(battle)s)
        AND (SELECT count(*) FROM {T.table} WHERE {T.battle} = %(battle)s) = %(turns)s"""
    return {
        "owner": f"EXISTS (SELECT 1 FROM {B.table} WHERE {B.pk} = %(battle)s AND {B.session_key} = %(session)s)",
        "contest_open": f"EXISTS (SELECT 1 FROM {C.table} WHERE {C.pk} = %(contest)s AND {C.phase} = ANY(%(accepting)s))",
        "voted": f"NOT EXISTS (SELECT 1 FROM {V.table} WHERE {V.battle} = %(battle)s)",
        "side_unfinished": sides,
        "side_failed": sides,
    }


def params_recheck() -> dict:
    """The rules' values the write's conditions compare with (see rechecks)."""
    return {"accepting": sorted(phase.value for phase in Contest.ACCEPTING),
            "refused_statuses": sorted(status.value for status in Response.UNFINISHED | Response.FAILED)}


def lock_sql() -> str:
    """Lock the battle row, then share the contest row's lock, as vote_cast does, in one
    statement: the uncorrelated EXISTS is an InitPlan that PostgreSQL runs (locking the battle)
    before the contest row is read and locked, so the order of the two locks is vote_cast's."""
    B, C = _names(Battle), _names(Contest)
    return (f"SELECT 1 FROM {C.table} WHERE {C.pk} = %(contest)s"
            f" AND EXISTS (SELECT 1 FROM {B.table} WHERE {B.pk} = %(battle)s FOR UPDATE) FOR SHARE")


def insert_sql() -> str:
    V = _names(Vote)
    where = "".join(f"\n    AND {clause}" for clause in dict.fromkeys(rechecks().values()))
    return f"""
WITH link AS ({chain_head_advance_sql(content="%(content)s", name="%(chain)s", where=where)})
INSERT INTO {V.table} ({V.battle}, {V.choice}, {V.voter}, {V.excluded}, {V.created_at},
    {V.chain_seq}, {V.chain_prev}, {V.chain_hash})
SELECT %(battle)s, %(choice)s, %(voter)s, %(excluded)s, %(created_at)s, length, prev, hash
FROM link RETURNING {V.chain_seq}
"""


STORE_FUNCTION = "pg_temp.vote_store"


@dataclass(frozen=True, slots=True)
class VoteRow:
    """The values the write stores for a vote (a model instance costs more to make, unused)."""
    battle_id: UUID
    choice: str
    voter: str
    excluded: str
    created_at: datetime


def _placeholders(sql: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))


def store_function_sql(lock: str, insert: str) -> tuple[str, str]:
    """Return the write as a function of the connection's own session (pg_temp), and its call.

    The function runs `lock` and then `insert` (the chain's append and the vote's row, which
    returns the vote's chain position, or NULL when its conditions stored nothing): one statement
    from the client, so one message to build, send and read back. Each statement of a PL/pgSQL
    function declared VOLATILE (the default) takes its own snapshot under READ COMMITTED, as each
    statement of a pipeline does, so the insert's rechecks see what the locks let in; the call is
    one implicit transaction (autocommit), which holds the locks until its commit. The parameters'
    types are their columns' (the models' `_meta`).
    """
    V, B, C, R, H = Vote._meta, Battle._meta, Contest._meta, Response._meta, ChainHead._meta

    def of(meta, field: str) -> str:
        return meta.get_field(field).db_type(connection)

    types = {
        "battle": of(B, "id"), "session": of(B, "session_key"), "contest": of(C, "id"),
        "turns": "integer", "chain": of(H, "name"), "choice": of(V, "choice"),
        "accepting": of(C, "phase") + "[]", "refused_statuses": of(R, "status") + "[]",
        "voter": of(V, "voter"), "excluded": of(V, "excluded"), "created_at": of(V, "created_at"),
        "content": "bytea",
    }
    names = _placeholders(lock + insert)

    def body(sql: str) -> str:
        return re.sub(r"%\((\w+)\)s", r"p_\1", sql).strip()

    perform = body(lock)
    assert perform.startswith("SELECT ")
    definition = f"""
CREATE OR REPLACE FUNCTION {STORE_FUNCTION}({", ".join(f"p_{name} {types[name]}" for name in names)})
RETURNS bigint LANGUAGE plpgsql AS $vote_store$
DECLARE stored bigint;
BEGIN
    PERFORM {perform[len("SELECT "):]};
    {body(insert)} INTO stored;
    RETURN stored;
END $vote_store$"""
    call = f"SELECT {STORE_FUNCTION}({', '.join(f'%({name})s::{types[name]}' for name in names)})"
    return definition, call


class FastVote:
    def __init__(self, app):
        self.app = app
        self.enabled = (settings.ARENA["VOTE_FAST_PATH"]
                        and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")
        self.django = DjangoChecks(sessions=True)
        self.sessions = import_module(settings.SESSION_ENGINE).SessionStore
        self._pools = LoopPools(name="fast-vote", size=settings.ARENA["VOTE_FAST_PATH_CONNECTIONS"],
                                configure=self.connection_ready)
        if self.enabled:
            self.read = read_sql()
            self.store_function, self.store_call = store_function_sql(lock_sql(), insert_sql())
            # The identity-question classifier is read from its file here, not on the event
            # loop during a process's first vote.
            identity_classifier.shipped()

    async def __call__(self, scope, receive, send):
        match = (scope["type"] == "http" and scope["method"] == "POST" and self.enabled
                 and PATH.fullmatch(scope["path"]))
        if not match:
            return await self.app(scope, receive, send)
        await answer_or_pass(self.app, scope, receive, send,
                             lambda body: self.vote(scope, body, UUID(match.group(1))), what="vote")

    async def vote(self, scope, body: bytes, battle_id: UUID) -> HttpResponse:
        request = ASGIRequest(scope, BytesIO(body))
        self.django.request_check(request)
        choice = _choice(request, body)
        if policy.vote_refusal(policy.VoteFacts(choice_valid=choice_valid(choice))):
            raise Refused()
        request.session = self.sessions(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        session_key = request.session.session_key  # None unless the store accepts its form
        if not session_key:
            raise Refused()
        try:
            pool = await self.pool()
            # One connection from the read to the write (held over the limits' round trip):
            # a checkout of the pool costs more than that wait.
            async with pool.connection() as conn:
                shown = await self.checked_and_stored(request, conn, battle_id, session_key, choice)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            raise Refused() from error  # Django meets the same fault and says so
        VOTES_ACCEPTED.labels("fast").inc()
        answer = json.dumps({"reveal": shown})
        return self.django.respond(request, HttpResponse(answer, content_type="application/json; charset=utf-8"))

    async def checked_and_stored(self, request, conn, battle_id: UUID, session_key: str, choice: str) -> dict:
        """Read the battle on `conn`, ask the policy, count the limits and store the vote; return
        the reveal. Raise Refused (or psycopg's error of the read) when Django must answer."""
        async with conn.cursor(row_factory=namedtuple_row) as cursor:
            read = await (await cursor.execute(self.read, {"battle": battle_id})).fetchone()
        vote, shown = self.vote_make(read, battle_id, session_key, choice)
        setattr(request, VOTER_VOUCHED, True)  # the key owns the battle: it is a stored session's
        request.session.accessed = True  # as Django's path, which loads it to count the voter
        try:
            await alimits_check(request, action="vote")
        except Exception as error:  # rate-limited, or Redis failed: Django says which
            raise Refused() from error
        try:
            stored = await self.store(conn, vote, read)
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            # A second vote won the race (the unique constraint), or the connection failed, in
            # which case nothing was stored unless the commit itself was cut off. Either way
            # Django tries: it stores the vote once, says already_voted, or answers 503.
            logger.info("POST %s: the vote goes to Django: %r", request.path, error)
            raise Refused() from error
        if not stored:
            raise Refused()
        return shown

    def vote_make(self, read, battle_id: UUID, session_key: str, choice: str) -> tuple[VoteRow, dict]:
        """Return the vote (unsaved) and the reveal, or raise Refused when voting.policy refuses
        it on the read's facts (or the battle has no answer yet: Django's to judge)."""
        if read is None:
            facts = policy.VoteFacts(battle_found=False)
            answers = []
        else:
            answers = [answer for turn in read.turns for answer in turn["answers"] or []]
            facts = policy.VoteFacts(
                choice_valid=choice_valid(choice),
                owner=battle_owned_by(read.session_key, session_key),
                voted=read.voted,
                contest_open=Contest.accepts_judgments_in(read.phase),
                **side_facts({status for _, status, _, _ in answers}),
            )
        if policy.vote_refusal(facts) is not None or not answers:
            raise Refused()
        by_side: dict[str, list[str]] = {"a": [], "b": []}
        for side, _, text, _ in answers:
            by_side[side].append(text)
        excluded = identity.battle_exclusion(
            terms=identity_terms_of(read.terms or []),
            prompts=[turn["prompt"] for turn in read.turns],
            answers=by_side,
        )
        vote = VoteRow(battle_id=battle_id, choice=choice, voter=voter_hash(session_key),
                    excluded=excluded or "", created_at=timezone.now())
        shown = reveal(team_a=read.team_a, model_a=read.model_a, team_b=read.team_b,
                       model_b=read.model_b)
        return vote, shown

    async def store(self, conn, vote: VoteRow, read) -> bool:
        """Lock, check again, chain and insert, in one round trip; return whether it stored.

        One call of the connection's write function (store_function_sql) in autocommit mode:
        one implicit transaction, committed when the call ends or, when a statement fails,
        rolled back, so the locks of the first statement are held by the second and nothing is
        half-written. Each statement takes its own snapshot (READ COMMITTED), so the insert's
        checks see what the locks let in. The call is a prepared statement of the connection once
        it has been used a few times (psycopg's prepare_threshold), and PL/pgSQL keeps its
        statements' plans for the session: none is planned per vote.
        """
        params = {
            "battle": vote.battle_id, "session": read.session_key, "contest": read.contest_id,
            "turns": len(read.turns), "chain": selectors.VOTE_CHAIN, "choice": vote.choice,
            **params_recheck(),
            "voter": vote.voter, "excluded": vote.excluded, "created_at": vote.created_at,
            "content": chain.canonical(audit.vote_content(
                battle=vote.battle_id, choice=vote.choice, voter=vote.voter, excluded=vote.excluded,
                created_at=vote.created_at, contest=read.contest_id, category=read.category_id,
                turns=[audit.turn_texts(turn["prompt"], [(side, text, entrant) for side, _, text, entrant
                                                         in turn["answers"] or []])
                       for turn in read.turns],
                a=audit.side_reveal(entrant=read.entrant_a_id, team=read.team_a, model=read.model_a),
                b=audit.side_reveal(entrant=read.entrant_b_id, team=read.team_b, model=read.model_b),
            )),
        }
        (seq,) = await (await conn.execute(self.store_call, params)).fetchone()
        return seq is not None

    async def connection_ready(self, conn) -> None:
        """Define the write's function (store_function_sql) in a new connection's session."""
        await conn.execute(self.store_function)

    async def pool(self) -> psycopg_pool.AsyncConnectionPool:
        """This event loop's connections (a uvicorn process has one loop; tests have several)."""
        return await self._pools.get()

    async def close(self) -> None:
        """Close this event loop's connections (tests, before their database goes)."""
        await self._pools.close()


def _choice(request, body: bytes) -> object:
    """Return the body's `choice`, or raise Refused for a body that is no JSON object."""
    if not request.content_type == "application/json":
        raise Refused()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # deep nesting is no vote either: Django's
        raise Refused() from error
    if not isinstance(data, dict):
        raise Refused()
    return data.get("choice")
