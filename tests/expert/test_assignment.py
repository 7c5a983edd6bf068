"""Assignment honours k, domains, balance, no repeats and conflicts of interest, over random rosters."""
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from expert.assignment import ExpertSpec, PairSpec, assignments_plan, eligible, pairs_choose

DOMAINS = ["law", "medicine", "coding"]
TEAMS = list(range(5))


@st.composite
def rosters(draw):
    pairs = []
    for pair_id in range(draw(st.integers(0, 25))):
        teams = draw(st.lists(st.sampled_from(TEAMS), min_size=2, max_size=2, unique=True))
        pairs.append(PairSpec(pair_id, draw(st.sampled_from(DOMAINS)), frozenset(teams), draw(st.booleans())))
    experts = [
        ExpertSpec(
            100 + n,
            frozenset(draw(st.lists(st.sampled_from(DOMAINS), min_size=1, max_size=3, unique=True))),
            frozenset(draw(st.lists(st.sampled_from(TEAMS), max_size=2, unique=True))),
        )
        for n in range(draw(st.integers(0, 8)))
    ]
    return pairs, experts


@settings(max_examples=300, deadline=None)
@given(rosters(), st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**16))
def test_every_rule_holds_for_random_rosters(roster, k, gold_per_expert, seed):
    pairs, experts = roster
    plan = assignments_plan(pairs, experts, k=k, gold_per_expert=gold_per_expert, seed=seed)
    by_id = {p.id: p for p in pairs}
    experts_by_id = {e.id: e for e in experts}
    placed = [(p.pair, p.expert) for p in plan.placements]

    # No expert holds a pair twice.
    assert len(placed) == len(set(placed))
    # Domain matches and no conflict of interest, ever.
    for pair_id, expert_id in placed:
        assert eligible(by_id[pair_id], experts_by_id[expert_id])
    # Every ordinary pair gets k experts, or all eligible ones when fewer exist (and is reported).
    per_pair = Counter(pair_id for pair_id, _ in placed)
    for pair in pairs:
        if pair.gold:
            continue
        can = sum(eligible(pair, e) for e in experts)
        assert per_pair[pair.id] == min(k, can)
        assert (pair.id in plan.short) == (can < k)
    # Each expert holds at most gold_per_expert gold pairs, and as many as their domains allow.
    gold_held = Counter(e for p, e in placed if by_id[p].gold)
    for expert in experts:
        available = sum(1 for p in pairs if p.gold and eligible(p, expert))
        assert gold_held[expert.id] == min(gold_per_expert, available)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.integers(1, 10), st.integers(1, 4), st.integers(0, 2**16))
def test_work_is_spread_evenly_when_every_expert_can_judge_every_pair(n_pairs, n_experts, k, seed):
    pairs = [PairSpec(i, "law", frozenset({0, 1})) for i in range(n_pairs)]
    experts = [ExpertSpec(100 + n, frozenset({"law"})) for n in range(n_experts)]
    plan = assignments_plan(pairs, experts, k=k, gold_per_expert=0, seed=seed)
    load = Counter(p.expert for p in plan.placements)
    loads = [load[e.id] for e in experts]
    assert max(loads) - min(loads) <= 1
    assert sum(loads) == n_pairs * min(k, n_experts)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 20), st.integers(2, 6), st.integers(0, 2**16))
def test_running_again_adds_only_what_is_missing(n_pairs, n_experts, seed):
    pairs = [PairSpec(i, "law", frozenset({0, 1})) for i in range(n_pairs)]
    experts = [ExpertSpec(100 + n, frozenset({"law"})) for n in range(n_experts)]
    first = assignments_plan(pairs, experts, k=2, seed=seed)
    existing = [(p.pair, p.expert) for p in first.placements]
    second = assignments_plan(pairs, experts, k=2, existing=existing, seed=seed + 1)
    assert second.placements == []


def test_left_and_right_are_randomised_per_assignment():
    pairs = [PairSpec(i, "law", frozenset({0, 1})) for i in range(200)]
    experts = [ExpertSpec(100 + n, frozenset({"law"})) for n in range(3)]
    flips = Counter(p.flipped for p in assignments_plan(pairs, experts, k=3, seed=1).placements)
    assert 200 < flips[True] < 400 and 200 < flips[False] < 400


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 6), st.integers(1, 8), st.integers(0, 60), st.integers(0, 2**16))
def test_a_subset_of_pairs_is_balanced_over_model_pairs(n_entrants, n_prompts, size, seed):
    candidates = [
        (prompt, a, b) for prompt in range(n_prompts)
        for a in range(n_entrants) for b in range(a + 1, n_entrants)
    ]
    chosen = pairs_choose(candidates, size=size, seed=seed)
    assert len(chosen) == min(size, len(candidates))
    assert len(set(chosen)) == len(chosen)
    meetings = Counter((a, b) for _, a, b in chosen)
    counts = [meetings[(a, b)] for a in range(n_entrants) for b in range(a + 1, n_entrants)]
    assert max(counts) - min(counts) <= 1
