"""What the blindness audit's figure means for the organizer: blind, watch, or act.

The audit (stats.attribution) reports how often a classifier named the model behind an
answer from its writing, its length or its timing. That share is compared with what guessing
alone reaches: the larger of chance (1 / models) and the majority rate (always naming the
commonest model). A one-sided exact binomial test asks whether the classifier's hits could be
guessing; only a share the test cannot explain as guessing counts as a signal.

- "blind": no signal beats guessing (p ≥ SIGNIFICANCE); nothing to do.
- "watch": some signal beats guessing, but by less than ACT_RATIO times; the models are
  somewhat recognisable; rerun the audit as votes come in.
- "act": a signal reaches ACT_RATIO times guessing; a citizen could learn to recognise the
  models; tighten the common system prompt and read the most recognisable model's answers.

Imports no Django; scipy's binomtest does the test.
"""
from __future__ import annotations

from scipy.stats import binomtest

# The usual 5% level: below it the hits are unlikely to come from guessing alone.
SIGNIFICANCE = 0.05
# Twice guessing: at this point answers carry a signal a reader could pick up, not a trace.
ACT_RATIO = 2.0
LEVELS = ("blind", "watch", "act")


def audit_verdict(*, accuracy: dict[str, float | None], chance: float, majority_rate: float,
                  answers: int) -> dict:
    """Return {"level", "baseline", "signals": [{"kind", "accuracy", "ratio", "p_value"}]}.

    `accuracy` maps each signal ("text", "length", "timing") to its share identified (0–1) or
    None when it was not measured. `signals` lists the kinds that beat guessing, most
    recognisable first; `level` is the worst of them ("blind" when none does).
    """
    baseline = max(chance, majority_rate)
    signals = []
    for kind, share in accuracy.items():
        if share is None or answers <= 0 or baseline <= 0:
            continue
        hits = round(share * answers)
        p_value = binomtest(hits, answers, baseline, alternative="greater").pvalue
        if p_value < SIGNIFICANCE and share > baseline:
            signals.append({"kind": kind, "accuracy": share, "ratio": round(share / baseline, 1),
                            "p_value": float(p_value)})
    signals.sort(key=lambda signal: -signal["accuracy"])
    if not signals:
        level = "blind"
    elif signals[0]["ratio"] >= ACT_RATIO:
        level = "act"
    else:
        level = "watch"
    return {"level": level, "baseline": baseline, "signals": signals}
