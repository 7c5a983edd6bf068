"""A battle start that will succeed, answered on the event loop: `POST /api/battles` without
Django's request cycle (an ASGI middleware in front of Django, as voting/fast_vote.py is).

Why: through Django (arena.api.battle_start, arena.services.battle_start) a start cost the web
process tens of milliseconds of CPU (the request cycle, fourteen ORM queries in two
transactions, the session saved twice) for writes that cost PostgreSQL a few, so a burst of
citizens queued behind each other's starts (docs/performance.md). Here a start is two reads
(its session, the entrants) and one write, all prepared statements on one connection, and its
turn's one task (both sides) is sent from a thread.

One definition of every answer but success: this path answers only a start that it has stored.
Every other request, and every start that a check would refuse, goes to Django unchanged
(config.front), which answers it as before: its error JSON, its status, its message. Its checks
are Django's, in Django's order, each from its one home:

- the request phase of SecurityMiddleware, CommonMiddleware and CsrfViewMiddleware on Django's
  ASGIRequest; no query string (RequestGuardMiddleware's to judge);
- a JSON object body with no member but `prompt`, `category` and `pow` (arena.api.BattleStart),
  each a string that can be stored (config.api.Text); the prompt as arena.services.prompt_clean
  takes it;
- the proof of work, when the contest asks for it: arena.proof_of_work.solution_read, and not
  spent (the cache key solution_spend writes);
- the first-visit notice, accepted in the session the cookie names (arena.notice.notice_accepted
  on the session's stored data, decoded by the session store): so only a visitor with a session
  starts here, and a cookie that names no stored session goes to Django, which refuses it;
- one read: the healthy entrants (contest.selectors.entrants_healthy) of the contest that
  contest.selectors.contests_open puts first, compiled by the ORM from those querysets, so the
  rules stay theirs; and the category, when one is named;
- the rate limits (config.limits.alimits_check, the keys and script of Django's path), counted
  once every check above has passed; a start they refuse goes to Django with its count noted
  (config.limits.COUNTED), so that it is answered from that count, not counted twice;
- the pair (arena.draw.pair_choose, with the contest's setting) and the rows
  (arena.services.battle_new and turn_new, which battle_start saves too), written in one
  statement: one transaction. Then the solution is spent and the turn's task (both sides) sent
  (arena.services.turn_dispatch) before the answer.

A check that fails after something was written cannot happen: the write is last but for the
dispatch. If the dispatch fails, the battle stays and the reaper ends its sides (their tasks
were never taken); the citizen is answered 201 and told on the page.
"""
import asyncio
import contextvars
import functools
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from io import BytesIO

import psycopg
import psycopg_pool
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model, Subquery
from django.http import HttpResponse
from django.utils import timezone

from arena import proof_of_work
from arena.metrics import BATTLES_STARTED
from arena.models import Battle, Response, Turn
from arena.draw import adraw_probabilities, pair_choose
from arena.notice import notice_accepted
from arena.services import battle_new, prompt_clean, turn_dispatch, turn_new
from config.api import text_storable
from config.front import DjangoChecks, LoopPools, Refused, answer_or_pass
from config.limits import VOTER_VOUCHED, alimits_check, cache_redis
from contest.models import Category, Contest
from contest.selectors import contests_open, entrants_healthy
from core.errors import DomainError

logger = logging.getLogger(__name__)

PATH = "/api/battles"
MEMBERS = {"prompt", "category", "pow"}  # arena.api.BattleStart
DISPATCH_THREADS = 4


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _insertable(model) -> list:
    """The fields Django writes when it inserts a `model` (all but a primary key the database
    numbers)."""
    return [field for field in model._meta.concrete_fields
            if not (field.primary_key and getattr(field, "db_returning", False))]


def _values(instance: Model, fields: list, database) -> list:
    """The values Django would insert for `instance`: each field's pre_save, prepared for the
    `database` connection (a new row: auto_now_add times are set here, as in Model.save)."""
    return [field.get_db_prep_save(field.pre_save(instance, True), database) for field in fields]


