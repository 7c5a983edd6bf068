"""The Ratings CLI's --advance: the decision recomputed from a published file, and bad flags."""
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from stats.counts import aggregate
from stats.decision import Rule, leaderboard_with_advance
from tests.stats.simulation import simulate


def write(path, columns):
    path.write_text("".join(
        json.dumps({"model_a": a, "model_b": b, "winner": w, "excluded": None}) + "\n"
        for a, b, w in zip(*columns)))
    return str(path)


def run(capsys, **options):
    capsys.readouterr()
    call_command("ratings", compact=True, **options)
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def votes(tmp_path):
    columns = simulate(np.array([1150, 1080, 1040, 960, 900.0]), 1500, np.random.default_rng(1))
    return write(tmp_path / "votes.jsonl", columns), columns


def test_advance_is_printed_as_the_site_computes_it(votes, capsys):
    path, columns = votes
    printed = run(capsys, input=path, bootstrap=300, seed=0, advance=2)
    site = leaderboard_with_advance(aggregate(*columns), Rule(2), bootstrap_rounds=300, seed=0)
    assert printed["advance"] == site["advance"]
    assert printed["models"] == site["models"]
    assert set(printed["advance"]) == {"k", "confidence", "models", "decided", "set"}
    assert printed["ratings_shown"] is True


def test_the_combined_set_weights_each_file(tmp_path, capsys):
    rng = np.random.default_rng(2)
    truth = np.array([1100, 1050, 1000, 950.0])
    citizen = simulate(truth, 800, rng)
    expert = simulate(truth, 200, rng)
    printed = run(capsys, input=[write(tmp_path / "votes.jsonl", citizen),
                                 write(tmp_path / "judgments.jsonl", expert)],
                  weights=[0.5, 0.5], bootstrap=100, advance=1, confidence=0.9)
    joined = [list(c) + list(e) for c, e in zip(citizen, expert)]
    site = leaderboard_with_advance(aggregate(*joined), Rule(1, 0.9), bootstrap_rounds=100)
    assert printed["advance"] == site["advance"] and printed["votes"] == 1000
    assert [entry["weight"] for entry in printed["inputs"]] == [0.5, 0.5]


@pytest.mark.parametrize("options, message", [
    ({"advance": 0}, "--advance must be at least 1"),
    ({"advance": 5}, "--advance must be below the number of models"),
    ({"advance": 2, "confidence": 1.0}, "--confidence must be between 0 and 1"),
    ({"advance": 2, "confidence": -0.5}, "--confidence must be between 0 and 1"),
    ({"weights": [1.0, 2.0]}, "--weights needs one weight per input"),
])
def test_bad_flags_get_a_clear_error(votes, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("ratings", input=votes[0], bootstrap=10, **options)
