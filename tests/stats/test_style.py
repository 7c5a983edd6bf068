"""Style control: an answer's style, and ratings with style held equal."""
import numpy as np

from stats.counts import aggregate
from stats.ratings import fit_bradley_terry, leaderboard
from stats.style import STYLE_FEATURES, fit_style_controlled, style_board, style_features


def test_style_control_removes_a_length_advantage():
    # Given five equally strong models whose answers differ only in length, and
    # votes that prefer the longer answer.
    rng = np.random.default_rng(4)
    n, names = 20000, np.array(list("VWXYZ"), dtype=object)
    mean_length = np.array([200.0, 400, 600, 800, 1000])
    a = rng.integers(0, 5, n)
    b = (a + rng.integers(1, 5, n)) % 5
    length_a = rng.gamma(4, mean_length[a] / 4)
    length_b = rng.gamma(4, mean_length[b] / 4)
    p_a = 1 / (1 + np.exp(-2.5 * (length_a - length_b) / (length_a + length_b + 1)))
    winner = np.where(rng.random(n) < p_a, "model_a", "model_b").astype(object)
    features = (np.c_[length_a, rng.poisson(2, n)], np.c_[length_b, rng.poisson(2, n)])

    # When fitted plainly and with style control.
    plain = fit_bradley_terry(aggregate(names[a], names[b], winner))
    controlled = fit_style_controlled(names[a], names[b], winner, *features,
                                      ["length", "bold"], bootstrap_rounds=20)

    # Then plain ratings follow length, style-controlled ratings are equal within noise,
    # and length, not bold, carries the effect.
    assert plain[-1] - plain[0] > 150
    assert np.ptp(controlled.ratings) < 20
    assert controlled.models == tuple("VWXYZ")
    assert controlled.style_coefficients["length"] > 0.5
    assert abs(controlled.style_coefficients["bold"]) < 0.1
    assert np.all(controlled.ci_lower <= controlled.ratings)
    assert np.all(controlled.ratings <= controlled.ci_upper)


def test_style_features_count_markdown_outside_code():
    # Given an answer with two headers, three list items, two bold spans and a code block.
    text = ("# 제목\n\n**중요**: 요약\n\n## 목록\n- 하나\n- 둘\n1. 셋\n\n__끝__\n"
            "```python\n# not a header\n- not an item\n```\n")

    # When its style is measured, then code is ignored and length is in characters.
    assert style_features(text) == {"length": float(len(text)), "headers": 2.0,
                                    "list_items": 3.0, "bold": 2.0}


# --- FastChat's computation, as LMSYS publishes it (lm-sys/FastChat, Apache-2.0,
# fastchat/serve/monitor/rating_systems.py: preprocess_for_style, contextual_bt_loss_and_grad,
# fit_contextual_bt and scale_and_offset), cut to numpy: the reference the board must match.

def _fastchat_style_control(model_a, model_b, winner, features_a, features_b):
    import math

    from scipy.optimize import minimize
    from scipy.special import expit

    models = sorted(set(model_a) | set(model_b))
    index = {m: i for i, m in enumerate(models)}
    matchups = np.array([[index[a], index[b]] for a, b in zip(model_a, model_b)])
    outcomes = np.full(len(winner), 0.5)
    outcomes[np.array(winner) == "model_a"] = 1.0
    outcomes[np.array(winner) == "model_b"] = 0.0
    style_vector = np.r_[np.asarray(features_a, float).T, np.asarray(features_b, float).T]
    k = style_vector.shape[0] // 2
    style_diff = style_vector[:k] - style_vector[k:]
    style_sum = style_vector[:k] + style_vector[k:] + 1.0
    style_diff = style_diff / style_sum
    features = ((style_diff - style_diff.mean(axis=1)[:, None]) / style_diff.std(axis=1)[:, None]).T
    alpha, reg, half_reg = math.log(10.0), 0.5, 0.25
    n_models = len(models)

    def loss_and_grad(params):
        ratings, feature_params = params[:n_models], params[n_models:]
        logits = alpha * (ratings[matchups[:, 0]] - ratings[matchups[:, 1]]) + features @ feature_params
        probs = expit(logits)
        loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes))).sum()
        error = outcomes - probs
        grad = reg * params
        np.add.at(grad[:n_models], matchups, (-alpha * error)[:, None] * np.array([1.0, -1.0]))
        grad[n_models:] -= features.T @ error
        return loss + half_reg * params @ params, grad

    result = minimize(loss_and_grad, np.zeros(n_models + k), jac=True, method="L-BFGS-B",
                      options={"maxiter": 100, "gtol": 1e-6})
    return dict(zip(models, result.x[:n_models] * 400 + 1000)), result.x[n_models:]