def _insert(model, fields: list, rows: int = 1, *, expressions: dict | None = None) -> str:
    """INSERT INTO the model's table, `rows` rows of placeholders (or `expressions` by column)."""
    expressions = expressions or {}
    columns = ", ".join(_quote(field.column) for field in fields)
    row = "(" + ", ".join(expressions.get(field.column, "%s") for field in fields) + ")"
    return f"INSERT INTO {_quote(model._meta.db_table)} ({columns}) VALUES {', '.join([row] * rows)}"


class Writes:
    """The one statement that stores a battle: the battle, its first turn and the turn's two
    pending responses, returning the responses' ids and sides."""

    def __init__(self):
        self.battle_fields, self.turn_fields = _insertable(Battle), _insertable(Turn)
        self.response_fields = _insertable(Response)
        turn_column = Response._meta.get_field("turn").column
        turn_pk = _quote(Turn._meta.pk.column)
        body = (
            f"battle AS ({_insert(Battle, self.battle_fields)}), "
            f"turn AS ({_insert(Turn, self.turn_fields)} RETURNING {turn_pk}) "
            + _insert(Response, self.response_fields, 2,
                      expressions={turn_column: f"(SELECT {turn_pk} FROM turn)"})
            + f" RETURNING {_quote(Response._meta.pk.column)}, {_quote(Response._meta.get_field('side').column)}"
        )
        self.sql = f"WITH {body}"
        turn_field = Response._meta.get_field("turn")
        self.response_values = [field for field in self.response_fields if field is not turn_field]

    def params(self, battle: Battle, turn: Turn, responses: list[Response]) -> list:
        # The connection itself, not django.db.connection: each of the proxy's lookups reads
        # a context-local, and every field's preparation asks it several times.
        database = connections[DEFAULT_DB_ALIAS]
        values = _values(battle, self.battle_fields, database) + _values(turn, self.turn_fields, database)
        for response in responses:  # the turn's id is the statement's own (see __init__)
            values += _values(response, self.response_values, database)
        return values


def _read_sql() -> tuple[str, list]:
    """The healthy entrants (id, contest id, its pair draw) of the contest the site is about, in
    Django's SQL."""
    current = Subquery(contests_open().values("pk")[:1])
    entrants = entrants_healthy(contest=current).values_list("pk", "contest_id", "contest__pair_draw")
    return entrants.query.sql_with_params()


