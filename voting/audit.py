"""What the audit chains cover: the content of a vote and of a judgment, and the chains as read
back for `manage.py verify_votes` (voting.chain is the pure hashing and checking underneath).

A chain entry's content is derived from the rows as they stand, never stored: verify_votes
derives it again from the current rows and compares hashes, so any change of a covered fact
since the entry was chained shows as an altered entry.

A vote (format 3) covers its battle, contest, category, choice, voter, exclusion and time, its
turns (how many, and the SHA-256 of every prompt and both answers), for each turn the entrant
that gave each answer (Response.entrant, `answered_by`), and for each side the entrant and its
reveal: the team name and the model name (Entrant.display_name), exactly what
GET /api/battles/<id> reveals and what the vote dataset's model_a / model_b carry. A judgment (format 1) covers its assignment, pair, prompt,
expert, overall choice, criteria, rationale, seconds, exclusion and time, and for each side
as the expert saw it (A = left) the pre-generated answer (its id and the SHA-256 of its text),
its entrant and their reveal.

Format 1 of a vote covered only battle, choice, voter, exclusion and time; format 2 all of
format 3 but the answers' entrants (migration 0012 moved the chain on). A chain keeps the
format its entries were written in; a format change is a logged entry of the chain itself
(ChainEvent, kind "migration", written by a migration) stating the new format, the previous
head and the SHA-256 of the earlier votes' content in the new format as it stood then (one per
block of ANCHOR_BLOCK positions), so earlier entries keep their hashes (and published heads
stay in the chain) while their newly covered facts are anchored from that moment on.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from voting import chain

VOTE_CHAIN = "votes"
JUDGMENT_CHAIN = "judgments"
VOTE_FORMAT = 3
JUDGMENT_FORMAT = 1
MIGRATION = "migration"
# A migration entry anchors the earlier votes' facts one digest per this many positions, so
# verify_votes can say where a changed vote is without the entry holding one hash per vote.
ANCHOR_BLOCK = 1000


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def side_reveal(*, entrant: int, team: str, model: str) -> dict:
    """Return one side as a chain entry covers it: the entrant and its reveal."""
    return {"entrant": entrant, "team": team, "model": model}


def vote_content_v1(*, battle, choice: str, voter: str, excluded: str, created_at: datetime) -> dict:
    """Return a vote's content in format 1 (the chains written before format 2)."""
    return {
        "battle": str(battle),
        "choice": choice,
        "voter": voter,
        "excluded": excluded,
        "created_at": _moment(created_at),
    }


def vote_content_v2(
    *, battle, choice: str, voter: str, excluded: str, created_at: datetime, contest: int,
    category: int | None, turns: list[tuple], a: dict, b: dict,
) -> dict:
    """Return a vote's content in format 2 (the chains and migration 0008's anchors before
    migration 0012): `turns` as vote_content takes them, of which it covers the texts."""
    texts = [tuple(turn[:3]) for turn in turns]
    return {
        **vote_content_v1(battle=battle, choice=choice, voter=voter, excluded=excluded,
                          created_at=created_at),
        "format": 2,
        "contest": contest,
        "category": category,
        "turns": len(texts),
        "transcript": hashlib.sha256(chain.canonical({"turns": texts})).hexdigest(),
        "a": a,
        "b": b,
    }


def vote_content(
    *, battle, choice: str, voter: str, excluded: str, created_at: datetime, contest: int,
    category: int | None, turns: list[tuple], a: dict, b: dict,
) -> dict:
    """Return a vote's content in the current format; `turns` is every turn's (prompt, answer
    A, answer B, entrant of A, entrant of B) in order (turn_texts), `a` and `b` are
    side_reveal()s.

    Every writer (voting.services, the PostgreSQL fast path, migrations) and verify_votes call
    this one function, so the bytes hashed are the same whoever builds them. A later format
    keeps this one as vote_content_v3: chains and migration 0012 hold format 3 entries.
    """
    return {
        **vote_content_v2(battle=battle, choice=choice, voter=voter, excluded=excluded,
                          created_at=created_at, contest=contest, category=category,
                          turns=turns, a=a, b=b),
        "format": VOTE_FORMAT,
        "answered_by": [[turn[3], turn[4]] for turn in turns],
    }


