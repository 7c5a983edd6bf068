"""Attribute answers to the models that wrote them, cross-validated by battle: the audit's figures.

Pure scikit-learn; nothing here imports Django, so the audit can be tested and benchmarked alone
and anyone can rerun it on answers they hold. scikit-learn is used rather than hand-written
code because its TF-IDF, logistic regression and grouped splitters are the well-kept standard
the published attribution studies use.

Method (docs/blindness.md, "The blindness audit"):

- Each answer is `Answer(group, model, text, length, ttft_ms, total_ms)`. `group` is the
  battle (or, for the expert track, the prompt): every answer of one group lands in the same
  fold, so a classifier is never tested on a battle it saw in training and cannot win by
  recognising a prompt.
- Folds: `StratifiedGroupKFold` (groups kept whole, the models' shares kept even), shuffled
  with `seed`; the same folds serve all three classifiers.
- Writing: TF-IDF of character 1–4-grams within word bounds (sublinear tf), then multinomial
  logistic regression. Length: a small decision tree on the answer's length alone. Timing: the
  same on time to first token and total time (a missing timing is left missing; the tree
  routes it). Every answer is predicted once, by the classifier of the fold that held it out.
- Per model: its answers, and the share attributed to it (recall) by each classifier; against
  chance, 1 / number of models, and the majority rate (always guessing the commonest model).

The report is a plain dict of counts and rates. It never holds an answer's text, nor anything
learnt from one (no vocabulary, no n-gram); model names are as given.
"""
from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

FOLDS = 5
# A model with fewer answers cannot be spread over the folds and still be learnt from.
MIN_ANSWERS_PER_MODEL = 10
MIN_MODELS = 2
NGRAMS = (1, 4)
# An answer's style shows in its first few thousand characters; the cap bounds the cost of a
# contest of long answers.
TEXT_CHARS = 4000
REPORT_VERSION = 1

METHOD = {
    "text": ("TF-IDF of character 1-4-grams (char_wb, hashed to 2^22, sublinear tf, first "
             "4,000 characters) + multinomial logistic regression (C=10)"),
    "length": "a decision tree (32 leaves at most) on the answer's length in characters",
    "timing": "a decision tree (32 leaves at most) on ttft_ms and total_ms (missing values left missing)",
    "folds": "StratifiedGroupKFold by battle (expert track: by prompt), shuffled with the seed",
}


class Answer(NamedTuple):
    group: str
    model: str
    text: str
    length: int
    ttft_ms: int | None
    total_ms: int | None


class AuditImpossible(ValueError):
    """Too few models or answers to audit; the message says what is missing."""


def folds_split(groups: Sequence[str], labels: Sequence[int], *, folds: int, seed: int
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (train, test) index arrays; no group is ever on both sides of one split."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # A model with fewer answers than folds is allowed; the split still keeps groups whole.
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(labels)), labels, groups))


def _text_counts(texts: list[str]):
    """Count each answer's character n-grams once, for every fold.

    Hashing needs no vocabulary (half the time of counting into one); the columns no answer
    uses are then dropped, so the regression fits only the n-grams there are. No label is used,
    and an n-gram seen only in a test fold is zero in training and gets no weight: the same fit
    as a vocabulary per fold. The idf weights are learnt per fold, from its training answers.
    """
    hashing = HashingVectorizer(analyzer="char_wb", ngram_range=NGRAMS, n_features=2**22,
                                alternate_sign=False, norm=None, dtype=np.float32)
    counts = hashing.transform(text[:TEXT_CHARS] for text in texts).tocsc()
    return counts[:, np.flatnonzero(np.diff(counts.indptr))].tocsr()


def _text_classifier(seed: int):
    return make_pipeline(
        TfidfTransformer(sublinear_tf=True),
        # A looser tolerance than the default: an attribution needs the argmax, not the last
        # digits of the weights, and it halves the fit.
        LogisticRegression(C=10.0, tol=1e-3, max_iter=1000, random_state=seed),
    )


def _tree_classifier(seed: int):
    # One small tree: a few length or timing bands per model is all these features can tell,
    # and a leaf of at least ten answers keeps it from learning single answers.
    return DecisionTreeClassifier(max_leaf_nodes=32, min_samples_leaf=10, random_state=seed)


