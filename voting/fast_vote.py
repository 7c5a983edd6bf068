"""A vote that will be stored, answered on the event loop: `POST /api/battles/<id>/vote` without
Django's request cycle (an ASGI middleware in front of Django, as config/read_cache.py is).

Why: through Django (voting.api.battle_vote, voting.services.vote_cast) a vote cost 25-29 ms
of CPU on the project's 2-core machine: the request cycle, ten ORM queries and their
compilation. Two web processes there recorded about 50 votes a second, where the contest asks
for 500. A bare ASGI app that reads one row and writes one on the same server and database does
about 720 a second there (benchmarks/vote_floor.py), so a vote must cost little more than its
two statements. This path recorded about 170 a second there, at 6.5 ms of CPU a vote, and
about 820 a second on a faster machine of the same size once its rate limits took one round
trip and its write no statement planned per vote (docs/performance.md).

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
- one read of the battle: its owner, no vote yet, the contest open, every side done; from its
  prompts and answers the vote's exclusion (arena.identity), and from its entrants the reveal
  and the facts the chain covers (voting.audit.vote_content, the function Django's path calls);
- the rate limits (config.limits.alimits_check: django-ratelimit's counters, all counted in one
  Redis round trip on the loop), only once the vote has passed everything else, so that no
  refused vote is counted twice;
- one round trip that writes (a pipeline): three statements in one transaction. It locks the
  battle row (FOR UPDATE) and then the contest row (FOR SHARE), as vote_cast does.
  Then one statement appends the vote to the chain and inserts it. Its conditions repeat the
  read's checks under those locks, on a fresh snapshot (READ COMMITTED), so a turn added, a
  contest closed or a vote cast in between stops it. The chain head's lock is held by the
  server alone, from that statement to its commit, never across a round trip to Python.

If the write stores nothing (a check failed meanwhile, or the chain has no head yet), or the
database fails, the vote goes to Django, which finds out why, or stores it, or answers the
API's 503; it counts the limits once more, which only such a rare case costs.
"""
import asyncio
import json
import logging
import re
from importlib import import_module
from io import BytesIO
from uuid import UUID

import psycopg
import psycopg_pool
from psycopg.rows import namedtuple_row
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseForbidden
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import timezone, translation

from arena import identity
from arena.selectors import identity_terms_of
from config.api import MAX_BODY_BYTES
from config.limits import alimits_check
from config.middleware import KoreanFirstLocaleMiddleware
from voting import audit, chain, selectors
from voting.models import Vote
from voting.pseudonyms import voter_hash
from voting.services import chain_head_advance_sql

logger = logging.getLogger(__name__)

# Django's `uuid` path converter: other spellings of an id are Django's 404.
PATH = re.compile(r"/api/battles/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/vote")

READ = """
SELECT b.session_key, b.contest_id, b.category_id, c.phase, b.entrant_a_id, b.entrant_b_id,
    EXISTS (SELECT 1 FROM voting_vote v WHERE v.battle_id = b.id) AS voted,
    ta.name AS team_a, ea.display_name AS model_a, tb.name AS team_b, eb.display_name AS model_b,
    (SELECT json_agg(json_build_object('prompt', t.prompt, 'answers',
        (SELECT json_agg(json_build_array(r.side, r.status, r.text))
         FROM arena_response r WHERE r.turn_id = t.id)) ORDER BY t.index)
     FROM arena_turn t WHERE t.battle_id = b.id) AS turns,
    (SELECT json_agg(json_build_array(slug, identity_terms) ORDER BY slug)
     FROM contest_team) AS terms
FROM arena_battle b
JOIN contest_contest c ON c.id = b.contest_id
JOIN contest_entrant ea ON ea.id = b.entrant_a_id JOIN contest_team ta ON ta.id = ea.team_id
JOIN contest_entrant eb ON eb.id = b.entrant_b_id JOIN contest_team tb ON tb.id = eb.team_id
WHERE b.id = %(battle)s
"""

# What the read found, checked again by the write under the battle's and the contest's locks.
STILL_VOTABLE = """
    AND EXISTS (SELECT 1 FROM arena_battle WHERE id = %(battle)s AND session_key = %(session)s)
    AND EXISTS (SELECT 1 FROM contest_contest WHERE id = %(contest)s AND phase = 'open')
    AND NOT EXISTS (SELECT 1 FROM voting_vote WHERE battle_id = %(battle)s)
    AND (SELECT count(*) FROM arena_turn WHERE battle_id = %(battle)s) = %(turns)s
    AND NOT EXISTS (SELECT 1 FROM arena_turn t CROSS JOIN LATERAL (
            SELECT 1 FROM arena_response r WHERE r.turn_id = t.id AND r.status <> 'done' LIMIT 1
        ) AS undone WHERE t.battle_id = %(battle)s)
"""
# The side check is a lookup per turn of this battle (the LATERAL ... LIMIT 1 cannot be turned
# into a join): joined, the planner may scan every answer there is. Without statistics (a
# PostgreSQL whose autovacuum is off, as on the benchmark machine) it did: 12 ms a vote once
# the tables held 20,000 answers.

