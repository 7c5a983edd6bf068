"""Who judges which pair: forming pairs and assigning them to experts. Imports nothing from Django.

The rules (DESIGN.md, expert track): each pair goes to `k` experts whose domains include the
pair's domain and who declared no conflict of interest with either team; no expert gets the
same pair twice; the work is spread evenly (each pair goes to the least-loaded eligible
experts); each assignment has its own random left/right; gold pairs are mixed in, each
expert receiving up to `gold_per_expert` of them from their domains.
"""
from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PairSpec:
    id: int
    domain: str
    teams: frozenset  # the two answers' teams
    gold: bool = False


@dataclass(frozen=True)
class ExpertSpec:
    id: int
    domains: frozenset
    conflicts: frozenset = frozenset()  # teams the expert declared a conflict of interest with


@dataclass(frozen=True)
class Placement:
    pair: int
    expert: int
    flipped: bool


@dataclass
class Plan:
    placements: list[Placement]
    # Pairs that got fewer than k experts, with how many they got: too few eligible experts.
    short: dict[int, int]


def eligible(pair: PairSpec, expert: ExpertSpec) -> bool:
    return pair.domain in expert.domains and not (pair.teams & expert.conflicts)


def assignments_plan(
    pairs: Sequence[PairSpec],
    experts: Sequence[ExpertSpec],
    *,
    k: int = 3,
    gold_per_expert: int = 2,
    existing: Iterable[tuple[int, int]] = (),
    seed: int | None = None,
) -> Plan:
    """Return new placements for `pairs` given what `existing` (pair, expert) already holds.

    Ordinary pairs are filled up to `k` experts each, the most constrained pairs first, each
    time choosing the eligible experts with the fewest assignments so far (ties at random).
    Gold pairs are then handed out so that each eligible expert holds up to `gold_per_expert`.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    rng = random.Random(seed)
    taken = set(existing)
    load: dict[int, int] = defaultdict(int)
    per_pair: dict[int, int] = defaultdict(int)
    for pair_id, expert_id in taken:
        load[expert_id] += 1
        per_pair[pair_id] += 1
    placements: list[Placement] = []

    def place(pair: PairSpec, expert: ExpertSpec) -> None:
        taken.add((pair.id, expert.id))
        load[expert.id] += 1
        per_pair[pair.id] += 1
        placements.append(Placement(pair.id, expert.id, rng.random() < 0.5))

    ordinary = [pair for pair in pairs if not pair.gold]
    candidates = {pair.id: [e for e in experts if eligible(pair, e)] for pair in ordinary}
    order = sorted(ordinary, key=lambda pair: (len(candidates[pair.id]), rng.random()))
    short: dict[int, int] = {}
    for pair in order:
        free = [e for e in candidates[pair.id] if (pair.id, e.id) not in taken]
        need = k - per_pair[pair.id]
        free.sort(key=lambda e: (load[e.id], rng.random()))
        for expert in free[: max(need, 0)]:
            place(pair, expert)
        if per_pair[pair.id] < k:
            short[pair.id] = per_pair[pair.id]

    golds = [pair for pair in pairs if pair.gold]
    gold_ids = {pair.id for pair in golds}
    for expert in sorted(experts, key=lambda e: rng.random()):
        held = sum(1 for pair_id, expert_id in taken if expert_id == expert.id and pair_id in gold_ids)
        options = [p for p in golds if eligible(p, expert) and (p.id, expert.id) not in taken]
        options.sort(key=lambda p: (per_pair[p.id], rng.random()))
        for pair in options[: max(gold_per_expert - held, 0)]:
            place(pair, expert)
    return Plan(placements=placements, short=short)


def pairs_choose(
    candidates: Sequence[tuple[object, object, object]], *, size: int | None = None, seed: int | None = None
) -> list[tuple[object, object, object]]:
    """Return all candidate pairs, or a subset of `size` balanced over model pairs.

    A candidate is `(prompt, entrant_1, entrant_2)`. The subset is taken round-robin over the
    model pairs (each shuffled), so every two entrants meet as often as any other two, give or
    take one.
    """
    if size is None or size >= len(candidates):
        return list(candidates)
    if size < 0:
        raise ValueError("size must not be negative")
    rng = random.Random(seed)
    groups: dict[tuple, list] = defaultdict(list)
    for candidate in candidates:
        groups[(candidate[1], candidate[2])].append(candidate)
    queues = list(groups.values())
    for queue in queues:
        rng.shuffle(queue)
    rng.shuffle(queues)
    chosen = []
    for round_ in itertools.zip_longest(*queues):
        for candidate in round_:
            if candidate is not None and len(chosen) < size:
                chosen.append(candidate)
    return chosen
