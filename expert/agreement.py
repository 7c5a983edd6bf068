"""How far experts agree, computed from judgment rows alone. Imports nothing from Django.

The rows are the judgments dataset of DESIGN.md (one dict per judgment): `item_id` (the pair
several experts judged), `model_a`/`model_b` as that expert saw them, `winner` and `criteria`
in the vote dataset's labels, `expert`, `gold`, `excluded`, and `gold_winner` on gold rows.

Left and right are randomised per expert, so a label is first turned into the pair's own order
(`first` = the model whose name sorts first): two experts who preferred the same model agree
whichever side it stood on. The statistics are the reference implementations: `krippendorff`
(alpha, nominal), statsmodels (Fleiss' kappa) and scikit-learn (Cohen's kappa).
"""
from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as _fleiss_kappa

from stats.counts import WINNER_LABELS

# Canonical values in the pair's own order, as numbers for the libraries.
CATEGORIES = ("first", "second", "tie", "both_bad")
WINNERS = WINNER_LABELS
MODEL_A, MODEL_B, TIE, BOTH_BAD = WINNER_LABELS

Units = dict[object, dict[str, str]]  # item -> expert -> canonical value


def canonical(row: dict, label: str) -> str:
    """Return a winner label of `row` in the pair's own order, whatever side each model stood on."""
    if label == TIE:
        return "tie"
    if label == BOTH_BAD:
        return "both_bad"
    if label not in (MODEL_A, MODEL_B):
        raise ValueError(f"unknown label {label!r}")
    chosen = row[label]
    return "first" if chosen == min(row["model_a"], row["model_b"]) else "second"


def units_overall(rows: Iterable[dict]) -> Units:
    units: Units = defaultdict(dict)
    for row in rows:
        units[row["item_id"]][row["expert"]] = canonical(row, row["winner"])
    return dict(units)


