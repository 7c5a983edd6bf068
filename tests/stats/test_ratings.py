"""Ratings: Bradley–Terry against closed forms and an independent fit, intervals, edge cases."""
import json
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from stats.counts import aggregate, battle_count_matrix, win_rate_matrix
from stats.ratings import (
    bootstrap,
    connectivity,
    fit_bradley_terry,
    leaderboard,
    online_elo,
    predicted_win_matrix,
)

POINTS_PER_NAT = 400 / math.log(10)


def votes(*groups: tuple[str, str, str, int]) -> tuple[list[str], list[str], list[str]]:
    """Expand (model_a, model_b, winner, times) groups into the three vote columns."""
    model_a, model_b, winner = [], [], []
    for a, b, w, times in groups:
        model_a += [a] * times
        model_b += [b] * times
        winner += [w] * times
    return model_a, model_b, winner


def simulate(true_ratings: np.ndarray, n: int, rng: np.random.Generator, tie_share: float = 0.0):
    """Draw n votes between uniformly chosen pairs from Bradley–Terry with the given ratings."""
    m = len(true_ratings)
    names = np.array([f"team-{i}" for i in range(m)], dtype=object)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p_a = 1 / (1 + 10 ** ((true_ratings[b] - true_ratings[a]) / 400))
    winner = np.where(rng.random(n) < p_a, "model_a", "model_b").astype(object)
    winner[rng.random(n) < tie_share] = "tie"
    return names[a], names[b], winner


def reference_row_level_fit(model_a, model_b, winner) -> dict[str, float]:
    """Fit BT independently: one logistic row per vote, a tie as two half-weight rows."""
    names = sorted(set(model_a) | set(model_b))
    index = {name: i for i, name in enumerate(names)}
    rows_a, rows_b, target, weight = [], [], [], []
    for a, b, w in zip(model_a, model_b, winner):
        if w in ("model_a", "model_b"):
            rows_a.append(index[a]), rows_b.append(index[b])
            target.append(1.0 if w == "model_a" else 0.0), weight.append(1.0)
        else:
            for y in (1.0, 0.0):
                rows_a.append(index[a]), rows_b.append(index[b])
                target.append(y), weight.append(0.5)
    rows_a, rows_b, target, weight = map(np.array, (rows_a, rows_b, target, weight))
    design = np.zeros((len(rows_a), len(names)))
    design[np.arange(len(rows_a)), rows_a] = 1.0
    design[np.arange(len(rows_a)), rows_b] = -1.0
    design = design[:, 1:]  # The first model is fixed at zero to make the fit identifiable.

    def loss(beta):
        z = design @ beta
        p = 1 / (1 + np.exp(-z))
        value = -(weight * (target * -np.logaddexp(0, -z)
                            + (1 - target) * -np.logaddexp(0, z))).sum()
        return value, design.T @ (weight * (p - target))

    beta = minimize(loss, np.zeros(len(names) - 1), jac=True, method="BFGS",
                    options={"gtol": 1e-10}).x
    strengths = np.r_[0.0, beta] * POINTS_PER_NAT
    return dict(zip(names, strengths - strengths.mean() + 1000))


def by_model(counts, ratings) -> dict[str, float]:
    return dict(zip(counts.models, ratings))


def test_two_models_rating_gap_is_the_closed_form():
    # Given 30 wins, 10 losses and 8 ties (4 of them both-bad) of A against B.
    columns = votes(("A", "B", "model_a", 30), ("B", "A", "model_a", 10),
                    ("A", "B", "tie", 4), ("B", "A", "tie (bothbad)", 4))

    # When the ratings are fitted.
    ratings = by_model(aggregate(*columns), fit_bradley_terry(aggregate(*columns)))

    # Then the gap is 400 log10 of A's score over B's score, and the mean is 1000.
    assert ratings["A"] - ratings["B"] == pytest.approx(400 * math.log10(34 / 14), abs=0.01)
    assert ratings["A"] + ratings["B"] == pytest.approx(2000, abs=1e-6)


def test_symmetric_votes_give_equal_ratings():
    # Given three models that each beat each other equally often.
    columns = votes(("A", "B", "model_a", 7), ("A", "B", "model_b", 7),
                    ("B", "C", "model_a", 5), ("C", "B", "model_a", 5),
                    ("C", "A", "tie", 3), ("A", "C", "model_b", 2), ("A", "C", "model_a", 2))

    # When the ratings are fitted.
    ratings = fit_bradley_terry(aggregate(*columns))

    # Then they are all 1000.
    np.testing.assert_allclose(ratings, 1000, atol=1e-6)


