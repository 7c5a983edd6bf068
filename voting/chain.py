"""Hash chains that make a table tamper-evident. Pure code: no Django.

Each row of a chained table stores its position `seq` (1, 2, 3, ...), the hash of the row before
it (`prev`; GENESIS for the first) and its own `hash` = SHA-256(prev + canonical content).
Changing a row's content breaks its own hash; deleting, inserting or reordering rows breaks the
links; rewriting the whole chain changes the head, which the leaderboard publishes. Any table can
be chained: give `link_hash` a dict of the row's content (JSON-serialisable, stable keys).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64

ALTERED = "altered"
DELETED = "deleted"
INSERTED = "inserted"
REORDERED = "reordered"


def canonical(row: Mapping) -> bytes:
    """Return the row's content as canonical JSON bytes (sorted keys, no spaces, UTF-8)."""
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link_hash(prev: str, row: Mapping) -> str:
    """Return the hash of a row that follows the row whose hash is `prev`."""
    return hashlib.sha256(prev.encode() + b"\n" + canonical(row)).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    prev: str
    hash: str


def link_next(*, length: int, head: str, row: Mapping) -> Link:
    """Return the link of a row appended to a chain of `length` rows ending in `head`."""
    return Link(seq=length + 1, prev=head, hash=link_hash(head, row))


@dataclass(frozen=True)
class Entry:
    """One stored row as read back: `key` names it in reports (e.g. the battle id)."""

    key: str
    seq: int | None
    prev: str
    hash: str
    row: Mapping


@dataclass(frozen=True)
class Problem:
    kind: str  # ALTERED, DELETED, INSERTED or REORDERED
    key: str
    seq: int | None
    detail: str


def chain_verify(
    entries: Iterable[Entry],
    *,
    head: tuple[int, str] | None = None,
    published: Iterable[str] = (),
) -> list[Problem]:
    """Return every problem found in a chain (an empty list means it is intact).

    `entries` in any order; `head` is the stored chain head (length, hash) if the table keeps
    one; `published` are heads published earlier (e.g. on the leaderboard), each of which must
    still be a row of the chain. A problem that follows from an earlier one (the link after an
    inserted row) is not reported twice.
    """
    entries = list(entries)
    problems: list[Problem] = []
    chained = sorted((e for e in entries if e.seq is not None and e.hash), key=lambda e: e.seq)
    for entry in entries:
        if entry.seq is None or not entry.hash:
            problems.append(Problem(INSERTED, entry.key, entry.seq, "row was never chained"))
    hashes = {entry.hash for entry in chained}
    claimed = Counter(entry.prev for entry in chained)
    previous: Entry | None = None
    for entry in chained:
        expected_prev = previous.hash if previous else GENESIS
        expected_seq = previous.seq + 1 if previous else 1
        if link_hash(entry.prev, entry.row) != entry.hash:
            problems.append(Problem(ALTERED, entry.key, entry.seq, "content does not match its hash"))
        elif entry.prev != expected_prev or entry.seq != expected_seq:
            if previous is not None and entry.seq == previous.seq:
                problems.append(Problem(INSERTED, entry.key, entry.seq, "a second row at this position"))
                continue
            if claimed[entry.prev] > 1:
                problems.append(Problem(INSERTED, entry.key, entry.seq, "two rows follow the same row"))
            elif entry.prev in hashes:
                problems.append(Problem(REORDERED, entry.key, entry.seq, "row follows another row than before"))
            else:
                missing = max(1, entry.seq - expected_seq)
                problems.append(
                    Problem(DELETED, entry.key, entry.seq, f"{missing} row(s) before this one are missing")
                )
        previous = entry
    if head is not None:
        length, head_hash = head
        last_seq, last_hash = (previous.seq, previous.hash) if previous else (0, GENESIS)
        if last_hash != head_hash:
            if last_seq < length:
                kind, detail = DELETED, f"the chain ends at {last_seq}, its head says {length}"
            elif last_seq > length:
                kind, detail = INSERTED, f"rows after the head ({length}) were added"
            else:
                kind, detail = ALTERED, "the last row is not the head"
            problems.append(Problem(kind, "head", last_seq, detail))
    for published_hash in published:
        if published_hash not in hashes:
            problems.append(
                Problem(ALTERED, "published head", None, f"{published_hash} is no longer in the chain")
            )
    return problems
