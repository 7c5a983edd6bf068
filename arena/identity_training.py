"""Train the identity-question classifier on the corpus and export it for the site.

Pure code (no Django); scikit-learn is imported here only, by `manage.py identity_train` and
the tests, never by a request. scikit-learn is the well-kept reference for TF-IDF and linear
classifiers (and already a dependency); the site scores with `arena.identity_classifier`.

Reproducible: a fixed seed for the folds and the solver, the vocabulary written in sorted
order, and weights rounded to a fixed number of digits, so the same corpus gives the same bytes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from arena.identity import normalise
from arena.identity_classifier import sentences
from arena.identity_corpus import Row

SEED = 0
# Character n-grams across word boundaries ("char", not "char_wb"): Korean questions are often
# typed with missing or extra spaces ("자기소개해줘", "너 누구 야"), and the grams that span a
# space ("너 누", "e you") carry who is being asked.
ANALYZER = "char"
NGRAM_RANGE = (1, 4)
SUBLINEAR_TF = True
C = 2.0
FOLDS = 5
# The threshold is the lowest decision value at which the cross-validated false-positive rate
# on the training part stays within the bound.
TARGET_FPR = 0.005
DIGITS = 7


def pipeline(seed: int = SEED) -> Pipeline:
    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer=ANALYZER, ngram_range=NGRAM_RANGE, lowercase=True,
                                  sublinear_tf=SUBLINEAR_TF, dtype=np.float64)),
        ("clf", LinearSVC(C=C, class_weight="balanced", random_state=seed, max_iter=10000)),
    ])


def texts_of(rows: list[Row]) -> list[str]:
    return [normalise(row.text) for row in rows]


def prompt_scores(model: Pipeline, texts: list[str]) -> np.ndarray:
    """Return each text's prompt score as the site computes it: the decision value of a
    one-sentence text, else the largest of its sentences' (IdentityClassifier.prompt_score)."""
    pieces, owners = [], []
    for index, text in enumerate(texts):
        for piece in sentences(text) or [text]:
            pieces.append(piece)
            owners.append(index)
    scores = np.full(len(texts), -np.inf)
    np.maximum.at(scores, np.array(owners), model.decision_function(pieces))
    return scores


def cross_scores(rows: list[Row], seed: int = SEED) -> np.ndarray:
    """Return each training row's prompt score from a model fitted without its fold."""
    texts, labels = texts_of(rows), np.array([row.label for row in rows])
    scores = np.zeros(len(rows))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for fit_index, score_index in folds.split(texts, labels):
        model = pipeline(seed).fit([texts[i] for i in fit_index], labels[fit_index])
        scores[score_index] = prompt_scores(model, [texts[i] for i in score_index])
    return scores


def threshold_choose(scores: np.ndarray, labels: np.ndarray, target_fpr: float = TARGET_FPR) -> float:
    """Return the lowest threshold whose false-positive rate on (scores, labels) is ≤ target."""
    negatives = np.sort(scores[labels == 0])[::-1]
    allowed = int(np.floor(target_fpr * len(negatives)))  # false positives we may keep
    # Flag only scores above the (allowed+1)-th highest negative score.
    return float(np.nextafter(negatives[allowed], np.inf)) if allowed < len(negatives) else float("-inf")


@dataclass(frozen=True)
class Figures:
    positives: int
    caught: int
    negatives: int
    false_positives: int

    @property
    def recall(self) -> float:
        return self.caught / self.positives if self.positives else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.negatives if self.negatives else 0.0

    def __str__(self) -> str:
        return (f"recall {self.caught}/{self.positives} = {100 * self.recall:.1f}%, "
                f"false positives {self.false_positives}/{self.negatives} = "
                f"{100 * self.false_positive_rate:.2f}%")


def figures(flagged: list[bool], labels: list[int]) -> Figures:
    return Figures(
        positives=sum(labels),
        caught=sum(1 for f, label in zip(flagged, labels) if f and label),
        negatives=len(labels) - sum(labels),
        false_positives=sum(1 for f, label in zip(flagged, labels) if f and not label),
    )


# Weights this near zero are the solver's rounding noise, which differs from one CPU to another:
# written as 0, so that the same corpus gives the same bytes on every machine.
NOISE = 1e-12


