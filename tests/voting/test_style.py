"""Style control: an answer's style, and ratings with style held equal."""
import numpy as np

from voting.counts import aggregate
from voting.ratings import fit_bradley_terry
from voting.style import fit_style_controlled, style_features


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
