"""The vote's write, and the audit chains' append that it and an expert's judgment end with.

Whether a vote is accepted is voting/policy.py's decision (the PostgreSQL fast path,
voting/fast_vote.py, asks it too); the boards' writes are voting/boards.py's and the
anomalous-voter screen's voting/screening.py's.
"""
from dataclasses import replace

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _

from arena.exceptions import (
    AlreadyVoted,
    BattleNotFound,
    BattleNotVotable,
    ContestNotOpen,
    NotBattleOwner,
    NotVotedYet,
)
from arena.models import Response
from arena.selectors import (
    battle_exclusion,
    battle_get,
    battle_get_for_owner,
    battle_owned_by,
    battle_reveal,
)
from contest.selectors import contest_accepts_judgments, contest_lock_shared
from core.errors import DomainError, InvalidInput
from voting import audit, chain, policy, reasons
from voting.models import ChainHead, Vote, VoteReasons
from voting.pseudonyms import voter_hash


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


@transaction.atomic
def vote_reasons_set(*, battle_id, session_key: str, tags: object, comment: object = None) -> list[str]:
    """Set the tags the owner gives for their vote (voting.reasons), replacing any given before,
    and return them as stored (in their list's fixed order; an empty list withdraws them).
    `comment`, when given, replaces the short comment beside them ("" withdraws it; None
    leaves it as it was); it is stored as typed and redacted in every export.

    Only the battle's owner, only after their vote, only while the contest is open (so a
    frozen board's dataset never changes). Locks the battle row, as vote_cast does, so two
    requests for one vote set their tags one after the other. Never touches the vote or its
    chain link. Raises InvalidInput for a value that is not a list of the vote choice's tags,
    BattleNotFound, NotBattleOwner, NotVotedYet and ContestNotOpen.
    """
    if not isinstance(tags, list) or len(tags) > reasons.MAX_TAGS:
        # Checked before any read: a malformed body costs no lock.
        raise InvalidInput(reasons.reasons_refusal("a", tags))
    refusal = reasons.comment_refusal(comment)
    if refusal is not None:
        raise InvalidInput(refusal)
    battle = battle_get_for_owner(battle_id=battle_id, session_key=session_key, lock=True)
    vote = Vote.objects.filter(battle=battle).only("pk", "choice").first()
    if vote is None:
        raise NotVotedYet()
    refusal = reasons.reasons_refusal(vote.choice, tags)
    if refusal is not None:
        raise InvalidInput(refusal)
    contest = contest_lock_shared(contest_id=battle.contest_id)
    if not contest_accepts_judgments(contest):
        raise ContestNotOpen()
    stored = reasons.reasons_canonical(vote.choice, tags)
    given = {"tags": stored}
    if comment is not None:
        given["comment"] = reasons.comment_clean(comment)
    VoteReasons.objects.update_or_create(vote_id=vote.pk, defaults=given)
    return stored


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
