"""Raking (iterative proportional fitting): weights that make a panel match its target quotas.

Pure Python and numpy, no Django. Given each member's declared profile (one category per
dimension: age band, region, gender, AI use) and the target share of every category, raking
multiplies weights dimension by dimension until every dimension's weighted shares match its
targets (Deming & Stephan 1940; the standard post-stratification of survey panels when only
the margins are known, not the joint cells).

Extreme weights make a board hang on a handful of people, so weights are trimmed to
[1/cap, cap] times the mean after each pass (a common cap is 5) and raking continues; the
result matches the margins as closely as the cap allows. Weights are returned with mean 1, so
a weighted board keeps the number of votes it counts.

A member may decline a question (NOT_DECLARED, 응답 안 함). That answer is not a category of
the population: the member is left out of that dimension's margin (their weight is neither
raised nor lowered to fit it, and the dimension's shares are matched among the members who
answered), while every dimension they did answer still weighs them. A target share given for
NOT_DECLARED is ignored, as no population share exists for it.
"""
from dataclasses import dataclass

import numpy as np

# The profile's "prefer not to say" (contest.models.NO_ANSWER, the same text).
NOT_DECLARED = "응답 안 함"


@dataclass(frozen=True)
class Raked:
    weights: list[float]      # one per member, mean 1
    converged: bool           # every margin within `tolerance` of its target
    iterations: int
    unreachable: list[tuple[str, str]]  # (dimension, category) with a target but no member


def _trim(weights: np.ndarray, cap: float) -> np.ndarray:
    """Return `weights` rescaled to mean 1 and within [1/cap, cap] (clip and rescale until
    both hold; each round moves clipped weights only towards the mean, so it settles)."""
    for _ in range(100):
        weights = weights / weights.mean()
        if weights.max() <= cap * (1 + 1e-12) and weights.min() >= (1 - 1e-12) / cap:
            break
        weights = np.clip(weights, 1 / cap, cap)
    return weights


def rake(profiles: list[dict[str, str]], targets: dict[str, dict[str, float]], *,
         cap: float = 5.0, tolerance: float = 1e-6, max_iterations: int = 200) -> Raked:
    """Return raking weights of `profiles` towards `targets`.

    `targets[dimension][category]` are shares; each dimension's shares are normalised to sum to
    one over the categories that have members (a category nobody in the panel declared cannot
    be represented and is reported in `unreachable`). A dimension a member did not declare
    (absent, or NOT_DECLARED) leaves that member's weight untouched for that dimension, and
    a target for NOT_DECLARED is ignored. Raises ValueError on a negative
    share or a cap below 1.
    """
    if cap < 1:
        raise ValueError("cap must be at least 1")
    n = len(profiles)
    if n == 0:
        return Raked([], True, 0, [])
    weights = np.ones(n)
    plan = []
    unreachable = []
    for dimension, shares in targets.items():
        if any(share < 0 for share in shares.values()):
            raise ValueError(f"negative target share in {dimension}")
        shares = {c: share for c, share in shares.items() if c != NOT_DECLARED}
        values = [profile.get(dimension) for profile in profiles]
        present = {category for category in shares if category in values and shares[category] > 0}
        unreachable += [(dimension, c) for c in shares if shares[c] > 0 and c not in present]
        total = sum(shares[c] for c in present)
        if total <= 0:
            continue
        masks = {c: np.array([v == c for v in values]) for c in present}
        plan.append((masks, {c: shares[c] / total for c in present}))

    def worst_gap() -> float:
        gaps = [0.0]
        for masks, target in plan:
            covered = sum(weights[m].sum() for m in masks.values())
            gaps += [abs(weights[m].sum() / covered - target[c]) for c, m in masks.items()]
        return max(gaps)

    iterations = 0
    for iterations in range(1, max_iterations + 1):
        for masks, target in plan:
            covered = sum(weights[m].sum() for m in masks.values())
            for category, mask in masks.items():
                weights[mask] *= target[category] * covered / weights[mask].sum()
        weights = _trim(weights, cap)
        if worst_gap() <= tolerance:
            break
    converged = bool(worst_gap() <= tolerance)
    return Raked([float(w) for w in weights], converged, iterations, unreachable)
