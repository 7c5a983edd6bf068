"""A leaderboard's JSON from its vote rows: the ratings contract and the figures its page plots.

Pure: nothing here imports Django. The board service (voting/boards.py) reads the rows, the
settings and the panel's profiles, and stores what this returns as a snapshot; the answers'
texts for style control come through a reader it passes in, asked only when there are votes.
`config` is settings.LEADERBOARD (its BOOTSTRAP_ROUNDS, SEED, PROVISIONAL_VOTES,
MIN_BATTLES_RATED, STYLE_BOOTSTRAP_ROUNDS, STYLE_MIN_VOTES and PANEL_WEIGHT_CAP).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo

from stats import counts, decision, evidence, ratings, sampling, style
from stats.raking import rake

TextsReader = Callable[[list[str]], Mapping[tuple[str, str], str]]


def track_weights(rows: list[dict], published: Mapping[str, float] | None) -> list[float] | None:
    """Return per-row weights for the combined board, normalised to a mean of one.

    Each vote counts with its track's `published` weight; normalising keeps the number of votes
    (and so the width of the intervals) that of the rows themselves. Other boards (`published`
    None) are unweighted.
    """
    if published is None or not rows:
        return None
    raw = [published[row["track"]] for row in rows]
    mean = sum(raw) / len(raw)
    return [weight / mean for weight in raw] if mean > 0 else None


# Why the combined board shows no ratings while a track it weighs has no votes: its figures would
# be one track's alone, under the other's name (docs/leaderboard.md).
TRACK_EMPTY = "track_empty"


def tracks_missing(rows: list[dict], published: Mapping[str, float]) -> list[str]:
    """Return the tracks the combined board weighs (a positive weight) that have no counted row."""
    present = {row["track"] for row in rows}
    return sorted(track for track, weight in published.items() if weight > 0 and track not in present)


def votes_over_time(rows: list[dict], zone: tzinfo) -> list[dict]:
    """Return the counted votes per day (in `zone`), for the leaderboard's activity plot."""
    days = Counter()
    for row in rows:
        if row["excluded"]:
            continue
        moment = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
        days[moment.astimezone(zone).date().isoformat()] += 1
    return [{"date": day, "votes": count} for day, count in sorted(days.items())]


# Style control is fitted on citizens' battles only: their style features are published beside
# the vote dataset (voting/style_publication.py), so anyone can recompute it; expert judgments
# compare pre-generated answers under other ids and are left out (docs/leaderboard.md).
STYLE_NOT_APPLICABLE = "not_applicable"


def style_controlled(rows: list[dict], answer_texts: TextsReader, config: Mapping) -> dict:
    """Return ratings with answer style held equal, beside the plain ranking (as public arenas do).

    Style is measured on each side's answers over all turns: length, headers, list items, bold.
    The board is stats.style.style_board's: empty with a status saying why when it has too few
    votes, when style and model are confounded, or (STYLE_NOT_APPLICABLE) for boards with
    expert judgments among their rows. `rows` are the counted rows.
    """
    if any(row["track"] == "expert" for row in rows):
        return {"status": STYLE_NOT_APPLICABLE, "votes": len(rows),
                "min_votes": config["STYLE_MIN_VOTES"], "models": [], "coefficients": {},
                "independent_share": {}}
    enough = len(rows) >= config["STYLE_MIN_VOTES"]
    # The answers' texts are read only when the board will be fitted.
    texts = answer_texts([row["battle_id"] for row in rows]) if enough and rows else {}
    features = {
        side: [style.style_features(texts.get((row["battle_id"], side), "")) for row in rows]
        for side in ("a", "b")
    }
    return style.style_board(
        [row["model_a"] for row in rows],
        [row["model_b"] for row in rows],
        [row["winner"] for row in rows],
        features["a"],
        features["b"],
        min_votes=config["STYLE_MIN_VOTES"],
        bootstrap_rounds=config["STYLE_BOOTSTRAP_ROUNDS"],
        seed=config["SEED"],
    )


def provisional_models(models: list[dict], threshold: int) -> list[str]:
    """Return the models of a board with fewer than `threshold` counted votes (its 잠정 ones).

    A board is provisional (잠정) when this is not empty: its order rests on too few votes.
    """
    return [row["model"] for row in models if (row.get("battles") or 0) < threshold]


def interval_known(row: Mapping) -> bool:
    """Return whether a row's 95% interval says anything: a zero-width interval from a handful of
    votes (every resample the same) is not certainty, so pages show "—" for it."""
    lower, upper = row.get("ci_lower"), row.get("ci_upper")
    return lower is not None and upper is not None and upper - lower >= 0.01


def _counted_pairs(rows: list[dict], weights: Mapping[str, float] | None):
    """Return the counted rows and their pair counts (weighted by track on the combined board)."""
    counted = [row for row in rows if not row["excluded"]]
    columns = {key: [row[key] for row in counted] for key in ("model_a", "model_b", "winner")}
    pairs = counts.aggregate(
        columns["model_a"],
        columns["model_b"],
        columns["winner"],
        weights=track_weights(counted, weights),
    )
    return counted, columns, pairs


def decision_rule(rule: Mapping | None, models: int) -> decision.Rule | None:
    """Return the contest's declared rule (Contest.rule()) as stats.decision's, or None when
    none is declared or k does not cut the board's `models`."""
    if not rule or not rule.get("k") or rule["k"] >= models:
        return None
    return decision.Rule(k=rule["k"], confidence=rule["confidence"], tie=rule["tie"])


