"""Benchmark the blindness audit (stats.attribution) on synthetic answers.

Run: ``.venv/bin/python benchmarks/blindness_audit.py [--answers 10000] [--models 5]``

Builds `--answers` synthetic answers, two to a battle, from `--models` writing styles that
differ in openers, sentence endings and formatting (and share one vocabulary and one length
distribution), then runs the whole audit (the three classifiers over the grouped folds) and
prints the wall and CPU time and the attribution figures. docs/performance.md records the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats.attribution import Answer, audit  # noqa: E402

# A shared vocabulary of 3,000 made-up words of two to four Hangul syllables, so the n-gram
# space is about as wide as real answers' and only the style tells the models apart.
_SYLLABLES = [chr(0xAC00 + 37 * k) for k in range(300)]
_VOCABULARY_RNG = random.Random(21)
WORDS = ["".join(_VOCABULARY_RNG.choices(_SYLLABLES, k=_VOCABULARY_RNG.randint(2, 4)))
         for _ in range(3000)]
STYLES = [
    {"open": "좋은 질문입니다.", "end": "습니다.", "join": " ", "bullet": ""},
    {"open": "네, 알려드릴게요!", "end": "해요!", "join": " ", "bullet": ""},
    {"open": "## 답변", "end": "다.", "join": "\n", "bullet": "- "},
    {"open": "Sure — 정리하면:", "end": "임.", "join": "\n", "bullet": "1) "},
    {"open": "음, 생각해 보면", "end": "거든요~", "join": " ", "bullet": ""},
]


def answer_text(rng: random.Random, style: dict) -> str:
    sentences = [style["open"]]
    for _ in range(rng.randint(5, 25)):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
        sentences.append(f"{style['bullet']}{words} {style['end']}")
    return style["join"].join(sentences)


def synthetic_answers(count: int, models: int, seed: int = 0) -> list[Answer]:
    rng = random.Random(seed)
    answers = []
    for battle in range(count // 2):
        for model in rng.sample(range(models), 2):
            text = answer_text(rng, STYLES[model % len(STYLES)])
            ttft = rng.randint(200, 900)
            answers.append(Answer(f"battle-{battle}", f"model-{model}", text, len(text),
                                  ttft, ttft + rng.randint(500, 6000)))
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    answers = synthetic_answers(options.answers, options.models, options.seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = audit(answers, seed=options.seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({
        "answers": report["answers"], "battles": report["groups"], "models": len(report["models"]),
        "folds": report["folds"], "seconds": round(seconds, 1),
        # CPU time too: on a shared machine the wall time also counts other processes' turns.
        "cpu_seconds": round(cpu, 1), "load_average": round(os.getloadavg()[0], 1),
        "chance": report["chance"],
        "accuracy": {kind: report[kind]["accuracy"] for kind in ("text", "length", "timing")},
    }, indent=2))


if __name__ == "__main__":
    main()