def turn_texts(prompt: str, answers) -> tuple:
    """Return one turn as vote_content takes it, from its (side, text, entrant) answers."""
    by_side = {side: (text, entrant) for side, text, entrant in answers}
    (text_a, entrant_a), (text_b, entrant_b) = (by_side.get(side, ("", None)) for side in "ab")
    return (prompt, text_a, text_b, entrant_a, entrant_b)


def vote_content_of(vote, *, turns=None) -> dict:
    """Return the content of a saved vote from its rows (model instances).

    `turns` (the battle's Turn rows with their responses, in order) saves the queries when the
    caller has read them already.
    """
    battle = vote.battle
    if turns is None:
        turns = battle.turns.prefetch_related("responses").order_by("index")
    turns = [turn_texts(turn.prompt, ((r.side, r.text, r.entrant_id) for r in turn.responses.all()))
             for turn in turns]
    return vote_content(
        battle=vote.battle_id, choice=vote.choice, voter=vote.voter, excluded=vote.excluded,
        created_at=vote.created_at, contest=battle.contest_id, category=battle.category_id,
        turns=turns,
        **{side: side_reveal(entrant=entrant.pk, team=entrant.team.name, model=entrant.display_name)
           for side, entrant in (("a", battle.entrant_a), ("b", battle.entrant_b))},
    )


VOTE_FIELDS = {
    "battle": "battle_id", "choice": "choice", "voter": "voter", "excluded": "excluded",
    "created_at": "created_at", "contest": "battle__contest_id", "category": "battle__category_id",
}
SIDE_FIELDS = {"entrant": "battle__entrant_{}_id", "team": "battle__entrant_{}__team__name",
               "model": "battle__entrant_{}__display_name"}


def _vote_content_from_values(row: dict, turns: list, format_: int | None) -> dict:
    facts = {key: row[field] for key, field in VOTE_FIELDS.items()}
    if format_ == 1:
        return vote_content_v1(**{key: facts[key] for key in
                                  ("battle", "choice", "voter", "excluded", "created_at")})
    sides = {side: side_reveal(**{key: row[field.format(side)] for key, field in SIDE_FIELDS.items()})
             for side in ("a", "b")}
    content = vote_content_v2 if format_ == 2 else vote_content
    return content(**facts, turns=turns, **sides)


def _votes_read(votes, turn_model, response_model, *, chunk: int = 500):
    """Yield (row, turns) for the `votes` queryset: the covered columns (VOTE_FIELDS, the sides,
    the chain fields) and each turn's turn_texts, a chunk of votes at a time.

    Takes the Turn and Response models so that a migration can pass its historical ones.
    """
    fields = [*VOTE_FIELDS.values(), *(f.format(s) for f in SIDE_FIELDS.values() for s in "ab"),
              "chain_seq", "chain_prev", "chain_hash"]
    rows = list(votes.values(*fields))
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        battles = [row["battle_id"] for row in part]
        answers: dict = {}
        for turn, side, text, entrant in (response_model.objects.filter(turn__battle_id__in=battles)
                                          .values_list("turn_id", "side", "text", "entrant_id")):
            answers.setdefault(turn, []).append((side, text, entrant))
        turns: dict = {}
        for turn, battle, prompt in (turn_model.objects.filter(battle_id__in=battles)
                                     .order_by("index").values_list("id", "battle_id", "prompt")):
            turns.setdefault(battle, []).append(turn_texts(prompt, answers.get(turn, ())))
        for row in part:
            yield row, turns.get(row["battle_id"], [])