def units_criterion(rows: Iterable[dict], criterion: str) -> Units:
    units: Units = defaultdict(dict)
    for row in rows:
        label = (row.get("criteria") or {}).get(criterion)
        if label is not None:
            units[row["item_id"]][row["expert"]] = canonical(row, label)
    return dict(units)


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def alpha_nominal(units: Units) -> float | None:
    """Return Krippendorff's alpha (nominal) over the units, or None where it is undefined.

    Units judged by one expert carry no pairable values and are ignored, as the method says.
    Undefined: fewer than two pairable values, or every value the same (no variation).
    """
    experts = sorted({expert for judged in units.values() for expert in judged})
    if not experts or not units:
        return None
    data = np.full((len(experts), len(units)), np.nan)
    index = {expert: i for i, expert in enumerate(experts)}
    for column, judged in enumerate(units.values()):
        for expert, value in judged.items():
            data[index[expert], column] = CATEGORIES.index(value)
    pairable = [column for column in range(data.shape[1]) if np.sum(~np.isnan(data[:, column])) >= 2]
    if not pairable:
        return None
    data = data[:, pairable]
    if len(set(data[~np.isnan(data)].tolist())) < 2:
        return None
    return _number(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def fleiss_kappa(units: Units) -> float | None:
    """Return Fleiss' kappa over the units judged by the most common number of experts (≥ 2).

    Fleiss' kappa assumes every unit has the same number of ratings; units with another
    number (an expert skipped, a queue is unfinished) are left out rather than padded.
    """
    sizes = Counter(len(judged) for judged in units.values() if len(judged) >= 2)
    if not sizes:
        return None
    raters = max(sizes, key=lambda size: (sizes[size], size))
    table = np.array(
        [
            [list(judged.values()).count(category) for category in CATEGORIES]
            for judged in units.values()
            if len(judged) == raters
        ]
    )
    if len(table) < 2 or np.count_nonzero(table.sum(axis=0)) < 2:
        return None
    return _number(_fleiss_kappa(table, method="fleiss"))


def cohen_kappa_pairs(units: Units, *, min_common: int = 2) -> list[dict]:
    """Return Cohen's kappa of every two experts who judged at least `min_common` units alike."""
    by_expert: dict[str, dict] = defaultdict(dict)
    for item, judged in units.items():
        for expert, value in judged.items():
            by_expert[expert][item] = value
    pairs = []
    for first, second in itertools.combinations(sorted(by_expert), 2):
        common = sorted(set(by_expert[first]) & set(by_expert[second]), key=str)
        if len(common) < min_common:
            continue
        left = [by_expert[first][item] for item in common]
        right = [by_expert[second][item] for item in common]
        if len(set(left) | set(right)) < 2:
            kappa = None  # both always said the same one thing: kappa is undefined
        else:
            kappa = _number(cohen_kappa_score(left, right, labels=list(CATEGORIES)))
        pairs.append({"experts": [first, second], "items": len(common), "kappa": kappa})
    return pairs


def majority_agreement(units: Units) -> dict[str, float | None]:
    """Return, per expert, the share of their judgments that match the unit's majority.

    The majority of a unit is the value most of its judgments (the expert's own included)
    chose, when exactly one value is most common; units judged by one expert, or with a tie
    for most common, have none and are not counted.
    """
    matched: Counter = Counter()
    counted: Counter = Counter()
    for judged in units.values():
        if len(judged) < 2:
            continue
        ranking = Counter(judged.values()).most_common()
        if len(ranking) > 1 and ranking[0][1] == ranking[1][1]:
            continue
        majority = ranking[0][0]
        for expert, value in judged.items():
            counted[expert] += 1
            matched[expert] += value == majority
    experts = {expert for judged in units.values() for expert in judged}
    return {
        expert: (round(matched[expert] / counted[expert], 4) if counted[expert] else None)
        for expert in experts
    }


def gold_accuracy(rows: Iterable[dict]) -> dict[str, float | None]:
    """Return, per expert, the share of their gold rows whose winner is the known better answer."""
    right: Counter = Counter()
    total: Counter = Counter()
    for row in rows:
        if not row.get("gold") or not row.get("gold_winner"):
            continue
        total[row["expert"]] += 1
        right[row["expert"]] += canonical(row, row["winner"]) == canonical(row, row["gold_winner"])
    return {expert: round(right[expert] / total[expert], 4) for expert in total}


def report(rows: list[dict]) -> dict:
    """Return the agreement summary that `manage.py agreement` prints (DESIGN.md's JSON).

    Excluded rows (gold rows among them) are left out of alpha, kappa and majority agreement;
    gold accuracy is computed from the gold rows.
    """
    counted = [row for row in rows if not row.get("excluded")]
    criteria = sorted({key for row in counted for key in (row.get("criteria") or {})})
    units = units_overall(counted)
    majority = majority_agreement(units)
    gold = gold_accuracy(rows)
    judgments = Counter(row["expert"] for row in rows)
    return {
        "items": len(units),
        "judgments": len(counted),
        "alpha": alpha_nominal(units),
        "alpha_by_criterion": {
            criterion: alpha_nominal(units_criterion(counted, criterion)) for criterion in criteria
        },
        "fleiss_kappa": fleiss_kappa(units),
        "experts": [
            {
                "expert": expert,
                "judgments": judgments[expert],
                "majority_agreement": majority.get(expert),
                "gold_accuracy": gold.get(expert),
            }
            for expert in sorted(judgments)
        ],
    }


def rankings_compare(first: list[dict], second: list[dict]) -> dict:
    """Compare two boards (lists of {"model", "rating"}) over the models both rank.

    Returns Kendall's tau-b of the ratings (scipy; None with fewer than two common models or
    no variation) and, per model, both ranks among the common models and how far they differ,
    the largest disagreements first.
    """
    from scipy.stats import kendalltau

    ratings_1 = {row["model"]: row["rating"] for row in first}
    ratings_2 = {row["model"]: row["rating"] for row in second}
    common = sorted(set(ratings_1) & set(ratings_2))

    def ranks(ratings: dict) -> dict:
        ordered = sorted(common, key=lambda model: (-ratings[model], model))
        return {model: position for position, model in enumerate(ordered, start=1)}

    rank_1, rank_2 = ranks(ratings_1), ranks(ratings_2)
    tau = None
    if len(common) >= 2:
        value = kendalltau([ratings_1[m] for m in common], [ratings_2[m] for m in common]).statistic
        tau = _number(value)
    models = [
        {"model": m, "rank_first": rank_1[m], "rank_second": rank_2[m], "difference": rank_2[m] - rank_1[m]}
        for m in common
    ]
    models.sort(key=lambda row: (-abs(row["difference"]), row["rank_first"]))
    return {"tau": tau, "models": models}