def _rounded(values) -> list[float]:
    return [0.0 if abs(value) < NOISE else float(f"{value:.{DIGITS}g}") for value in values]


def export(model: Pipeline, threshold: float) -> dict:
    """Return the JSON-ready spec that `arena.identity_classifier.IdentityClassifier` reads."""
    tfidf, clf = model.named_steps["tfidf"], model.named_steps["clf"]
    ngrams = tfidf.get_feature_names_out()
    order = np.argsort(ngrams, kind="stable")
    return {
        "analyzer": ANALYZER,
        "ngram_range": list(NGRAM_RANGE),
        "lowercase": True,
        "sublinear_tf": SUBLINEAR_TF,
        "norm": "l2",
        "threshold": float(f"{threshold:.{DIGITS}g}"),
        "intercept": float(f"{clf.intercept_[0]:.{DIGITS}g}"),
        "ngrams": [str(ngram) for ngram in ngrams[order]],
        "idf": _rounded(tfidf.idf_[order]),
        "coef": _rounded(clf.coef_[0][order]),
    }


def spec_dumps(spec: dict) -> str:
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n"


def train(rows: list[Row], seed: int = SEED) -> tuple[Pipeline, float, np.ndarray]:
    """Fit on every training row; return the model, the threshold and the cross-validated scores."""
    labels = np.array([row.label for row in rows])
    scores = cross_scores(rows, seed)
    threshold = threshold_choose(scores, labels)
    model = pipeline(seed).fit(texts_of(rows), labels)
    return model, threshold, scores


@dataclass(frozen=True)
class FamilyFigures:
    """One family of phrasing left out whole: its recall, and the false positives of the same
    model on the held-out part's ordinary prompts and on its hard negatives alone."""
    family: str
    recall: Figures
    ordinary: Figures
    hard: Figures

    def __str__(self) -> str:
        return (f"{self.family:<11} recall {self.recall.caught:>4}/{self.recall.positives:<4} "
                f"= {100 * self.recall.recall:5.1f}%   false positives "
                f"{self.ordinary.false_positives}/{self.ordinary.negatives} = "
                f"{100 * self.ordinary.false_positive_rate:.2f}% (hard negatives "
                f"{self.hard.false_positives}/{self.hard.negatives} = "
                f"{100 * self.hard.false_positive_rate:.2f}%)")


# The negatives that name companies, products or AI models, or ask "who made X" of something
# else: the ones a family of identity questions is most easily confused with.
HARD_KINDS = frozenset({"hard_negative", "company", "model", "translate", "writing"})


def families_of(rows: list[Row]) -> list[str]:
    """Return the families of identity questions in `rows`: the kinds of their positives."""
    return sorted({row.kind for row in rows if row.label == 1})


def family_left_out(train_rows: list[Row], heldout: list[Row], family: str,
                    seed: int = SEED) -> FamilyFigures:
    """Fit and choose the threshold as `train` does, on the training part without any question
    of `family` (nor a composed prompt that contains one); score every question of the family
    from both parts, and the held-out part's negatives.

    This is the measure of phrasings the classifier has never seen: a held-out sentence still
    shares its family's way of asking with the training part, a held-out family does not.
    """
    left = [row for row in train_rows + heldout if row.label == 1 and row.kind == family]
    left_texts = [row.text for row in left if not row.source.endswith(":composed")]
    fit_rows = [
        row for row in train_rows
        if not (row.label == 1 and row.kind == family)
        and not (row.source.endswith(":composed") and any(text in row.text for text in left_texts))
    ]
    model, threshold, _ = train(fit_rows, seed)
    negatives = [row for row in heldout if row.label == 0]
    caught = prompt_scores(model, texts_of(left)) >= threshold
    flagged = prompt_scores(model, texts_of(negatives)) >= threshold
    hard = [row.kind in HARD_KINDS for row in negatives]
    return FamilyFigures(
        family=family,
        recall=figures(list(caught), [1] * len(left)),
        ordinary=figures(list(flagged), [0] * len(negatives)),
        hard=figures([f for f, h in zip(flagged, hard) if h], [0] * sum(hard)),
    )