LOCK_BATTLE = "SELECT 1 FROM arena_battle WHERE id = %(battle)s FOR UPDATE"
LOCK_CONTEST = "SELECT 1 FROM contest_contest WHERE id = %(contest)s FOR SHARE"


def insert_sql() -> str:
    return f"""
WITH link AS ({chain_head_advance_sql(content="%(content)s", name="%(chain)s", where=STILL_VOTABLE)})
INSERT INTO voting_vote (battle_id, choice, voter, excluded, created_at, chain_seq, chain_prev,
    chain_hash)
SELECT %(battle)s, %(choice)s, %(voter)s, %(excluded)s, %(created_at)s, length, prev, hash
FROM link RETURNING chain_seq
"""


class SilentCsrf(CsrfViewMiddleware):
    """Django's CSRF check, without its warning: a refused request is Django's to log (once)."""

    def _reject(self, request, reason):
        return HttpResponseForbidden()


class Refused(Exception):
    """A check says no: Django answers the request."""


def _unused_view(request):  # what CsrfViewMiddleware.process_view is asked about
    raise AssertionError("never called")


class FastVote:
    def __init__(self, app):
        self.app = app
        self.enabled = (settings.ARENA["VOTE_FAST_PATH"]
                        and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")
        nothing = lambda request: None  # noqa: E731 (the middleware are only asked, never chained)
        self.security, self.common = SecurityMiddleware(nothing), CommonMiddleware(nothing)
        self.csrf, self.locale = SilentCsrf(nothing), KoreanFirstLocaleMiddleware(nothing)
        # Django's response phase for an API answer, innermost first (settings.MIDDLEWARE):
        # the same headers as Django's own answer.
        self.responders = [XFrameOptionsMiddleware(nothing), self.common, self.locale,
                           CSPMiddleware(nothing), self.security]
        self.sessions = import_module(settings.SESSION_ENGINE).SessionStore
        self._pools: dict[asyncio.AbstractEventLoop, psycopg_pool.AsyncConnectionPool] = {}
        self.insert = insert_sql() if self.enabled else None

    async def __call__(self, scope, receive, send):
        match = (scope["type"] == "http" and scope["method"] == "POST" and self.enabled
                 and PATH.fullmatch(scope["path"]))
        if not match:
            return await self.app(scope, receive, send)
        body, more = b"", True
        while more and len(body) <= MAX_BODY_BYTES:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            response = await self.vote(scope, body, UUID(match.group(1))) if not more else None
        except Refused:
            response = None
        except Exception:  # a bug here must not become a 500: Django answers the vote
            logger.exception("POST %s: the vote in front of Django failed", scope["path"])
            response = None
        if response is None:
            return await self.app(scope, _replay(body, more, receive), send)
        await _send(response, send)

    async def vote(self, scope, body: bytes, battle_id: UUID) -> HttpResponse:
        request = ASGIRequest(scope, BytesIO(body))
        try:
            refused = any(middleware.process_request(request) is not None
                          for middleware in (self.security, self.common, self.csrf))
            refused = refused or self.csrf.process_view(request, _unused_view, (), {}) is not None
        except Exception as error:  # DisallowedHost and the like: Django says it
            raise Refused() from error
        if refused:
            raise Refused()
        choice = _choice(request, body)
        request.session = self.sessions(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        session_key = request.session.session_key  # None unless the store accepts its form
        if not session_key:
            raise Refused()
        self.locale.process_request(request)  # the visitor's language, for the answer
        try:
            pool = await self.pool()
            async with pool.connection() as conn, conn.cursor(row_factory=namedtuple_row) as cursor:
                read = await (await cursor.execute(READ, {"battle": battle_id})).fetchone()
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            raise Refused() from error  # Django meets the same fault and says so
        vote, reveal = self.vote_make(read, battle_id, session_key, choice)
        try:
            await alimits_check(request, action="vote")
        except Exception as error:  # rate-limited, or Redis failed: Django says which
            raise Refused() from error
        try:
            async with pool.connection() as conn:
                if not await self.store(conn, vote, read):
                    raise Refused()
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            # A second vote won the race (the unique constraint), or the connection failed, in
            # which case nothing was stored unless the commit itself was cut off. Either way
            # Django tries: it stores the vote once, says already_voted, or answers 503.
            logger.info("POST %s: the vote goes to Django: %r", request.path, error)
            raise Refused() from error
        answer = json.dumps({"reveal": reveal})
        return self.respond(request, HttpResponse(answer, content_type="application/json; charset=utf-8"))

    def vote_make(self, read, battle_id: UUID, session_key: str, choice: str) -> tuple[Vote, dict]:
        """Return the vote (unsaved) and the reveal, or raise Refused as vote_cast would refuse."""
        if read is None:
            raise Refused()
        answers = [answer for turn in read.turns for answer in turn["answers"] or []]
        if (read.session_key != session_key or read.voted or read.phase != "open" or not answers
                or any(status != "done" for _, status, _ in answers)):
            raise Refused()
        by_side: dict[str, list[str]] = {"a": [], "b": []}
        for side, _, text in answers:
            by_side[side].append(text)
        excluded = identity.battle_exclusion(
            terms=identity_terms_of(read.terms or []),
            prompts=[turn["prompt"] for turn in read.turns],
            answers=by_side,
        )
        vote = Vote(battle_id=battle_id, choice=choice, voter=voter_hash(session_key),
                    excluded=excluded or "", created_at=timezone.now())
        reveal = {"a": {"team": read.team_a, "model": read.model_a},
                  "b": {"team": read.team_b, "model": read.model_b}}
        return vote, reveal

    async def store(self, conn, vote: Vote, read) -> bool:
        """Lock, check again, chain and insert, in one round trip; return whether it stored.

        A pipeline on a connection in autocommit mode: the three statements and one Sync go
        out together, and PostgreSQL runs the statements before a Sync as one implicit
        transaction, committed at the Sync or, when one fails, rolled back (its protocol's
        "Pipelining"). So the locks of the first two are held by the third, and nothing is
        half-written. Each statement takes its own snapshot (READ COMMITTED), so the insert's
        checks see what the locks let in. Each is a prepared statement of the connection once
        it has been used a few times (psycopg's prepare_threshold): none is planned per vote.
        """
        params = {
            "battle": vote.battle_id, "session": read.session_key, "contest": read.contest_id,
            "turns": len(read.turns), "chain": selectors.VOTE_CHAIN, "choice": vote.choice,
            "voter": vote.voter, "excluded": vote.excluded, "created_at": vote.created_at,
            "content": chain.canonical(audit.vote_content(
                battle=vote.battle_id, choice=vote.choice, voter=vote.voter, excluded=vote.excluded,
                created_at=vote.created_at, contest=read.contest_id, category=read.category_id,
                turns=[audit.turn_texts(turn["prompt"], [(side, text) for side, _, text
                                                         in turn["answers"] or []])
                       for turn in read.turns],
                a=audit.side_reveal(entrant=read.entrant_a_id, team=read.team_a, model=read.model_a),
                b=audit.side_reveal(entrant=read.entrant_b_id, team=read.team_b, model=read.model_b),
            )),
        }
        async with conn.pipeline():
            await conn.execute(LOCK_BATTLE, params)
            await conn.execute(LOCK_CONTEST, params)
            inserted = await conn.execute(self.insert, params)
        return await inserted.fetchone() is not None

    def respond(self, request, response: HttpResponse) -> HttpResponse:
        with translation.override(request.LANGUAGE_CODE):
            for middleware in self.responders:
                response = middleware.process_response(request, response)
        return response

    async def pool(self) -> psycopg_pool.AsyncConnectionPool:
        """This event loop's connections (a uvicorn process has one loop; tests have several)."""
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            database = settings.DATABASES["default"]
            conninfo = psycopg.conninfo.make_conninfo(
                dbname=database["NAME"], user=database.get("USER") or None,
                password=database.get("PASSWORD") or None, host=database.get("HOST") or None,
                port=str(database["PORT"]) if database.get("PORT") else None,
                options=database.get("OPTIONS", {}).get("options"),  # settings: no JIT
            )
            pool = psycopg_pool.AsyncConnectionPool(
                conninfo, kwargs={"autocommit": True}, open=False, name="fast-vote",
                # All opened at once: a connection opened while votes wait costs them a
                # backend's start (the first run after a start had a p99 of 322 ms, against
                # 80-108 ms once they were open).
                min_size=settings.ARENA["VOTE_FAST_PATH_CONNECTIONS"],
                max_size=settings.ARENA["VOTE_FAST_PATH_CONNECTIONS"],
                timeout=settings.DB_POOL_TIMEOUT,
            )
            self._pools[loop] = pool
            await pool.open(wait=True)  # every connection ready before the first vote
        return self._pools[loop]

    async def close(self) -> None:
        """Close this event loop's connections (tests, before their database goes)."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()


def _choice(request, body: bytes) -> str:
    if not request.content_type == "application/json":
        raise Refused()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # deep nesting is no vote either: Django's
        raise Refused() from error
    if not isinstance(data, dict) or data.get("choice") not in Vote.Choice.values:
        raise Refused()
    return data["choice"]


def _replay(body: bytes, more: bool, receive):
    """The request's receive for Django: the body read so far, then the rest as it comes."""
    pending = [{"type": "http.request", "body": body, "more_body": more}]

    async def replayed():
        return pending.pop() if pending else await receive()

    return replayed


async def _send(response: HttpResponse, send) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    headers += [(b"set-cookie", c.OutputString().encode("ascii")) for c in response.cookies.values()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