def board_payload(rows: list[dict], *, config: Mapping, weights: Mapping[str, float] | None,
                  answer_texts: TextsReader, zone: tzinfo, rule: Mapping | None = None) -> dict:
    """Return the leaderboard JSON (ratings contract) plus the figures its plots need.

    `rows` are the board's vote rows (voting.selectors.vote_rows), excluded ones included: they
    do not count. `weights` are the tracks' published weights on the combined board, else None.
    `rule` is the contest's declared decision rule (Contest.rule()) on the board that decides,
    else None: the board then also carries `advance` (DESIGN.md's Ratings CLI, from the same
    bootstrap refits as its intervals) and the rule it was computed under (`decision_rule`).
    """
    counted, columns, pairs = _counted_pairs(rows, weights)
    declared = decision_rule(rule, len(pairs.models))
    options = dict(bootstrap_rounds=config["BOOTSTRAP_ROUNDS"], seed=config["SEED"],
                   min_battles_provisional=config["PROVISIONAL_VOTES"])
    if declared is None:
        board = ratings.leaderboard_from_counts(pairs, **options)
    else:
        board = decision.leaderboard_with_advance(pairs, declared, **options)
    if rule:
        board["decision_rule"] = dict(rule)
    models = list(pairs.models)
    fitted = {row["model"]: row["rating"] for row in board["models"]}
    board["matrices"] = {
        "models": models,
        "battle_count": counts.battle_count_matrix(pairs).round().astype(int).tolist(),
        "win_rate": counts.win_rate_matrix(pairs),
        "predicted_win": (
            ratings.predicted_win_matrix([fitted[m] for m in models]).round(4).tolist()
        ),
    }
    board["votes_over_time"] = votes_over_time(rows, zone)
    elo = ratings.online_elo(columns["model_a"], columns["model_b"], columns["winner"])
    board["online_elo"] = {model: round(value, 2) for model, value in elo.items()}
    board["style_control"] = style_controlled(counted, answer_texts, config)
    board["provisional"] = bool(provisional_models(board["models"], config["PROVISIONAL_VOTES"]))
    if weights is not None:
        board["tracks_missing"] = tracks_missing(counted, weights)
    board.update(ratings_evidence(board, config["MIN_BATTLES_RATED"]))
    return board


def ratings_evidence(board: dict, min_battles: int) -> dict:
    """Return the board JSON's `ratings_shown` and `ratings_withheld` (stats.evidence's reason,
    or TRACK_EMPTY on a combined board whose `tracks_missing` is not empty): whether the pages
    may show its ratings and ranks or only counts and win rates."""
    withheld = evidence.ratings_withheld(board, min_battles=min_battles)
    if withheld is None and board.get("tracks_missing"):
        withheld = TRACK_EMPTY
    return {"ratings_shown": withheld is None, "ratings_withheld": withheld}


def draw_probabilities(rows: list[dict], *, models: list[str], rule: Mapping,
                       weights: Mapping[str, float] | None) -> dict[tuple[str, str], float] | None:
    """Return the decision-aimed probability of each pair of `models` (stats.sampling, with
    its floor) from the deciding board's rows, or None when the rule does not cut them."""
    if len(models) < 2:
        return None
    _counted, _columns, pairs = _counted_pairs(rows, weights)
    declared = decision_rule(rule, len(set(models) | set(pairs.models)))
    if declared is None:
        return None
    return sampling.decision_probabilities(pairs, models, declared)


def panel_payload(rows: list[dict], *, quotas: dict, profiles: dict[str, dict[str, str]],
                  config: Mapping, rule: Mapping | None = None) -> dict:
    """Return the panel board post-stratified to the panel's quotas, with the weights used.

    Each member's weight comes from raking their declared profile (`profiles`, by voter) to the
    quotas (stats/raking.py); each of their counted votes carries it (normalised to a mean of
    one). The plain panel board beside it is the one the export reproduces; this one shows how
    far the panel's make-up moves it. With the contest's `rule` (the panel's board decides), the
    raked board carries `advance`, from its own refits: the decision is the weighted board's.
    """
    counted = [row for row in rows if not row["excluded"]]
    voters = sorted({row["voter"] for row in counted})
    raked = rake([profiles[voter] for voter in voters], quotas, cap=config["PANEL_WEIGHT_CAP"])
    weight_of = dict(zip(voters, raked.weights))
    cells: dict[tuple, dict] = {}
    for voter in voters:
        key = tuple(profiles[voter].get(dimension) for dimension in quotas)
        cell = cells.setdefault(key, {"profile": dict(zip(quotas, key)), "members": 0,
                                      "weight": round(weight_of[voter], 3)})
        cell["members"] += 1
    models, advance = [], None
    if counted:
        weights = [weight_of[row["voter"]] for row in counted]
        mean = sum(weights) / len(weights)
        pairs = counts.aggregate(
            [row["model_a"] for row in counted], [row["model_b"] for row in counted],
            [row["winner"] for row in counted], weights=[w / mean for w in weights],
        )
        options = dict(bootstrap_rounds=config["BOOTSTRAP_ROUNDS"], seed=config["SEED"])
        declared = decision_rule(rule, len(pairs.models))
        if declared is None:
            models = ratings.leaderboard_from_counts(pairs, **options)["models"]
        else:
            board = decision.leaderboard_with_advance(pairs, declared, **options)
            models, advance = board["models"], board["advance"]
    return {
        "advance": advance,
        "quotas": quotas,
        "members": len(profiles),
        "voters": len(voters),
        "converged": raked.converged,
        "unreachable": [f"{dimension}: {category}" for dimension, category in raked.unreachable],
        "cells": sorted(cells.values(), key=lambda cell: -cell["members"]),
        "raked": models,
    }
