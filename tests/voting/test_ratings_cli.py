"""`manage.py ratings` as a user runs it: its own process, which starts without the apps
(manage.py WITHOUT_APPS), prints what Django's runner of the same command prints."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from django.core.management import call_command

from stats.style import STYLE_FEATURES
from tests.stats.simulation import simulate

ROOT = Path(__file__).parents[2]


def manage(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *arguments], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_the_process_prints_what_the_command_prints(tmp_path, capsys):
    # Given a vote dataset and its style features
    model_a, model_b, winner = simulate(np.array([1100, 1040, 990, 930.0]), 400,
                                        np.random.default_rng(3))
    votes, features = tmp_path / "votes.jsonl", tmp_path / "style-features.jsonl"
    votes.write_text("".join(
        json.dumps({"battle_id": f"b{i}", "model_a": a, "model_b": b, "winner": w}) + "\n"
        for i, (a, b, w) in enumerate(zip(model_a, model_b, winner))))
    features.write_text("".join(
        json.dumps({"battle_id": f"b{i}", **{f"{name}_{side}": (i * 7 + len(side)) % 50
                                             for name in STYLE_FEATURES for side in "ab"}}) + "\n"
        for i in range(len(winner))))
    options = ["--input", str(votes), "--bootstrap", "50", "--advance", "2",
               "--style-features", str(features), "--style-bootstrap", "5",
               "--style-min-votes", "10", "--json"]
    # When a user runs manage.py ratings, and Django's runner runs the same command
    printed = manage("ratings", *options)
    capsys.readouterr()
    call_command("ratings", *options)
    # Then both print the same board, its decision and its style-controlled column
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == capsys.readouterr().out
    assert {"advance", "style_control"} <= set(json.loads(printed.stdout))


def test_a_bad_file_is_a_clear_error_from_the_process(tmp_path):
    (tmp_path / "votes.jsonl").write_text('{"model_a": "A", "model_b": "A", "winner": "tie"}\n')
    printed = manage("ratings", "--input", str(tmp_path / "votes.jsonl"))
    assert printed.returncode == 1
    assert printed.stderr.strip() == "CommandError: line 1: a model cannot battle itself"