def test_vote_order_and_sides_do_not_change_bradley_terry():
    # Given simulated votes, and the same votes shuffled with half the sides swapped.
    rng = np.random.default_rng(3)
    a, b, w = simulate(np.array([0.0, 60, -80, 150]), 2000, rng, tie_share=0.1)
    order = rng.permutation(len(a))
    a2, b2, w2 = a[order].copy(), b[order].copy(), w[order].copy()
    swap = rng.random(len(a)) < 0.5
    a2[swap], b2[swap] = b[order][swap], a[order][swap]
    w2[swap & (w2 == "model_a")], w2[swap & (w[order] == "model_b")] = "model_b", "model_a"

    # When both are fitted.
    original = fit_bradley_terry(aggregate(a, b, w))
    rearranged = fit_bradley_terry(aggregate(a2, b2, w2))

    # Then the ratings are the same.
    np.testing.assert_allclose(rearranged, original, atol=1e-6)


def test_agrees_with_an_independent_row_level_logistic_fit():
    # Given 3000 votes among five models with ties and both-bad votes.
    rng = np.random.default_rng(11)
    a, b, w = simulate(np.array([0.0, 40, -120, 90, 200]), 3000, rng, tie_share=0.12)
    w[rng.random(len(w)) < 0.03] = "tie (bothbad)"

    # When fitted on aggregated counts and by the row-level reference.
    counts = aggregate(a, b, w)
    ours = by_model(counts, fit_bradley_terry(counts))
    reference = reference_row_level_fit(a.tolist(), b.tolist(), w.tolist())

    # Then every rating agrees within 0.01 points.
    for model, rating in reference.items():
        assert ours[model] == pytest.approx(rating, abs=0.01)


def test_bootstrap_is_reproducible_with_its_seed_only():
    # Given simulated votes.
    counts = aggregate(*simulate(np.array([0.0, 50, 100]), 600, np.random.default_rng(5)))

    # When bootstrapped twice with seed 1 and once with seed 2.
    first, again, other = (bootstrap(counts, rounds=50, seed=s) for s in (1, 1, 2))

    # Then the same seed repeats exactly and another seed differs.
    np.testing.assert_array_equal(first, again)
    assert first.shape == (50, 3)
    assert not np.allclose(first, other)


def test_95_percent_intervals_cover_the_true_rating_about_95_percent_of_the_time():
    # Given 200 simulated contests of 300 votes among five models with known ratings.
    true = np.array([-150.0, -60, 0, 40, 170])
    centred = true - true.mean() + 1000
    rng = np.random.default_rng(2024)
    covered = total = 0
    for contest in range(200):
        counts = aggregate(*simulate(true, 300, rng))

        # When each contest's 95% bootstrap intervals are computed.
        lower, upper = np.percentile(bootstrap(counts, rounds=200, seed=contest), [2.5, 97.5], 0)

        covered += int(((lower <= centred) & (centred <= upper)).sum())
        total += len(centred)

    # Then the true centred rating lies inside roughly 95% of the intervals. Percentile
    # intervals run a little short with 300 votes (this seed gives 0.925); intervals from
    # half-size resamples, sqrt(2) too wide, reach 0.99 and must fail.
    assert 0.88 <= covered / total <= 0.975


def test_leaderboard_has_the_contract_keys_and_ranks_by_intervals():
    # Given A far ahead of B and C, and B a little ahead of C.
    columns = votes(("A", "B", "model_a", 900), ("B", "A", "model_a", 100),
                    ("A", "C", "model_a", 900), ("C", "A", "model_a", 100),
                    ("B", "C", "model_a", 510), ("C", "B", "model_a", 490))

    # When the leaderboard is built.
    board = leaderboard(*columns, bootstrap_rounds=300, seed=0)

    # Then it has exactly the published keys, and ranks say "C may be second, not first".
    assert set(board) == {"models", "method", "votes", "diagnostics"}
    assert (board["method"], board["votes"]) == ("bradley-terry", 3000)
    rows = {row["model"]: row for row in board["models"]}
    assert [row["model"] for row in board["models"]] == ["A", "B", "C"]
    assert all(set(row) == {"model", "rating", "ci_lower", "ci_upper", "rank", "rank_ub",
                            "battles", "win_rate"} for row in board["models"])
    assert [(rows[m]["rank"], rows[m]["rank_ub"]) for m in "ABC"] == [(1, 1), (2, 2), (3, 2)]
    assert rows["A"]["battles"] == 2000 and rows["A"]["win_rate"] == 0.9
    assert rows["B"]["ci_lower"] < rows["B"]["rating"] < rows["B"]["ci_upper"]
    assert json.loads(json.dumps(board)) == board


