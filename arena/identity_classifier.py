"""Score a prompt with the shipped identity-question classifier, without scikit-learn.

Pure code (no Django, no scikit-learn). `manage.py identity_train` fits a TF-IDF of character
n-grams (scikit-learn's `char` analyzer) and a linear SVM, and writes
`arena/identity_data/classifier.json`: the n-grams, their idf and weights, the intercept and
the threshold. This module reproduces the vectorizer and the decision function
in a few lines (tests/arena/test_identity_classifier.py checks it against scikit-learn), so a
vote, which checks every prompt of its battle, never imports scikit-learn or builds a sparse
matrix.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "identity_data" / "classifier.json"

# scikit-learn's `_white_spaces` in sklearn.feature_extraction.text.
_WHITE_SPACES = re.compile(r"\s\s+")
# A sentence ends at . ? ! (ASCII or full-width) followed by white space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.?!。？！])\s+|\s*\n\s*")


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Return the n-grams of scikit-learn's `char` analyzer for already-lowercased text.

    Runs of white space become one space; every n-gram of the whole text, spaces included
    (sklearn.feature_extraction.text._VectorizerMixin._char_ngrams).
    """
    text = _WHITE_SPACES.sub(" ", text)
    length = len(text)
    return [text[i:i + n] for n in range(low, min(high, length) + 1) for i in range(length - n + 1)]


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Return the n-grams of scikit-learn's `char_wb` analyzer for already-lowercased text.

    Each white-space-separated word is padded with one space on each side; a word shorter than
    n yields itself once (sklearn.feature_extraction.text._VectorizerMixin._char_wb_ngrams).
    """
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        length = len(word)
        for n in range(low, high + 1):
            if length <= n:
                grams.append(word)
                break
            grams.extend(word[i:i + n] for i in range(length - n + 1))
    return grams


class IdentityClassifier:
    """A linear model over L2-normalised TF-IDF character n-grams, read from its JSON file."""

    def __init__(self, spec: dict):
        self.low, self.high = spec["ngram_range"]
        self.ngrams = {"char": char_ngrams, "char_wb": char_wb_ngrams}[spec["analyzer"]]
        self.sublinear_tf = spec["sublinear_tf"]
        self.intercept = spec["intercept"]
        self.threshold = spec["threshold"]
        # Two dicts of floats rather than one of tuples: the garbage collector skips a dict
        # that holds only strings and floats, and a vote should not pay for walking it.
        self.idf = dict(zip(spec["ngrams"], spec["idf"], strict=True))
        self.idf_weight = {gram: idf * weight for gram, idf, weight in
                           zip(spec["ngrams"], spec["idf"], spec["coef"], strict=True)}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> IdentityClassifier:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def score(self, text: str) -> float:
        """Return the decision value of `text` (already normalised): sklearn's decision_function."""
        idf_of, idf_weight_of = self.idf, self.idf_weight
        dot = norm = 0.0
        for gram, count in Counter(self.ngrams(text.lower(), self.low, self.high)).items():
            idf = idf_of.get(gram)
            if idf is None:
                continue
            tf = 1.0 + math.log(count) if self.sublinear_tf else count
            dot += tf * idf_weight_of[gram]
            norm += (tf * idf) ** 2
        return self.intercept + (dot / math.sqrt(norm) if norm else 0.0)

    def prompt_score(self, text: str) -> float:
        """Return the score of a one-sentence text, or the largest score of its sentences.

        Sentences are scored apart: a linear model over two unrelated requests adds up their
        features ("LG 그램 제조사가 어디예요?" and "당신은 찬성이야?" make a maker question
        addressed to "you"), and a question after a long pasted text would be drowned by it.
        """
        return max(self.score(part) for part in sentences(text) or [text])

    def flags(self, text: str) -> bool:
        """Return True if `text` (already normalised) asks the model who it is or who made it."""
        return self.prompt_score(text) >= self.threshold


def sentences(text: str) -> list[str]:
    """Return the sentences of a text of more than one, else [] (the whole text is scored)."""
    found = [piece for piece in _SENTENCE_END.split(text) if piece]
    return found if len(found) > 1 else []


@lru_cache(maxsize=1)
def shipped() -> IdentityClassifier:
    """Return the classifier the site ships (loaded once per process)."""
    return IdentityClassifier.load()
