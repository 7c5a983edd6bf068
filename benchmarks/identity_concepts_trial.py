"""Trial, not shipped: concept tags beside the identity classifier's character n-grams (issue 30).

    .venv/bin/python benchmarks/identity_concepts_trial.py --tags addr|pairs [--families who ...]

Refits the shipped pipeline (arena.identity_training) with a second TF-IDF block of concept tags
(whom a prompt addresses, and which identity concept it names: maker, model or version,
country, who), chooses the threshold exactly as the shipped model does, and prints the
cross-validated and held-out figures and each family left out of training whole
(identity_training.family_left_out), the measure of phrasings never seen. `--tags addr` also
tags the address alone ("#addr"); `--tags pairs` tags only an address paired with a concept.

Neither variant was shipped: with "#addr" the held-out sentences fall below the 95% that
tests/arena/test_identity_classifier.py holds; without it, a family left out is flagged with
more false positives than the shipped model's. Figures in docs/performance.md ("Identity
questions by family", "Concept tags, tried").
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import FeatureUnion, Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from arena import identity_corpus, identity_training  # noqa: E402

_WORD = re.compile(r"[0-9a-z\uac00-\ud7a3]+")
# A quoted phrase is mentioned, not asked ("'너는 누구야'를 영어로 뭐라고 해?").
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|「[^」]*」|(?<![a-z])'[^']*'")
# Korean particles and endings dropped from the end of a word, longest first ("너는" is "너").
_ENDINGS = tuple(sorted(
    "은 는 이 가 을 를 의 에 에서 에게 한테 으로 로 와 과 도 만 랑 이랑 야 이야 예요 이에요 입니까 "  # noqa: SIM905
    "입니다 이니 니 냐 지 요 임 인가요 인가 인지 나요".split(), key=len, reverse=True))
# The second person. "네" and "니" alone are left out: "네" is mostly "yes".
_ADDRESS = frozenset({"너", "넌", "널", "네가", "니가", "네게", "당신", "너희", "자네", "그쪽",
                      "you", "your", "yours", "yourself", "u", "ur"})
CONCEPTS = {
    # Past forms and nouns only: "만들어 줘" and "create a poem" ask for work, not for a maker.
    "origin": ("만든", "만들었", "개발한", "개발했", "개발사", "개발자", "회사", "운영하", "운영사",
               "운영자", "made", "built", "developed", "developer", "company", "operated",
               "operator", "operates", "created", "creator"),
    "model": ("모델", "버전", "model", "version"),
    "country": ("나라", "country"),
    "who": ("누구", "누가", "who"),
}


def _stem(word: str) -> str:
    if "\uac00" <= word[0] <= "\ud7a3":
        for ending in _ENDINGS:
            if len(word) > len(ending) and word.endswith(ending):
                return word[:-len(ending)]
    return word


def concept_tags(text: str, address_alone: bool) -> list[str]:
    """Return each concept `text` names ("#origin"), each one paired with the address if it
    addresses the model ("#addr+origin"), and with `address_alone` "#addr" for the address."""
    text = _QUOTED.sub(" ", text.lower())
    words = _WORD.findall(text)
    address = any(word in _ADDRESS or _stem(word) in _ADDRESS or word.startswith("당신")
                  for word in words)
    tags = ["#addr"] if address and address_alone else []
    for name, stems in CONCEPTS.items():
        if any(stem in text for stem in stems):
            tags.append(f"#{name}")
            if address:
                tags.append(f"#addr+{name}")
    return tags


def tags_addr(text: str) -> list[str]:
    return concept_tags(text, address_alone=True)


def tags_pairs(text: str) -> list[str]:
    return concept_tags(text, address_alone=False)


def pipeline_with(analyzer):
    def pipeline(seed: int = identity_training.SEED) -> Pipeline:
        t = identity_training
        return Pipeline([
            ("features", FeatureUnion([
                ("tfidf", TfidfVectorizer(analyzer=t.ANALYZER, ngram_range=t.NGRAM_RANGE,
                                          lowercase=True, sublinear_tf=t.SUBLINEAR_TF,
                                          dtype=np.float64)),
                ("concepts", TfidfVectorizer(analyzer=analyzer, sublinear_tf=t.SUBLINEAR_TF,
                                             dtype=np.float64)),
            ])),
            ("clf", LinearSVC(C=t.C, class_weight="balanced", random_state=seed, max_iter=10000)),
        ])
    return pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", choices=("addr", "pairs"), required=True)
    parser.add_argument("--families", nargs="*", default=None,
                        help="Families to leave out (default: every family).")
    args = parser.parse_args()
    identity_training.pipeline = pipeline_with({"addr": tags_addr, "pairs": tags_pairs}[args.tags])
    train = identity_corpus.corpus_read("train")
    heldout = identity_corpus.corpus_read("heldout")
    model, threshold, scores = identity_training.train(train)
    labels = [row.label for row in train]
    print("cross-validated on training:", identity_training.figures(list(scores >= threshold), labels))
    held = identity_training.prompt_scores(model, identity_training.texts_of(heldout)) >= threshold
    print("held-out:", identity_training.figures(list(held), [row.label for row in heldout]), flush=True)
    for family in args.families or identity_training.families_of(train + heldout):
        print(identity_training.family_left_out(train, heldout, family), flush=True)


if __name__ == "__main__":
    main()