class FastStart:
    """The ASGI app in front of Django that answers `POST /api/battles` when the start will
    succeed (see the module's docstring); `app` answers everything else."""

    def __init__(self, app):
        self.app = app
        engine = import_module(settings.SESSION_ENGINE)
        # A session stored in the database (db, cached_db): this path reads it there itself.
        self.enabled = (settings.ARENA["START_FAST_PATH"]
                        and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
                        and hasattr(engine.SessionStore, "get_model_class"))
        self.sessions = engine.SessionStore
        self.django = DjangoChecks(sessions=True)
        self._pools = LoopPools(name="fast-start", size=settings.ARENA["START_FAST_PATH_CONNECTIONS"])
        self._dispatch: ThreadPoolExecutor | None = None
        self._read: tuple[str, list] | None = None
        if self.enabled:
            self.writes = Writes()
            category = Category._meta
            self.category_sql = (f"SELECT {_quote(category.pk.column)} FROM {_quote(category.db_table)} "
                                 f"WHERE {_quote(category.get_field('slug').column)} = %s")
            session = self.sessions.get_model_class()._meta
            self.session_sql = (
                f"SELECT {_quote(session.get_field('session_data').column)} FROM {_quote(session.db_table)} "
                f"WHERE {_quote(session.pk.column)} = %s AND {_quote(session.get_field('expire_date').column)} > %s")

    async def __call__(self, scope, receive, send):
        if not (self.enabled and scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"] == PATH):
            return await self.app(scope, receive, send)
        await answer_or_pass(self.app, scope, receive, send, lambda body: self.start(scope, body),
                             what="start")

    async def start(self, scope, body: bytes) -> HttpResponse:
        if scope.get("query_string"):
            raise Refused()
        request = ASGIRequest(scope, BytesIO(body))
        self.django.request_check(request)
        prompt, category_slug, pow_payload = _members(request, body)
        try:
            cleaned = prompt_clean(prompt)
            solution = proof_of_work.solution_read(pow_payload)
        except DomainError as error:
            raise Refused() from error
        if solution is not None and await cache_redis().exists(cache.make_key(solution.key)):
            raise Refused()  # spent: Django says so
        request.session = self.sessions(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        if not request.session.session_key:
            raise Refused()  # no session, so no notice accepted: Django says so
        try:
            pool = await self._pools.get()
            async with pool.connection() as conn:
                stored = await (await conn.execute(
                    self.session_sql, [request.session.session_key, timezone.now()])).fetchone()
                if stored is None or not notice_accepted(request.session.decode(stored[0])):
                    raise Refused()  # Django says so, and counts nothing
                # Read, as Django's path reads it: its answer varies with the cookie.
                request.session.accessed = True
                setattr(request, VOTER_VOUCHED, True)
                entrants = await (await conn.execute(*self.read_sql())).fetchall()
                category_id = None
                if category_slug not in (None, ""):
                    found = await (await conn.execute(self.category_sql, [category_slug])).fetchone()
                    if found is None:
                        raise Refused()
                    category_id = found[0]
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            raise Refused() from error  # Django meets the same fault and says so
        if len(entrants) < 2:
            raise Refused()  # no open contest, or too few entrants: Django says which
        _first, contest_id, setting = entrants[0]
        probabilities = (await adraw_probabilities(contest_id)
                         if setting == Contest.PairDraw.DECISION else None)
        (entrant_a, *_), (entrant_b, *_), probability = pair_choose(
            entrants, pair_draw_setting=setting, contest_id=contest_id,
            probabilities=probabilities, key=lambda row: row[0])
        try:
            await alimits_check(request, action="battle")
        except Exception as error:  # rate-limited, or Redis failed: Django says which
            raise Refused() from error
        if solution is not None and not await cache_redis().set(
                cache.make_key(solution.key), 1, nx=True, ex=proof_of_work.spent_ttl(solution)):
            raise Refused()  # another request spent it first: Django says so
        battle = battle_new(contest_id=contest_id, category_id=category_id,
                            session_key=request.session.session_key,
                            entrant_a_id=entrant_a, entrant_b_id=entrant_b,
                            pair_probability=probability)
        turn, responses = turn_new(battle=battle, index=0, prompt=cleaned)
        try:
            async with pool.connection() as conn:
                stored = await (await conn.execute(self.writes.sql,
                                                   self.writes.params(battle, turn, responses))).fetchall()
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            # Nothing was stored (one statement), but the solution is spent: Django will say so.
            logger.warning("POST %s: the start goes to Django: %r", PATH, error)
            raise Refused() from error
        BATTLES_STARTED.inc()
        side_ids = dict((side, pk) for pk, side in stored)
        await self.dispatch([side_ids[response.side] for response in responses])
        answer = json.dumps({"id": str(battle.pk), "stream": f"/ws/battles/{battle.pk}/"})
        response = HttpResponse(answer, status=201, content_type="application/json; charset=utf-8")
        return self.django.respond(request, response)

    def read_sql(self) -> tuple[str, list]:
        if self._read is None:  # compiled on first use: the ORM may ask the server's version
            self._read = _read_sql()
        return self._read

    async def dispatch(self, response_ids: list[int]) -> None:
        """Send the turn's task for both sides (Celery's client is synchronous: from a thread)."""
        if self._dispatch is None:
            self._dispatch = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="arena-dispatch")
        # In this request's context: the request id rides into the tasks (config.logs).
        send = functools.partial(contextvars.copy_context().run, turn_dispatch, response_ids=response_ids)
        try:
            await asyncio.get_running_loop().run_in_executor(self._dispatch, send)
        except Exception:
            logger.exception("POST %s: the tasks of responses %s were not sent; the reaper ends them",
                             PATH, response_ids)

    async def close(self) -> None:
        """Close this event loop's connections (tests, before their database goes)."""
        await self._pools.close()


def _members(request, body: bytes) -> tuple[object, object, object]:
    """Return the body's prompt, category and pow, or raise Refused for anything Django's schema
    would refuse or read otherwise."""
    if request.content_type != "application/json":
        raise Refused()
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Refused() from error
    if not isinstance(data, dict) or not set(data) <= MEMBERS or not isinstance(data.get("prompt"), str):
        raise Refused()
    for name in MEMBERS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise Refused()
        try:
            value is None or text_storable(value)
        except ValueError as error:
            raise Refused() from error
    return data["prompt"], data.get("category"), data.get("pow")
