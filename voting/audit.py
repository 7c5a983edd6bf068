"""What the audit chains cover: the content of a vote and of a judgment, and the chains as read
back for `manage.py verify_votes` (voting.chain is the pure hashing and checking underneath).

A chain entry's content is derived from the rows as they stand, never stored: verify_votes
derives it again from the current rows and compares hashes, so any change of a covered fact
since the entry was chained shows as an altered entry.

A vote (format 2) covers its battle, contest, category, number of turns, choice, voter,
exclusion and time, and for each side the entrant and its reveal: the team name and the model
name (Entrant.display_name), exactly what GET /api/battles/<id> reveals and what the vote
dataset's model_a / model_b carry. A judgment (format 1) covers its assignment, pair, prompt,
expert, overall choice, criteria, rationale, seconds, exclusion and time, and for each side
as the expert saw it (A = left) the pre-generated answer, its entrant and their reveal.

Format 1 of a vote covered only battle, choice, voter, exclusion and time. A chain keeps the
format its entries were written in; a format change is a logged entry of the chain itself
(ChainEvent, kind "migration", written by a migration) stating the new format, the previous
head and the SHA-256 of every earlier vote's content in the new format as it stood then, so
earlier entries keep their hashes (and published heads stay in the chain) while their newly
covered facts are anchored from that moment on.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from django.db.models import Count

from voting import chain

VOTE_CHAIN = "votes"
JUDGMENT_CHAIN = "judgments"
VOTE_FORMAT = 2
JUDGMENT_FORMAT = 1
MIGRATION = "migration"


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


def vote_content(
    *, battle, choice: str, voter: str, excluded: str, created_at: datetime, contest: int,
    category: int | None, turns: int, a: dict, b: dict,
) -> dict:
    """Return a vote's content in the current format; `a` and `b` are side_reveal()s.

    Every writer (voting.services, the PostgreSQL fast path, migrations) and verify_votes call
    this one function, so the bytes hashed are the same whoever builds them.
    """
    return {
        **vote_content_v1(battle=battle, choice=choice, voter=voter, excluded=excluded,
                          created_at=created_at),
        "format": VOTE_FORMAT,
        "contest": contest,
        "category": category,
        "turns": turns,
        "a": a,
        "b": b,
    }


def vote_content_of(vote, *, turns: int | None = None) -> dict:
    """Return the content of a saved vote from its rows (model instances, historical ones too).

    `turns` saves a query when the caller has counted the battle's turns already.
    """
    battle = vote.battle
    if turns is None:
        turns = battle.turns.count()
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


def _vote_content_from_values(row: dict, format_: int | None) -> dict:
    facts = {key: row[field] for key, field in VOTE_FIELDS.items()}
    if format_ == 1:
        return vote_content_v1(**{key: facts[key] for key in
                                  ("battle", "choice", "voter", "excluded", "created_at")})
    sides = {side: side_reveal(**{key: row[field.format(side)] for key, field in SIDE_FIELDS.items()})
             for side in ("a", "b")}
    return vote_content(**facts, turns=row["turns"], **sides)


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

    After a migration event, its `format`; before the first one, that event's
    `previous_format`; with no event at all, the current format.
    """
    migrations = [event for event in events if event.content.get("kind") == MIGRATION]

    def format_at(seq: int | None) -> int | None:
        if seq is None or not migrations:
            return current
        before = [event for event in migrations if event.seq < seq]
        return before[-1].content["format"] if before else migrations[0].content["previous_format"]

    return format_at


def _event_entries(events: list) -> list[chain.Entry]:
    return [chain.Entry(key=event.content.get("kind", "event"), seq=event.seq,
                        prev=event.prev, hash=event.hash, row=event.content) for event in events]


def vote_chain_check() -> tuple[list[chain.Entry], list[chain.Problem]]:
    """Return the votes' chain entries derived from the current rows, and the problems of the
    migration anchors: a migration event states the SHA-256 of the earlier votes' content in its
    format; if those votes' facts changed since, that event is reported altered.
    """
    from voting.models import ChainEvent, Vote

    events = list(ChainEvent.objects.filter(name=VOTE_CHAIN).order_by("seq"))
    format_at = _formats(events, VOTE_FORMAT)
    anchors = [(event, hashlib.sha256()) for event in events
               if event.content.get("kind") == MIGRATION and event.content.get("facts_sha256")]
    fields = [*VOTE_FIELDS.values(), *(f.format(s) for f in SIDE_FIELDS.values() for s in "ab"),
              "chain_seq", "chain_prev", "chain_hash"]
    votes = (Vote.objects.order_by("chain_seq", "pk").values(*fields)
             .annotate(turns=Count("battle__turns")))
    entries = _event_entries(events)
    for row in votes.iterator(chunk_size=2000):
        seq = row["chain_seq"]
        content = _vote_content_from_values(row, format_at(seq))
        entries.append(chain.Entry(key=str(row["battle_id"]), seq=seq, prev=row["chain_prev"],
                                   hash=row["chain_hash"], row=content))
        for event, digest in anchors:
            if seq is not None and seq < event.seq:
                facts = _vote_content_from_values(row, event.content["format"])
                digest.update(chain.canonical(facts) + b"\n")
    problems = [
        chain.Problem(chain.ALTERED, MIGRATION, event.seq,
                      "a vote chained before this migration no longer has the facts it anchored")
        for event, digest in anchors if digest.hexdigest() != event.content["facts_sha256"]
    ]
    return entries, problems


def judgment_chain_check() -> tuple[list[chain.Entry], list[chain.Problem]]:
    """Return the judgments' chain entries derived from the current rows (no anchors to check)."""
    from voting.models import ChainEvent, ExpertJudgment

    events = list(ChainEvent.objects.filter(name=JUDGMENT_CHAIN).order_by("seq"))
    entries = _event_entries(events)
    judgments = ExpertJudgment.objects.select_related(*JUDGMENT_RELATED).order_by("chain_seq", "pk")
    for judgment in judgments.iterator(chunk_size=2000):
        entries.append(chain.Entry(key=f"judgment {judgment.pk}", seq=judgment.chain_seq,
                                   prev=judgment.chain_prev, hash=judgment.chain_hash,
                                   row=judgment_content(judgment)))
    return entries, []


def votes_facts_sha256(vote_model, *, format_: int) -> str:
    """Return the SHA-256 a migration event anchors: every chained vote's content in `format_`,
    one canonical line each, in chain order (what vote_chain_check recomputes)."""
    digest = hashlib.sha256()
    fields = [*VOTE_FIELDS.values(), *(f.format(s) for f in SIDE_FIELDS.values() for s in "ab")]
    rows = (vote_model.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
            .values(*fields).annotate(turns=Count("battle__turns")))
    for row in rows.iterator(chunk_size=2000):
        digest.update(chain.canonical(_vote_content_from_values(row, format_)) + b"\n")
    return digest.hexdigest()