def _synthetic_votes(n, seed, strength=(0.0, 0.3, 0.6, 0.9)):
    """Votes among four models of different strength whose answers' style varies per answer."""
    rng = np.random.default_rng(seed)
    names = np.array(["EXAONE", "A.X", "HyperCLOVA", "Solar"], dtype=object)
    a = rng.integers(0, 4, n)
    b = (a + rng.integers(1, 4, n)) % 4
    fa = np.c_[rng.gamma(4, 150, n), rng.poisson(1, n), rng.poisson(3, n), rng.poisson(2, n)]
    fb = np.c_[rng.gamma(4, 150, n), rng.poisson(1, n), rng.poisson(3, n), rng.poisson(2, n)]
    logit = (np.array(strength)[a] - np.array(strength)[b]
             + 1.5 * (fa[:, 0] - fb[:, 0]) / (fa[:, 0] + fb[:, 0] + 1))
    u = rng.random(n)
    p = 1 / (1 + np.exp(-logit))
    winner = np.where(u < p * 0.9, "model_a", np.where(u > 1 - (1 - p) * 0.9, "model_b", "tie"))
    return names[a], names[b], winner.astype(object), fa, fb


def test_style_controlled_board_agrees_with_fastchat():
    # Given a fixed synthetic set of 2,000 votes with ties and style that varies per answer.
    model_a, model_b, winner, fa, fb = _synthetic_votes(2000, seed=11)

    # When FastChat's computation and ours fit the same votes and features.
    reference, reference_coefficients = _fastchat_style_control(model_a, model_b, winner, fa, fb)
    ours = fit_style_controlled(model_a, model_b, winner, fa, fb, STYLE_FEATURES, bootstrap_rounds=0)

    # Then every rating agrees within a tenth of a point, and so do the style coefficients.
    for model, rating in zip(ours.models, ours.ratings):
        assert abs(rating - reference[model]) < 0.1, (model, rating, reference[model])
    assert np.allclose([ours.style_coefficients[f] for f in STYLE_FEATURES],
                       reference_coefficients, atol=1e-3)
    assert ours.converged


def test_style_board_stays_on_the_rating_scale_at_fifty_votes():
    # Given only fifty votes (the small samples that used to print −402 and 6340).
    for seed in range(20):
        model_a, model_b, winner, fa, fb = _synthetic_votes(50, seed=seed)

        # When the style-controlled board is computed with its interval, beside the plain one.
        board = style_board(model_a, model_b, winner, fa, fb, min_votes=50,
                            bootstrap_rounds=50, seed=0)
        plain = {row["model"]: row["rating"]
                 for row in leaderboard(model_a, model_b, winner, bootstrap_rounds=0)["models"]}

        # Then it is shown, each rating stays near its plain rating and every bound near 1000.
        assert board["status"] == "ok"
        for row in board["models"]:
            assert abs(row["rating"] - plain[row["model"]]) < 150, (seed, row)
            assert 500 < row["ci_lower"] <= row["rating"] <= row["ci_upper"] < 1500, (seed, row)


def test_style_board_is_not_computed_below_the_minimum_of_votes():
    model_a, model_b, winner, fa, fb = _synthetic_votes(49, seed=3)

    board = style_board(model_a, model_b, winner, fa, fb, min_votes=50, bootstrap_rounds=10, seed=0)

    assert board["status"] == "too_few_votes"
    assert board["models"] == []


def test_style_board_says_when_style_and_model_are_confounded():
    # Given personas: each model always writes the same way (one long, one with headers, ...).
    rng = np.random.default_rng(5)
    n, names = 200, np.array(["EXAONE", "A.X", "HyperCLOVA"], dtype=object)
    persona = np.array([[1500.0, 3, 6, 4], [300.0, 0, 0, 0], [800.0, 1, 2, 1]])
    a = rng.integers(0, 3, n)
    b = (a + rng.integers(1, 3, n)) % 3
    fa, fb = persona[a] * [[1, 1, 1, 1]], persona[b]
    fa[:, 0] += rng.normal(0, 5, n)
    winner = np.where(rng.random(n) < 0.5 + 0.3 * (a == 0) - 0.3 * (b == 0), "model_a", "model_b")

    # When the style-controlled board is asked for.
    board = style_board(names[a], names[b], winner.astype(object), fa, fb, min_votes=50,
                        bootstrap_rounds=10, seed=0)

    # Then it shows no ratings and says that style and model cannot be told apart.
    assert board["status"] == "confounded"
    assert board["models"] == []
    assert min(board["independent_share"].values()) < 0.1