def _predict_out_of_fold(make, features, labels: np.ndarray, splits) -> np.ndarray:
    predicted = np.empty(len(labels), dtype=np.int64)
    for train, test in splits:
        train_labels = labels[train]
        if len(np.unique(train_labels)) == 1:
            predicted[test] = train_labels[0]  # one class to learn: it is the only guess
            continue
        model = make()
        model.fit(features[train], train_labels)
        predicted[test] = model.predict(features[test])
    return predicted


def _scores(labels: np.ndarray, predicted: np.ndarray, count: int) -> dict:
    matrix = np.zeros((count, count), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    answers = matrix.sum(axis=1)
    rates = np.divide(np.diag(matrix), answers, out=np.zeros(count), where=answers > 0)
    return {
        "accuracy": round(float(np.trace(matrix) / matrix.sum()), 4),
        "balanced_accuracy": round(float(rates.mean()), 4),
        "rates": [round(float(rate), 4) for rate in rates],
        "confusion": matrix.tolist(),
    }


def answers_usable(answers: Sequence[Answer]) -> tuple[list[Answer], dict[str, int]]:
    """Keep the answers of models with enough of them; return them and {model: n} left out."""
    answers = [answer for answer in answers if answer.text and answer.text.strip()]
    counts = Counter(answer.model for answer in answers)
    left_out = {model: n for model, n in sorted(counts.items()) if n < MIN_ANSWERS_PER_MODEL}
    return [answer for answer in answers if answer.model not in left_out], left_out


def audit(answers: Sequence[Answer], *, folds: int = FOLDS, seed: int = 0) -> dict:
    """Return the audit of these answers as a plain, JSON-ready dict; the same input and seed
    give the same report.

    Raises AuditImpossible when fewer than two models have MIN_ANSWERS_PER_MODEL answers each
    or the answers come from fewer than two groups.
    """
    kept, left_out = answers_usable(answers)
    models = sorted({answer.model for answer in kept})
    if len(models) < MIN_MODELS:
        raise AuditImpossible(
            f"The audit needs at least {MIN_MODELS} models with {MIN_ANSWERS_PER_MODEL} or more "
            f"answers each; found {len(models)}"
            + (f" (too few answers: {', '.join(f'{m} {n}' for m, n in left_out.items())})"
               if left_out else "") + "."
        )
    groups = [answer.group for answer in kept]
    group_count = len(set(groups))
    if group_count < 2:
        raise AuditImpossible("The audit needs answers from at least 2 battles; found 1.")
    folds = max(2, min(folds, group_count))
    code = {model: i for i, model in enumerate(models)}
    labels = np.array([code[answer.model] for answer in kept], dtype=np.int64)
    splits = folds_split(groups, labels, folds=folds, seed=seed)

    texts = _text_counts([answer.text for answer in kept])
    lengths = np.array([[answer.length] for answer in kept], dtype=np.float64)
    timings = np.array([[np.nan if answer.ttft_ms is None else answer.ttft_ms,
                         np.nan if answer.total_ms is None else answer.total_ms]
                        for answer in kept], dtype=np.float64)
    timed = int((~np.isnan(timings).all(axis=1)).sum())

    def scored(make, features) -> dict:
        return _scores(labels, _predict_out_of_fold(make, features, labels, splits), len(models))

    by = {
        "text": scored(lambda: _text_classifier(seed), texts),
        "length": scored(lambda: _tree_classifier(seed), lengths),
        "timing": scored(lambda: _tree_classifier(seed), timings) if timed else None,
    }
    counts = np.bincount(labels, minlength=len(models))
    per_model = [
        {"model": model, "answers": int(counts[i]),
         **{kind: (scores["rates"][i] if scores else None) for kind, scores in by.items()}}
        for i, model in enumerate(models)
    ]
    return {
        "version": REPORT_VERSION,
        "models": models,
        "answers": len(kept),
        "groups": group_count,
        "timed_answers": timed,
        "left_out": left_out,
        "folds": folds,
        "seed": seed,
        "chance": round(1 / len(models), 4),
        "majority_rate": round(float(counts.max() / counts.sum()), 4),
        "per_model": per_model,
        **{kind: ({key: value for key, value in scores.items() if key != "rates"} if scores else None)
           for kind, scores in by.items()},
        "method": METHOD,
    }
