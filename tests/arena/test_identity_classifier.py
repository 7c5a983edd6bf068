"""The identity-question classifier: its held-out figures, the issue's examples, the shipped file.

The corpus, its labelling rules and the training command are described in docs/blindness.md.
"""
import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from arena import identity, identity_corpus, identity_training
from arena.identity_classifier import IdentityClassifier, char_ngrams, char_wb_ngrams

SHIPPED = identity_corpus.DATA_DIR


def test_held_out_recall_is_at_least_95_percent_at_no_more_than_1_percent_false_positives():
    heldout = identity_corpus.corpus_read("heldout")
    flagged = [identity.identity_prompt(row.text) for row in heldout]
    figures = identity_training.figures(flagged, [row.label for row in heldout])

    assert figures.positives >= 500 and figures.negatives >= 500
    assert figures.recall >= 0.95, str(figures)
    assert figures.false_positive_rate <= 0.01, str(figures)


@pytest.mark.parametrize("prompt", [
    "자기소개 해줘", "간단하게 자기소개 부탁해요", "Introduce yourself briefly.", "너의 창조주 이름을 알려줘",
])
def test_the_identity_questions_the_regular_expressions_missed_are_flagged(prompt):
    assert identity.identity_prompt(prompt)


@pytest.mark.parametrize("prompt", [
    "What model of car is best for a family of five?", "Which company makes the iPhone?",
    'Translate "who are you" into Korean', "모델명 SM-S921N 갤럭시 사양 알려줘",
])
def test_the_ordinary_questions_the_regular_expressions_flagged_are_not(prompt):
    assert not identity.identity_prompt(prompt)


def test_a_question_after_a_long_pasted_text_is_found():
    pasted = "다음은 회의록입니다. " + "예산안을 검토하고 일정을 조정했습니다. " * 40
    assert not identity.identity_prompt(pasted + "세 줄로 요약해 줘.")
    assert identity.identity_prompt(pasted + "세 줄로 요약해 줘. 그리고 너는 누가 만들었어?")


def test_the_parts_share_no_text_and_no_source():
    train, heldout = (identity_corpus.corpus_read(part) for part in identity_corpus.PARTS)
    key = identity_corpus._key
    assert not {key(row.text) for row in train} & {key(row.text) for row in heldout}
    for kind in ("templates", "slots"):
        sources = [(SHIPPED / name).read_text(encoding="utf-8") for name in
                   sorted(p.name for p in SHIPPED.glob(f"{kind}_*"))]
        assert len(sources) == 2 and sources[0] != sources[1]
    templates = [{line.split(" | ", 1)[1] for line in (SHIPPED / f"templates_{part}.txt")
                  .read_text(encoding="utf-8").splitlines() if " | " in line and line[0] in "01"}
                 for part in identity_corpus.PARTS]
    assert not templates[0] & templates[1]


def test_the_scorer_reproduces_scikit_learn():
    train, heldout = (identity_corpus.corpus_read(part) for part in identity_corpus.PARTS)
    model = identity_training.pipeline().fit(
        identity_training.texts_of(train), [row.label for row in train])
    classifier = IdentityClassifier(identity_training.export(model, threshold=0.0))
    texts = identity_training.texts_of(heldout)

    ours = np.array([classifier.score(text) for text in texts])
    theirs = model.decision_function(texts)
    # The file keeps 7 significant digits of each weight and idf.
    assert np.max(np.abs(ours - theirs)) < 1e-4


@pytest.mark.parametrize("text", ["", "a", "ab", " 너  누구\t야 ?\n", "Who ARE you", "x" * 9])
def test_the_n_grams_are_scikit_learns(text):
    from sklearn.feature_extraction.text import CountVectorizer

    for analyzer, ours in (("char", char_ngrams), ("char_wb", char_wb_ngrams)):
        build = CountVectorizer(analyzer=analyzer, ngram_range=(1, 4)).build_analyzer()
        assert ours(text.lower(), 1, 4) == build(text)


def test_the_shipped_files_are_what_the_command_builds(tmp_path):
    call_command("identity_train", output=tmp_path, stdout=io.StringIO())

    for name in ("train.jsonl", "heldout.jsonl", "classifier.json"):
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    spec = json.loads((SHIPPED / "classifier.json").read_text(encoding="utf-8"))
    assert spec["analyzer"] == identity_training.ANALYZER and spec["ngrams"] == sorted(spec["ngrams"])


def test_a_family_left_out_is_measured_by_a_model_that_never_saw_it(monkeypatch):
    # Given a corpus with two families of questions, one of them also quoted in a composed prompt
    Row = identity_corpus.Row
    asked = [Row(f"너 누구야 {i}", 1, "ko", "who", "hand") for i in range(30)]
    odd = [Row(f"zq{'x' * (i % 7)} qz{i}?", 1, "en", "zq", "hand") for i in range(20)]
    ordinary = [Row(f"날씨 알려줘 {i}" if i % 2 else f"ab{'y' * (i % 5)} cd{i}?", 0, "ko", "general", "hand")
                for i in range(40)]
    composed = Row(f"날씨 알려줘. {odd[0].text}", 1, "mixed", "who", "train:composed")
    train = asked[:20] + odd[:15] + ordinary[:30] + [composed]
    heldout = asked[20:] + odd[15:] + ordinary[30:]
    fitted = []
    real_train = identity_training.train
    monkeypatch.setattr(identity_training, "train", lambda rows, seed=0: fitted.append(rows) or real_train(rows, seed))

    # When one family is left out of training whole
    zq = identity_training.family_left_out(train, heldout, "zq")

    # Then the model was fitted without any of its questions, nor the composed prompt that
    # quoted one, and with everything else of the training part
    [rows] = fitted
    assert not [row for row in rows if row.kind == "zq" or row is composed]
    assert len(rows) == len(train) - 15 - 1
    # and every question of the family in both parts is scored, against the held-out negatives
    assert zq.recall.positives == 20 and zq.ordinary.negatives == 10
    assert identity_training.families_of(train + heldout) == ["who", "zq"]
    assert str(zq).startswith("zq") and "false positives" in str(zq)
