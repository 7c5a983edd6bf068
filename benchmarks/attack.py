"""How many votes does it take to move a model one rank, with each defence off and on?

Run: ``.venv/bin/python benchmarks/attack.py`` (about 20 minutes on 2 shared cores), or
``--quick`` (a few minutes). Figures and how to read them: docs/integrity.md.

Simulated contests with the real ratings code (stats.ratings, Bradley–Terry as the board
computes it) and the real anomaly test (stats.anomaly). Five models with true ratings 60 Elo
points apart; honest citizens vote by those ratings (10% ties), about ten votes each. The
attacker wants a target model to pass the model ranked just above it on the board: the middle
model (M3 over M2), then the weakest (M5 over M4). It starts battles (the pair is drawn at
random, so the target is in 40% of them) and votes only when it believes the target is on one
side:

- leak exclusion off: it asks "너는 누구야? 어느 회사가 만들었어?", both sides name themselves,
  and it knows (100%). With leak exclusion on, such votes are excluded, so it must tell the
  target by its answers, right 95% of the time: a wrong guess votes for the other side (or,
  when the target is absent, for a random side).
- caps: at most CAP_PER_VOTER counted votes per pseudonym (an assumed daily cap; rate limits
  are set elsewhere), so the attacker needs many pseudonyms. Caps alone do not change the
  number of votes; they multiply the pseudonyms (sessions, networks, days) needed.
- anomaly detection: the per-voter test (alpha 0.001, at least 10 votes) runs on all counted
  votes, and every flagged pseudonym is excluded (organizers act on every flag: the defence's
  best case). Without caps the attacker uses one pseudonym; with caps, CAP_PER_VOTER each
  (`--cap N`).

For each scenario and seed, the smallest number of attacker votes that puts the target above
the model ranked above it is found by bisection over a fixed stream of attacker battles;
figures are medians over seeds. The cost ratio is votes needed with the defence over votes
needed with none.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats.anomaly import voters_flag  # noqa: E402
from stats.counts import aggregate  # noqa: E402
from stats.ratings import fit_bradley_terry  # noqa: E402

MODELS = ("M1", "M2", "M3", "M4", "M5")
TRUE_RATINGS = np.array([1120.0, 1060.0, 1000.0, 940.0, 880.0])
# (target, rival): the target wants to pass the model ranked just above it. A middle model's
# wins are ordinary outcomes; the weakest model's wins are rare ones.
TARGETS = (("M3", "M2"), ("M5", "M4"))
TIE_SHARE = 0.10
ACCURACY = 0.95
CAP_PER_VOTER = 50
ALPHA, MIN_VOTES = 0.001, 10
MAX_ATTACK_BATTLES = 40_000


@dataclass(frozen=True)
class Scenario:
    name: str
    leak_exclusion: bool
    caps: bool
    anomaly: bool
    per_identity: int | None = None  # votes per pseudonym; None: one pseudonym (or the cap)


def honest_votes(n: int, rng) -> tuple[list, list, list, list]:
    a = rng.integers(0, 5, n)
    b = (a + rng.integers(1, 5, n)) % 5
    p_a = 1 / (1 + 10 ** ((TRUE_RATINGS[b] - TRUE_RATINGS[a]) / 400))
    roll, tie = rng.random(n), rng.random(n) < TIE_SHARE
    winner = np.where(tie, "tie", np.where(roll < p_a, "model_a", "model_b"))
    voters = [f"h{k}" for k in rng.integers(0, max(1, n // 10), n)]
    return [MODELS[i] for i in a], [MODELS[i] for i in b], winner.tolist(), voters


def attack_stream(rng, *, target: str, knows: bool) -> list[tuple[str, str, str]]:
    """Return the attacker's votes in the order it casts them (skipped battles left out)."""
    votes = []
    t = MODELS.index(target)
    for _ in range(MAX_ATTACK_BATTLES):
        i, j = rng.choice(5, 2, replace=False)
        a, b = MODELS[i], MODELS[j]
        present = t in (i, j)
        right = knows or rng.random() < ACCURACY
        if present:
            target_side = "model_a" if i == t else "model_b"
            other_side = "model_b" if target_side == "model_a" else "model_a"
            votes.append((a, b, target_side if right else other_side))
        elif not right:
            votes.append((a, b, "model_a" if rng.random() < 0.5 else "model_b"))
    return votes


