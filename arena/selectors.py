"""Reads of battles: what the owner may see, and what each side is sent."""
import functools
from dataclasses import dataclass

from django.db import connection

from arena import identity
from arena.exceptions import BattleNotFound, NotBattleOwner
from arena.models import Battle, BattleShare, Response, Side, Turn
from contest.models import Team, system_prompt_first


def battle_get(*, battle_id, lock: bool = False) -> Battle | None:
    """Return the battle with its entrants and contest, or None.

    With `lock`, the battle's row (and only it, not the contest, entrant and team rows joined
    to it, which every other battle shares) is locked for update; the caller must then be inside
    a transaction.
    """
    battles = Battle.objects.select_related("contest", "entrant_a__team", "entrant_b__team")
    if lock:
        battles = battles.select_for_update(of=("self",))
    try:
        # get(), not first(): first() orders by the primary key, and compiling that ORDER BY
        # over five joined tables cost a vote more CPU than any of its queries.
        return battles.get(pk=battle_id)
    except Battle.DoesNotExist:
        return None


def battle_owned_by(owner_key: str | None, session_key: str | None) -> bool:
    """Whether `session_key` is the session that started a battle whose owner is `owner_key`:
    the one ownership rule (the battle's reads and turns, its websocket, both vote paths)."""
    return bool(session_key) and owner_key == session_key


@dataclass(frozen=True)
class LatestTurn:
    """A battle's owner key, whether its streams are paced, and its latest turn's sides as
    (response id, side, status, text, error code), in side order; `turn` None before any."""
    session_key: str
    paced: bool
    turn: int | None
    sides: list[tuple]


@functools.cache
def _latest_turn_sql() -> str:
    def q(model, field=None):
        meta = model._meta
        return connection.ops.quote_name(meta.db_table if field is None else meta.get_field(field).column)

    contest = Battle._meta.get_field("contest").related_model
    return (
        f"SELECT b.{q(Battle, 'session_key')}, c.{q(contest, 'paced_streams')}, t.{q(Turn, 'index')}, "
        f"r.{q(Response, 'id')}, r.{q(Response, 'side')}, r.{q(Response, 'status')}, "
        f"r.{q(Response, 'text')}, r.{q(Response, 'error_code')} "
        f"FROM {q(Battle)} b JOIN {q(contest)} c ON c.{q(contest, 'id')} = b.{q(Battle, 'contest')} "
        f"LEFT JOIN {q(Turn)} t ON t.{q(Turn, 'battle')} = b.{q(Battle, 'id')} AND t.{q(Turn, 'index')} = "
        f"(SELECT MAX({q(Turn, 'index')}) FROM {q(Turn)} WHERE {q(Turn, 'battle')} = b.{q(Battle, 'id')}) "
        f"LEFT JOIN {q(Response)} r ON r.{q(Response, 'turn')} = t.{q(Turn, 'id')} "
        f"WHERE b.{q(Battle, 'id')} = %s ORDER BY r.{q(Response, 'side')}"
    )


def battle_latest_turn(battle_id) -> LatestTurn | None:
    """The battle's owner, pacing and latest turn's sides in one statement (the websocket reads
    this on every connection, so not three ORM queries), or None if there is no such battle."""
    with connection.cursor() as cursor:
        cursor.execute(_latest_turn_sql(), [Battle._meta.pk.get_db_prep_value(battle_id, connection)])
        rows = cursor.fetchall()
    if not rows:
        return None
    session_key, paced, turn = rows[0][:3]
    return LatestTurn(session_key=session_key, paced=bool(paced), turn=turn,
                      sides=[row[3:] for row in rows if row[3] is not None])


def battle_get_for_owner(*, battle_id, session_key: str, lock: bool = False) -> Battle:
    """Return the battle with its entrants, or raise BattleNotFound / NotBattleOwner.

    `lock` as in battle_get.
    """
    battle = battle_get(battle_id=battle_id, lock=lock)
    if battle is None:
        raise BattleNotFound()
    if not battle_owned_by(battle.session_key, session_key):
        raise NotBattleOwner()
    return battle


def reveal(*, team_a: str, model_a: str, team_b: str, model_b: str) -> dict:
    """Return the reveal a voter is shown: which team and model stood on each side (both vote
    paths answer it). Only ever sent after the vote."""
    return {"a": {"team": team_a, "model": model_a}, "b": {"team": team_b, "model": model_b}}


def battle_reveal(battle: Battle) -> dict:
    """Return which team and model stood on each side. Only ever called after the vote."""
    return reveal(team_a=battle.entrant_a.team.name, model_a=battle.entrant_a.display_name,
                  team_b=battle.entrant_b.team.name, model_b=battle.entrant_b.display_name)


def model_card(entrant) -> dict:
    """Return what the entrant's team declares about its model (blank fields as null). Only
    ever sent after the vote, beside the reveal."""
    return {
        "parameters": entrant.card_parameters or None,
        "license": entrant.card_license or None,
        "open_weights": entrant.card_open_weights,
        "released": entrant.card_released.isoformat() if entrant.card_released else None,
        # The admin's validator takes only http(s); an older row is checked again here.
        "url": entrant.card_url if entrant.card_url.startswith(("http://", "https://")) else None,
    }


def battle_status(battle: Battle, responses: list[Response]) -> str:
    """Summarise a battle: voted, streaming, failed (a side errored) or ready (votable)."""
    if hasattr(battle, "vote"):
        return "voted"
    statuses = {response.status for response in responses}
    if statuses & Response.UNFINISHED:
        return "streaming"
    if statuses & Response.FAILED:
        return "failed"
    return "ready"