class FactsAnchor:
    """What a migration entry anchors: per `block` positions (ANCHOR_BLOCK) up to `length`, the
    SHA-256 of its votes' content in `format_`, one canonical line each, in chain order. Fed the
    (row, turns) of _votes_read in chain order, one vote at a time.
    """

    def __init__(self, *, format_: int, length: int, block: int = ANCHOR_BLOCK):
        self.format, self.length, self.block = format_, length, block
        self.digests = [hashlib.sha256() for _ in range((length + block - 1) // block)]

    def add(self, row: dict, turns: list) -> None:
        seq = row["chain_seq"]
        if seq is not None and 0 < seq <= self.length:
            content = _vote_content_from_values(row, turns, self.format)
            self.digests[(seq - 1) // self.block].update(chain.canonical(content) + b"\n")

    def blocks(self) -> list[dict]:
        return [{"from": n * self.block + 1, "to": min((n + 1) * self.block, self.length),
                 "sha256": digest.hexdigest()} for n, digest in enumerate(self.digests)]


def votes_facts_anchor(*, votes, turn_model, response_model, format_: int, length: int) -> list[dict]:
    """Return FactsAnchor.blocks() of `votes` (a migration's models or the app's)."""
    anchor = FactsAnchor(format_=format_, length=length)
    for row, turns in _votes_read(votes.order_by("chain_seq"), turn_model, response_model):
        anchor.add(row, turns)
    return anchor.blocks()


def votes_format_log(apps, *, format_: int, previous_format: int, change: str) -> None:
    """Log a change of the votes' format in their chain (a migration's forward step): an entry
    stating the new format, the previous head and the earlier votes' facts in the new format.
    A chain that has no vote yet needs no entry: every vote it will hold is in the new format.
    """
    heads, events = apps.get_model("voting", "ChainHead"), apps.get_model("voting", "ChainEvent")
    head = heads.objects.filter(name=VOTE_CHAIN).first()
    if head is None or head.length == 0:
        return
    event_append(heads=heads, events=events, name=VOTE_CHAIN, content={
        "kind": MIGRATION, "chain": VOTE_CHAIN, "format": format_,
        "previous_format": previous_format, "previous_length": head.length,
        "previous_head": head.hash, "block": ANCHOR_BLOCK,
        "facts_sha256": votes_facts_anchor(
            votes=apps.get_model("voting", "Vote").objects.all(),
            turn_model=apps.get_model("arena", "Turn"),
            response_model=apps.get_model("arena", "Response"), format_=format_, length=head.length),
        "change": change,
    })


def votes_format_unlog(apps, *, format_: int) -> None:
    """Undo votes_format_log while its entry is still the votes' last (a migration's backward
    step); once votes were chained after it, their hashes cannot be undone."""
    from django.db.migrations.exceptions import IrreversibleError

    heads, events = apps.get_model("voting", "ChainHead"), apps.get_model("voting", "ChainEvent")
    head = heads.objects.filter(name=VOTE_CHAIN).first()
    event = events.objects.filter(name=VOTE_CHAIN, content__kind=MIGRATION,
                                  content__format=format_).first()
    if head is None or event is None:
        return
    if head.length != event.seq:
        raise IrreversibleError(f"votes were chained after the format migration; their format "
                                f"{format_} hashes cannot be undone")
    last = apps.get_model("voting", "Vote").objects.filter(chain_seq=event.content["previous_length"]).first()
    event.delete()
    head.length, head.hash = event.content["previous_length"], event.content["previous_head"]
    head.prev = last.chain_prev if last else chain.GENESIS
    head.save(update_fields=["length", "prev", "hash", "updated_at"])


def judgment_content(judgment) -> dict:
    """Return a judgment's content (model instances, historical ones too: no properties used).

    The sides are those the expert saw: A is the left answer, answer_2 when the assignment is
    flipped.
    """
    assignment = judgment.assignment
    pair = assignment.pair
    shown = (pair.answer_2, pair.answer_1) if assignment.flipped else (pair.answer_1, pair.answer_2)
    return {
        "format": JUDGMENT_FORMAT,
        "assignment": assignment.pk,
        "pair": pair.pk,
        "prompt": pair.prompt_id,
        "expert": assignment.expert_id,
        "overall": judgment.overall,
        "criteria": judgment.criteria,
        "rationale": judgment.rationale,
        "seconds": judgment.seconds,
        "excluded": judgment.excluded,
        "created_at": _moment(judgment.created_at),
        **{side: {"answer": answer.pk,
                  "text": hashlib.sha256(answer.text.encode()).hexdigest(),
                  **side_reveal(entrant=answer.entrant_id, team=answer.entrant.team.name,
                                model=answer.entrant.display_name)}
           for side, answer in zip(("a", "b"), shown)},
    }


JUDGMENT_RELATED = ("assignment__pair__answer_1__entrant__team",
                    "assignment__pair__answer_2__entrant__team")


def event_append(*, heads, events, name: str, content: dict) -> chain.Link:
    """Append a logged event (e.g. a format migration) to chain `name`, in the caller's transaction.

    `heads` and `events` are the ChainHead and ChainEvent models (a migration's historical ones
    or the app's); the head row is locked as chain_append locks it.
    """
    head, _ = heads.objects.select_for_update().get_or_create(name=name)
    link = chain.link_next(length=head.length, head=head.hash, row=content)
    events.objects.create(name=name, seq=link.seq, prev=link.prev, hash=link.hash, content=content)
    head.length, head.prev, head.hash = link.seq, link.prev, link.hash
    head.save(update_fields=["length", "prev", "hash", "updated_at"])
    return link


def _formats(events: list, current: int):
    """Return seq → the format an entry at that position was written in.

    Between two migration events, the first one's `format`; before the first one, that event's
    `previous_format`; after the last one (or with no event at all), the current format: the
    code that writes today writes it (it is the last event's own once every migration ran).
    """
    migrations = [event for event in events if event.content.get("kind") == MIGRATION]

    def format_at(seq: int | None) -> int | None:
        if seq is None or not migrations:
            return current
        before = [event for event in migrations if event.seq < seq]
        if not before:
            return migrations[0].content["previous_format"]
        return current if before[-1] is migrations[-1] else before[-1].content["format"]

    return format_at


def _event_entries(events: list) -> list[chain.Entry]:
    return [chain.Entry(key=event.content.get("kind", "event"), seq=event.seq,
                        prev=event.prev, hash=event.hash, row=event.content) for event in events]


def vote_chain_check() -> tuple[list[chain.Entry], list[chain.Problem]]:
    """Return the votes' chain entries derived from the current rows, and the problems of the
    migration anchors: a migration entry states the SHA-256 of the earlier votes' content in
    its format, block by block; a block whose votes' facts changed since is reported.
    """
    from arena.models import Response, Turn
    from voting.models import ChainEvent, Vote

    events = list(ChainEvent.objects.filter(name=VOTE_CHAIN).order_by("seq"))
    format_at = _formats(events, VOTE_FORMAT)
    anchors = [(event, FactsAnchor(format_=event.content["format"],
                                   length=event.content["previous_length"],
                                   block=event.content["block"]))
               for event in events
               if event.content.get("kind") == MIGRATION and "facts_sha256" in event.content]
    entries = _event_entries(events)
    for row, turns in _votes_read(Vote.objects.order_by("chain_seq", "pk"), Turn, Response):
        seq = row["chain_seq"]
        entries.append(chain.Entry(key=str(row["battle_id"]), seq=seq, prev=row["chain_prev"],
                                   hash=row["chain_hash"],
                                   row=_vote_content_from_values(row, turns, format_at(seq))))
        for _, anchor in anchors:
            anchor.add(row, turns)
    problems = [
        chain.Problem(chain.ALTERED, MIGRATION, event.seq,
                      f"a vote among #{block['from']}-#{block['to']}, chained before this "
                      "migration, no longer has the facts it anchored")
        for event, anchor in anchors
        for block, found in zip(event.content["facts_sha256"], anchor.blocks())
        if block != found
    ]
    return entries, problems


def judgment_chain_check() -> tuple[list[chain.Entry], list[chain.Problem]]:
    """Return the judgments' chain entries derived from the current rows (no anchors to check)."""
    from django.apps import apps

    from voting.models import ChainEvent

    # The judgments are the expert package's, which sits above voting: looked up, not imported.
    ExpertJudgment = apps.get_model("expert", "ExpertJudgment")  # noqa: N806
    events = list(ChainEvent.objects.filter(name=JUDGMENT_CHAIN).order_by("seq"))
    entries = _event_entries(events)
    judgments = ExpertJudgment.objects.select_related(*JUDGMENT_RELATED).order_by("chain_seq", "pk")
    for judgment in judgments.iterator(chunk_size=2000):
        entries.append(chain.Entry(key=f"judgment {judgment.pk}", seq=judgment.chain_seq,
                                   prev=judgment.chain_prev, hash=judgment.chain_hash,
                                   row=judgment_content(judgment)))
    return entries, []