def test_equal_ratings_share_a_rank_and_no_bootstrap_gives_point_intervals():
    # Given two models with identical records.
    columns = votes(("A", "B", "model_a", 5), ("A", "B", "model_b", 5))

    # When the leaderboard is built without bootstrap rounds.
    board = leaderboard(*columns, bootstrap_rounds=0)

    # Then both are first and each interval is the rating itself.
    assert [row["rank"] for row in board["models"]] == [1, 1]
    assert all(row["ci_lower"] == row["rating"] == row["ci_upper"] == 1000.0
               for row in board["models"])


def test_anchor_pins_one_model_and_keeps_the_gaps():
    # Given simulated votes.
    counts = aggregate(*simulate(np.array([0.0, 80, 160]), 900, np.random.default_rng(8)))

    # When fitted centred and anchored at team-1 = 1114.
    centred = fit_bradley_terry(counts)
    anchored = fit_bradley_terry(counts, anchor=("team-1", 1114.0))

    # Then team-1 is pinned, the gaps are unchanged, and an unknown anchor is refused.
    assert anchored[1] == pytest.approx(1114.0)
    np.testing.assert_allclose(anchored - anchored[1], centred - centred[1], atol=1e-9)
    np.testing.assert_allclose(bootstrap(counts, rounds=20, anchor=("team-1", 1114.0))[:, 1],
                               1114.0)
    with pytest.raises(ValueError, match="team-9"):
        fit_bradley_terry(counts, anchor=("team-9", 1000.0))


def test_a_model_that_never_lost_or_never_won_gets_a_finite_flagged_rating():
    # Given A never lost and C never won; B and D are otherwise well matched.
    columns = votes(("A", "B", "model_a", 10), ("D", "A", "model_b", 3),
                    ("B", "D", "model_a", 6), ("B", "D", "model_b", 5),
                    ("C", "B", "model_b", 4), ("D", "C", "model_a", 2))

    # When the leaderboard is built.
    board = leaderboard(*columns, bootstrap_rounds=100)

    # Then every figure is finite, A is first, C is last, and both are flagged.
    figures = [row[key] for row in board["models"] for key in ("rating", "ci_lower", "ci_upper")]
    assert all(math.isfinite(x) for x in figures)
    assert [board["models"][0]["model"], board["models"][-1]["model"]] == ["A", "C"]
    assert board["models"][0]["rating"] > board["models"][1]["rating"] + 400
    assert set(board["diagnostics"]["unbounded"]) == {"A", "B", "C", "D"}
    assert not board["diagnostics"]["disconnected"]


def test_a_disconnected_graph_is_centred_per_part_and_flagged():
    # Given two groups of models that never met each other.
    columns = votes(("A", "B", "model_a", 6), ("A", "B", "model_b", 2),
                    ("C", "D", "model_a", 1), ("C", "D", "model_b", 3))

    # When fitted.
    counts = aggregate(*columns)
    ratings = by_model(counts, fit_bradley_terry(counts))
    board = leaderboard(*columns, bootstrap_rounds=50)

    # Then each part averages 1000 with its own closed-form gap, and the board says so.
    assert ratings["A"] + ratings["B"] == pytest.approx(2000)
    assert ratings["C"] + ratings["D"] == pytest.approx(2000)
    assert ratings["A"] - ratings["B"] == pytest.approx(400 * math.log10(3), abs=0.01)
    assert board["diagnostics"]["disconnected"]
    assert board["diagnostics"]["components"] == [["A", "B"], ["C", "D"]]
    assert all(math.isfinite(row["ci_upper"]) for row in board["models"])


def test_zero_votes_give_an_empty_board_and_unvoted_models_are_unrated():
    # Given no votes at all, and a contest where one entrant has no votes yet.
    empty = leaderboard([], [], [])
    lonely = leaderboard([], [], [], models=["A"])
    fresh = leaderboard(*votes(("A", "B", "model_a", 3)), models=["A", "B", "C"],
                        bootstrap_rounds=20)

    # Then the board is empty or lists the unvoted model at 1000 with no win rate, never NaN.
    assert empty["models"] == [] and empty["votes"] == 0
    assert fit_bradley_terry(aggregate([], [], [])).shape == (0,)
    assert bootstrap(aggregate([], [], []), rounds=5).shape == (5, 0)
    assert lonely["models"] == [{"model": "A", "rating": 1000.0, "ci_lower": 1000.0,
                                 "ci_upper": 1000.0, "rank": 1, "rank_ub": 1, "battles": 0,
                                 "win_rate": None}]
    row_c = next(row for row in fresh["models"] if row["model"] == "C")
    assert (row_c["rating"], row_c["battles"], row_c["win_rate"]) == (1000.0, 0, None)
    assert fresh["diagnostics"]["disconnected"]