def identity_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return every team's identity terms, in a stable hashable shape for the matcher's cache."""
    return identity_terms_of(Team.objects.order_by("slug").values_list("slug", "identity_terms"))


def identity_terms_of(teams) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return identity_terms' shape from (slug, identity_terms) rows in slug order."""
    return tuple((slug, tuple(identity.terms_parse(raw))) for slug, raw in teams)


def battle_exclusion(battle: Battle, turns: list[Turn] | None = None) -> str | None:
    """Return why this battle's vote will not count for the ranking, or None.

    `identity.REASON_PROMPT` when the citizen asked a model who it is or who made it,
    `identity.REASON_LEAK` when an answer names a team or model (see arena.identity for how
    quoted text and ordinary words are told apart). `turns` may be passed with their responses
    prefetched, to save the queries.
    """
    if turns is None:
        turns = list(battle.turns.prefetch_related("responses").order_by("index"))
    answers: dict[str, list[str]] = {Side.A: [], Side.B: []}
    for turn in turns:
        for response in turn.responses.all():
            answers[response.side].append(response.text)
    return identity.battle_exclusion(
        terms=identity_terms(),
        prompts=[turn.prompt for turn in turns],
        answers=answers,
    )


def battle_state(battle: Battle) -> dict:
    """Return the API's view of a battle. Identities appear only once a vote exists.

    Per-side timings (time to first token, total time) can fingerprint a team, so they are
    null until the vote. With paced streams, neither can polling: see `paced_sides`.
    `excluded` says, before the vote, whether the vote will count.
    """
    turns = list(battle.turns.prefetch_related("responses").order_by("index"))
    voted = hasattr(battle, "vote")
    shown = []
    for turn in turns:
        by_side = {response.side: response for response in turn.responses.all()}
        if battle.contest.paced_streams and not voted:
            by_side = paced_sides(by_side)
        shown.append(
            {
                "prompt": turn.prompt,
                **{
                    side: {
                        "text": by_side[side].text,
                        "status": by_side[side].status,
                        "ttft_ms": by_side[side].ttft_ms if voted else None,
                        "total_ms": by_side[side].total_ms if voted else None,
                        "error": by_side[side].error_code or None,
                    }
                    for side in (Side.A, Side.B)
                },
            }
        )
    last_responses = list(turns[-1].responses.all()) if turns else []
    if voted:
        excluded = battle.vote.excluded or None
    else:
        excluded = battle_exclusion(battle, turns)
    return {
        "id": str(battle.pk),
        "status": battle_status(battle, last_responses),
        "turns": shown,
        "vote": battle.vote.choice if voted else None,
        "reveal": battle_reveal(battle) if voted else None,
        "cards": {"a": model_card(battle.entrant_a), "b": model_card(battle.entrant_b)} if voted else None,
        "excluded": excluded,
    }


def paced_sides(by_side: dict[str, Response]) -> dict[str, Response]:
    """Return a turn's responses as a paced battle shows them before the vote.

    While one side is unfinished and neither failed, both read as the less advanced of the two
    (pending before streaming), with no text: a side that finished first would otherwise tell
    a client polling the API which side is faster, as timing the websocket would (arena.pacing).
    A failed side ends the pacing, as on the websocket. Unsaved copies; the rows are unchanged.
    """
    statuses = {response.status for response in by_side.values()}
    if not statuses & Response.UNFINISHED or statuses & Response.FAILED:
        return by_side
    status = Response.Status.PENDING if Response.Status.PENDING in statuses else Response.Status.STREAMING
    return {side: Response(side=side, status=status, text="") for side in by_side}


def conversation_for(response: Response) -> list[dict]:
    """Return the chat messages one side is sent: the contest's system prompt (if it has one),
    every prompt and that side's own answers."""
    turn = response.turn
    return side_conversation(battle_id=turn.battle_id, turn_index=turn.index, side=response.side,
                             prompt=turn.prompt, system_prompt=response.entrant.contest.system_prompt)


def side_conversation(*, battle_id, turn_index: int, side: str, prompt: str,
                      system_prompt: str) -> list[dict]:
    """Return the chat messages the side `side` of a battle's turn `turn_index` is sent
    (conversation_for, from what a side's begin read: arena.sides.SideBegun)."""
    messages = []
    if turn_index == 0:  # a battle's first turn, most sides: no query
        messages.append({"role": "user", "content": prompt})
        return system_prompt_first(system_prompt, messages)
    earlier = (
        Turn.objects.filter(battle_id=battle_id, index__lt=turn_index)
        .order_by("index")
        .prefetch_related("responses")
    )
    for previous in earlier:
        own = next(r for r in previous.responses.all() if r.side == side)
        messages.append({"role": "user", "content": previous.prompt})
        messages.append({"role": "assistant", "content": own.text})
    messages.append({"role": "user", "content": prompt})
    return system_prompt_first(system_prompt, messages)


def battle_shared(*, token: str) -> dict:
    """Return what a battle's share link shows: the contest, each turn's prompt and both
    answers, the reveal and the model cards. Nothing of the voter (no session, vote, reasons or
    time). Raises BattleNotFound for a token that was never made or was revoked."""
    share = (
        BattleShare.objects.filter(token=token)
        .select_related("battle__contest", "battle__entrant_a__team", "battle__entrant_b__team")
        .first()
    )
    if share is None:
        raise BattleNotFound()
    battle = share.battle
    turns = []
    for turn in battle.turns.prefetch_related("responses").order_by("index"):
        by_side = {response.side: response for response in turn.responses.all()}
        turns.append({"prompt": turn.prompt, **{side: by_side[side].text for side in (Side.A, Side.B)}})
    return {
        "contest": battle.contest.title,
        "turns": turns,
        "reveal": battle_reveal(battle),
        "cards": {"a": model_card(battle.entrant_a), "b": model_card(battle.entrant_b)},
    }