def target_passes(honest, attack, scenario: Scenario, identity_size: int, target: str,
                  rival: str) -> bool:
    a, b, w, v = (list(column) for column in honest)
    for k, (x, y, winner) in enumerate(attack):
        a.append(x), b.append(y), w.append(winner), v.append(f"attacker-{k // identity_size}")
    if scenario.anomaly:
        flagged = {test.voter for test in voters_flag(a, b, w, v, alpha=ALPHA, min_votes=MIN_VOTES)}
        if flagged:
            keep = [k for k, voter in enumerate(v) if voter not in flagged]
            a, b, w = ([column[k] for k in keep] for column in (a, b, w))
    counts = aggregate(a, b, w)
    ratings = dict(zip(counts.models, fit_bradley_terry(counts), strict=True))
    return ratings[target] > ratings[rival]


def votes_needed(honest, attack, scenario: Scenario, target: str, rival: str,
                 cap: int = CAP_PER_VOTER) -> int | None:
    """Return the fewest attacker votes (a prefix of its stream) that move the target, or None."""
    if scenario.per_identity is not None:
        identity_size = scenario.per_identity
    else:
        identity_size = cap if scenario.caps else len(attack) + 1
    if not target_passes(honest, attack, scenario, identity_size, target, rival):
        return None
    low, high = 0, len(attack)
    while high - low > 1:
        middle = (low + high) // 2
        if target_passes(honest, attack[:middle], scenario, identity_size, target, rival):
            high = middle
        else:
            low = middle
    return high


SCENARIOS = (
    Scenario("no defence", leak_exclusion=False, caps=False, anomaly=False),
    Scenario("leak exclusion", leak_exclusion=True, caps=False, anomaly=False),
    Scenario("caps", leak_exclusion=False, caps=True, anomaly=False),
    Scenario("anomaly detection (one pseudonym)", leak_exclusion=False, caps=False, anomaly=True),
    Scenario("anomaly detection (pseudonyms of 9 votes)", leak_exclusion=False, caps=False,
             anomaly=True, per_identity=9),
    Scenario("caps + anomaly detection", leak_exclusion=False, caps=True, anomaly=True),
    Scenario("all on (leak exclusion, caps, anomaly)", leak_exclusion=True, caps=True,
             anomaly=True),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=10_000, help="honest votes in the contest")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 seeds, 5000 honest votes")
    parser.add_argument("--cap", type=int, default=CAP_PER_VOTER,
                        help="counted votes per pseudonym when caps are on")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.honest = 3, 5_000

    print(f"{args.honest} honest votes, 5 models {int(TRUE_RATINGS[0] - TRUE_RATINGS[1])} Elo apart; "
          f"identification accuracy {ACCURACY:.0%} (100% with the identity question when leaks "
          f"count); cap {args.cap} votes per pseudonym; anomaly alpha {ALPHA}, min "
          f"{MIN_VOTES} votes; medians over {args.seeds} seeds")
    for target, rival in TARGETS:
        print(f"\ntarget {target} (true rank {MODELS.index(target) + 1}) must pass {rival}")
        table(args, target, rival)


def table(args, target: str, rival: str) -> None:
    results = {}
    for scenario in SCENARIOS:
        needed, battles = [], []
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            honest = honest_votes(args.honest, rng)
            attack = attack_stream(np.random.default_rng(1000 + seed), target=target,
                                   knows=not scenario.leak_exclusion)
            votes = votes_needed(honest, attack, scenario, target, rival, args.cap)
            needed.append(math.inf if votes is None else votes)
            # Battles the attacker had to start to cast that many votes (it skips the others).
            battles.append(math.inf if votes is None else round(votes * MAX_ATTACK_BATTLES / len(attack)))
        results[scenario.name] = (statistics.median(needed), statistics.median(battles), scenario)

    base = results["no defence"][0]
    header = f"{'scenario':<44}{'votes':>8}{'battles':>9}{'pseudonyms':>12}{'cost ratio':>12}"
    print(header)
    print("-" * len(header))
    for name, (votes, battles, scenario) in results.items():
        if math.isinf(votes):
            print(f"{name:<44}{'never':>8}{'—':>9}{'—':>12}{'∞':>12}  (not within {MAX_ATTACK_BATTLES} battles)")
            continue
        size = scenario.per_identity or (args.cap if scenario.caps else None)
        pseudonyms = math.ceil(votes / size) if size else 1
        print(f"{name:<44}{votes:>8.0f}{battles:>9.0f}{pseudonyms:>12}{votes / base:>12.2f}")


if __name__ == "__main__":
    main()