def test_bad_rows_are_refused_with_a_clear_error():
    # Given a vote with an unknown winner label, a self-battle and mismatched columns.
    # When aggregated, then each raises a ValueError that names the problem.
    with pytest.raises(ValueError, match="'model_c'"):
        aggregate(["A", "B"], ["B", "A"], ["model_a", "model_c"])
    with pytest.raises(ValueError, match="'A' battles itself"):
        aggregate(["A"], ["A"], ["tie"])
    with pytest.raises(ValueError, match="differ in length"):
        aggregate(["A"], ["B", "C"], ["tie"])
    with pytest.raises(ValueError, match="'draw'"):
        online_elo(["A"], ["B"], ["draw"])


def test_provisional_models_are_listed_only_when_asked():
    # Given B with 2 battles and A and C with 6 and 4.
    columns = votes(("A", "B", "model_a", 2), ("A", "C", "tie", 4))

    # When built with and without a provisional threshold of 3 battles.
    flagged = leaderboard(*columns, bootstrap_rounds=0, min_battles_provisional=3)
    plain = leaderboard(*columns, bootstrap_rounds=0)

    # Then only the threshold run lists B.
    assert flagged["diagnostics"]["provisional"] == ["B"]
    assert "provisional" not in plain["diagnostics"]


def test_online_elo_applies_the_k4_update():
    # Given A beats B, then B beats A.
    # When replayed with K=4 from 1000 each.
    first = online_elo(["A"], ["B"], ["model_a"])
    second = online_elo(["A", "A"], ["B", "B"], ["model_a", "model_b"])

    # Then the first vote moves each by K/2, and the second by K times B's surprise.
    assert first == {"A": 1002.0, "B": 998.0}
    change = 4 * (1 - 1 / (1 + 10 ** ((1002 - 998) / 400)))
    assert second["B"] == pytest.approx(998 + change)
    assert second["A"] == pytest.approx(1002 - change)


def test_matrices_on_a_tiny_contest():
    # Given A beat B 3 times and tied once, and B beat C twice.
    counts = aggregate(*votes(("A", "B", "model_a", 3), ("B", "A", "tie", 1),
                              ("C", "B", "model_b", 2)))

    # When the plot matrices are built.
    battles = battle_count_matrix(counts)
    shares = win_rate_matrix(counts)
    predicted = predicted_win_matrix(np.array([1100.0, 1000.0, 1000.0]))

    # Then they hold pair counts, observed shares (None where no votes) and BT probabilities.
    np.testing.assert_array_equal(battles, [[0, 4, 0], [4, 0, 2], [0, 2, 0]])
    assert shares == [[None, 0.875, None], [0.125, None, 1.0], [None, 0.0, None]]
    assert predicted[0, 1] == pytest.approx(1 / (1 + 10 ** (-100 / 400)))
    np.testing.assert_allclose(predicted + predicted.T, 1.0)
    assert predicted[1, 2] == 0.5
    assert connectivity(counts).unbounded == ("A", "B", "C")


def test_a_weight_of_two_is_the_same_as_counting_the_row_twice():
    # Given a few votes, and the same votes with the first half listed twice
    a = ["x", "y", "z", "x", "y", "z", "x", "z"]
    b = ["y", "z", "x", "z", "x", "y", "y", "x"]
    w = ["model_a", "model_b", "tie", "model_a", "tie (bothbad)", "model_a", "model_b", "model_a"]
    doubled = (a + a[:4], b + b[:4], w + w[:4])
    weights = [2.0] * 4 + [1.0] * 4
    # When one board is fitted on weights and the other on duplicated rows
    weighted = leaderboard(a, b, w, bootstrap_rounds=200, seed=1, weights=weights)
    duplicated = leaderboard(*doubled, bootstrap_rounds=200, seed=1)
    # Then both publish the same figures
    assert weighted["models"] == duplicated["models"]
    assert weighted["votes"] == duplicated["votes"] == 12


@pytest.mark.parametrize("weights", [[1.0, -1.0], [1.0, float("nan")], [1.0]])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError, match="weights"):
        aggregate(["x", "y"], ["y", "x"], ["model_a", "tie"], weights=weights)
