"""A side as its stream knows it, and the PostgreSQL statements that begin and end a side.

Every side begins and ends once, so on PostgreSQL each is one statement, its own transaction,
built from the models' `_meta` and enums (never literals): a transaction's BEGIN and COMMIT, a
second round trip for the read, and the ORM compiling both queries were most of what a side's
begin cost the worker and the database (docs/performance.md). The services
(`arena.services.responses_begin`, `response_complete`) run them and keep Django's ORM path for
any other database.
"""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

from arena.models import Response, Turn
from contest.models import Contest, Entrant

if TYPE_CHECKING:
    from django.db.models import Model


@dataclass(frozen=True)
class SideRef:
    """A side as its battle's messages and the metrics name it."""

    pk: int
    side: str
    entrant_id: int
    turn_id: int
    turn_index: int
    battle_id: uuid.UUID

    @classmethod
    def of(cls, response: Response) -> SideRef:
        """The side of `response` (its turn is read, so select it with the response)."""
        return cls(pk=response.pk, side=response.side, entrant_id=response.entrant_id,
                   turn_id=response.turn_id, turn_index=response.turn.index,
                   battle_id=response.turn.battle_id)


@dataclass(frozen=True)
class SideBegun:
    """What a side that has begun streaming needs of its turn, its entrant (the fields that
    `arena.endpoints.endpoint_config` reads) and its contest (the system prompt)."""

    ref: SideRef
    prompt: str
    system_prompt: str
    base_url: str
    model: str
    api_key_env: str
    params: dict
    timeout_seconds: float

    @classmethod
    def of(cls, response: Response) -> SideBegun:
        """The side of `response` (select its turn and its entrant's contest with it)."""
        entrant = response.entrant
        return cls(ref=SideRef.of(response), prompt=response.turn.prompt,
                   system_prompt=entrant.contest.system_prompt, base_url=entrant.base_url,
                   model=entrant.model, api_key_env=entrant.api_key_env, params=entrant.params,
                   timeout_seconds=entrant.timeout_seconds)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: type[Model], name: str, alias: str | None = None) -> str:
    column = _q(model._meta.get_field(name).column)
    return f"{alias}.{column}" if alias else column


# What begin_sql returns, in its order: (model, field) for each column.
_BEGUN = ((Response, "id"), (Response, "side"), (Response, "entrant"), (Response, "turn"),
          (Turn, "index"), (Turn, "battle"), (Turn, "prompt"), (Contest, "system_prompt"),
          (Entrant, "base_url"), (Entrant, "model"), (Entrant, "api_key_env"), (Entrant, "params"),
          (Entrant, "timeout_seconds"))


@functools.cache
def begin_sql() -> str:
    """responses_begin's UPDATE and its read as one statement: the sides (an array of ids)
    marked streaming if they have not ended and, joined to what it returns, each one's turn,
    entrant and contest."""
    response = Response._meta
    unfinished = ", ".join(f"'{status.value}'" for status in sorted(Response.UNFINISHED))
    aliases = {Response: "b", Turn: "t", Entrant: "e", Contest: "c"}
    returned = ", ".join(_column(Response, name) for name in ("id", "side", "entrant", "turn"))
    selected = ", ".join(_column(model, name, aliases[model]) for model, name in _BEGUN)
    return (
        f"WITH b AS (UPDATE {_q(response.db_table)} SET {_column(Response, 'status')} = "
        f"'{Response.Status.STREAMING.value}', {_column(Response, 'started_at')} = %s, "
        f"{_column(Response, 'text')} = '' WHERE {_q(response.pk.column)} = ANY(%s) AND "
        f"{_column(Response, 'status')} IN ({unfinished}) RETURNING {returned}) "
        f"SELECT {selected} FROM b {_join(Turn, 't', _column(Response, 'turn', 'b'))} "
        f"{_join(Entrant, 'e', _column(Response, 'entrant', 'b'))} "
        f"{_join(Contest, 'c', _column(Entrant, 'contest', 'e'))}"
    )


def _join(model: type[Model], alias: str, key: str) -> str:
    """JOIN `model`'s table as `alias` on its primary key = `key`."""
    return f"JOIN {_q(model._meta.db_table)} {alias} ON {alias}.{_q(model._meta.pk.column)} = {key}"


def begun_from_row(row: tuple) -> SideBegun:
    """The SideBegun of one row of begin_sql, each value as its field reads it from the database."""
    values = []
    for (model, name), value in zip(_BEGUN, row):
        field = model._meta.get_field(name)
        if hasattr(field, "from_db_value"):
            value = field.from_db_value(value, None, connection)
        values.append(value)
    pk, side, entrant_id, turn_id, index, battle_id, prompt, system_prompt, *endpoint = values
    ref = SideRef(pk=pk, side=side, entrant_id=entrant_id, turn_id=turn_id, turn_index=index,
                  battle_id=battle_id)
    base_url, model, api_key_env, params, timeout_seconds = endpoint
    return SideBegun(ref=ref, prompt=prompt, system_prompt=system_prompt, base_url=base_url,
                     model=model, api_key_env=api_key_env, params=params,
                     timeout_seconds=timeout_seconds)


@functools.cache
def complete_sql() -> str:
    """response_complete's two UPDATEs as one statement, returning how many sides it ended
    (0 or 1)."""
    response, entrant = Response._meta, Entrant._meta
    return (
        f"WITH done AS (UPDATE {_q(response.db_table)} SET {_column(Response, 'status')} = "
        f"'{Response.Status.DONE.value}', {_column(Response, 'text')} = %s, "
        f"{_column(Response, 'ttft_ms')} = %s, {_column(Response, 'total_ms')} = %s, "
        f"{_column(Response, 'finished_at')} = %s WHERE {_q(response.pk.column)} = %s AND "
        f"{_column(Response, 'status')} = '{Response.Status.STREAMING.value}' "
        f"RETURNING {_column(Response, 'entrant')}), "
        f"healed AS (UPDATE {_q(entrant.db_table)} SET {_column(Entrant, 'consecutive_failures')} = 0 "
        f"WHERE {_q(entrant.pk.column)} IN (SELECT {_column(Response, 'entrant')} FROM done) "
        f"AND {_column(Entrant, 'consecutive_failures')} > 0) "
        "SELECT count(*) FROM done"
    )
