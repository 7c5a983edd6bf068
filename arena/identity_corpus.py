"""The labelled corpus of identity questions: hand-written rows plus rows expanded from templates.

Pure code (no Django). `corpus_build` reads the sources in `arena/identity_data/` (README.md
there gives the labelling rules) and returns the training and the held-out rows; the same
sources and seed always give the same rows in the same order, so the committed `train.jsonl`
and `heldout.jsonl` can be rebuilt byte for byte (`python manage.py identity_train`).

The two parts never share a template or a slot file, and a text that reaches both parts is
kept only in the held-out one, so the held-out figures measure phrasings the classifier has
not seen.
"""
from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "identity_data"
PARTS = ("train", "heldout")
# Rows drawn per template: more for ordinary prompts, which far outnumber identity questions.
DRAWS = {0: 24, 1: 18}
# Share of drawn rows that get one typing accident (typo, spacing, punctuation, case).
NOISY = 0.4
# Share of training rows that also get a varied copy (template_rows).
VARIED = 0.5
# Share of each part added as two of its prompts joined ("안녕! 너 누구야?", "요약해 줘. 누가 만들었어?").
COMPOSED = 0.15

_PIECE = re.compile(r"\{([^{}]*)\}|\[([a-z_0-9]+)\]")
_SLOT = re.compile(r"\[([a-z_0-9]+)\]")


@dataclass(frozen=True)
class Row:
    text: str
    label: int  # 1: asks the model who it is / who made it (README.md)
    lang: str  # ko, en, mixed
    kind: str  # who, maker, creator, model, intro, are_you, cutoff; negatives: person, company, ...
    source: str  # "hand" or "<part>:<template line>": the group for cross-validation

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def _template_parts(template: str, slots: dict[str, list[str]]) -> list[list[str]]:
    """Split a template into a list of choices per position (a literal is a one-choice list)."""
    parts: list[list[str]] = []
    position = 0
    for match in _PIECE.finditer(template):
        parts.append([template[position:match.start()]])
        if match.group(1) is not None:
            parts.append(match.group(1).split("|"))
        else:
            parts.append(slots[match.group(2)])
        position = match.end()
    parts.append([template[position:]])
    return parts


def _expand(template: str, slots: dict[str, list[str]], draws: int, rng: random.Random) -> list[str]:
    parts = _template_parts(template, slots)
    total = 1
    for choices in parts:
        total *= len(choices)
    if total <= draws * 4:
        combos = list(itertools.product(*parts))
        picked = rng.sample(combos, min(draws, len(combos)))
    else:
        seen: set[tuple[str, ...]] = set()
        picked = []
        while len(picked) < draws:
            combo = tuple(rng.choice(choices) for choices in parts)
            if combo not in seen:
                seen.add(combo)
                picked.append(combo)
    # A slot inside an alternative ("{[greet_ko] |}") is filled after the alternative is chosen.
    texts = ["".join(combo) for combo in picked]
    texts = [_SLOT.sub(lambda match: rng.choice(slots[match.group(1)]), text) for text in texts]
    return [" ".join(text.split()) for text in texts]


# Typing accidents ------------------------------------------------------------------------

_HANGUL_BASE = 0xAC00


def _hangul_slip(ch: str, rng: random.Random) -> str:
    """Return the syllable with a common slip: ㅐ/ㅔ swapped or the final consonant dropped."""
    code = ord(ch) - _HANGUL_BASE
    lead, vowel, tail = code // 588, (code % 588) // 28, code % 28
    if vowel in (1, 5) and rng.random() < 0.6:  # ㅐ <-> ㅔ
        vowel = 6 - vowel
    elif tail:
        tail = 0
    else:
        tail = 21  # ㅇ: a stray final consonant
    return chr(_HANGUL_BASE + lead * 588 + vowel * 28 + tail)


def _noisy(text: str, lang: str, rng: random.Random) -> str:
    hangul = [i for i, ch in enumerate(text) if "\uac00" <= ch <= "\ud7a3"]
    latin = [i for i, ch in enumerate(text) if ch.isascii() and ch.isalpha()]
    ops = ["punct", "tail"]
    if hangul:
        ops += ["nospace", "space", "slip", "slip"]
    if latin:
        ops += ["lower", "swap", "drop", "double"]
    op = rng.choice(ops)
    if op == "punct":
        return text.rstrip("?.!") or text
    if op == "tail":
        return text + rng.choice(["ㅋㅋ", "ㅎㅎ", "~", "!!", "??", " pls", " 😊", "..."])
    if op == "nospace":
        return text.replace(" ", "")
    if op == "space":
        i = rng.choice(hangul)
        return text[:i] + " " + text[i:] if i else text.replace(" ", "", 1)
    if op == "slip":
        i = rng.choice(hangul)
        return text[:i] + _hangul_slip(text[i], rng) + text[i + 1:]
    if op == "lower":
        return text.lower()
    i = rng.choice(latin)
    if op == "swap" and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if op == "drop":
        return text[:i] + text[i + 1:]
    return text[:i] + text[i] + text[i:]


# Sources ---------------------------------------------------------------------------------

def _templates(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        head, template = line.split(" | ", 1)
        label, lang, kind = head.split()
        yield number, int(label), lang, kind, template


def hand_rows(path: Path) -> list[Row]:
    """Read hand-written rows: LABEL<TAB>LANG<TAB>KIND<TAB>TEXT, '#' lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, lang, kind, text = line.split("\t", 3)
        rows.append(Row(text, int(label), lang, kind, "hand"))
    return rows


def _varied(text: str, lang: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    """Return a training-only variant: a lead-in, a tail or a second typing accident."""
    script = "en" if lang == "en" or (lang == "mixed" and rng.random() < 0.5) else "ko"
    how = rng.choice(["lead", "tail", "noisy"])
    if how == "lead":
        return f"{rng.choice(slots[f'lead_{script}'])} {text}"
    if how == "tail":
        return f"{text} {rng.choice(slots[f'tail_{script}'])}"
    return _noisy(_noisy(text, lang, rng), lang, rng)


def template_rows(part: str, data_dir: Path = DATA_DIR, seed: int = 0) -> list[Row]:
    """Expand one part's templates with its own slots, with typing accidents on some rows.

    The training part also gets a varied copy of some rows (VARIED): a lead-in ("그 전에",
    "by the way,"), a tail or more typos, so the classifier leans on what is asked rather
    than on how a template happens to begin or end.
    """
    slots = json.loads((data_dir / f"slots_{part}.json").read_text(encoding="utf-8"))
    rng = random.Random(f"{seed}:{part}")
    varied = random.Random(f"{seed}:{part}:varied")
    rows = []
    for number, label, lang, kind, template in _templates(data_dir / f"templates_{part}.txt"):
        for text in _expand(template, slots, DRAWS[label], rng):
            if rng.random() < NOISY:
                text = _noisy(text, lang, rng)
            rows.append(Row(text, label, lang, kind, f"{part}:{number}"))
            if part == "train" and varied.random() < VARIED:
                rows.append(Row(_varied(text, lang, slots, varied), label, lang, kind, f"{part}:{number}"))
    return rows


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _unique(rows: list[Row], taken: set[str]) -> list[Row]:
    """Drop repeated texts, texts in `taken`, and texts that carry both labels."""
    labels: dict[str, set[int]] = {}
    for row in rows:
        labels.setdefault(_key(row.text), set()).add(row.label)
    kept, seen = [], set(taken)
    for row in rows:
        key = _key(row.text)
        if key in seen or len(labels[key]) > 1 or not key:
            continue
        seen.add(key)
        kept.append(row)
    return kept


def composed_rows(rows: list[Row], part: str, seed: int = 0) -> list[Row]:
    """Return prompts of two requests joined, drawn from one part's own rows.

    A prompt that asks who the model is anywhere counts (label: the larger of the two); a
    question quoted inside a translation stays quoted, so those rows keep their own label.
    """
    rng = random.Random(f"{seed}:{part}:composed")
    composed = []
    for _ in range(int(len(rows) * COMPOSED)):
        first, second = rng.choice(rows), rng.choice(rows)
        # Two requests are set apart by a line break or a sentence's end, as people type them.
        ended = first.text.rstrip()[-1:] in ".?!~"
        text = first.text + rng.choice(["\n", " " if ended else ". ", " " if ended else "? "]) + second.text
        lang = first.lang if first.lang == second.lang else "mixed"
        kind = first.kind if first.label >= second.label else second.kind
        composed.append(Row(text, max(first.label, second.label), lang, kind, f"{part}:composed"))
    return composed


def corpus_build(data_dir: Path = DATA_DIR, seed: int = 0) -> dict[str, list[Row]]:
    """Return {"train": rows, "heldout": rows}; hand-written rows come first in each part."""
    heldout = _unique(hand_rows(data_dir / "hand_heldout.tsv")
                      + template_rows("heldout", data_dir, seed), set())
    heldout = _unique(heldout + composed_rows(heldout, "heldout", seed), set())
    train = _unique(hand_rows(data_dir / "hand_train.tsv") + template_rows("train", data_dir, seed),
                    {_key(row.text) for row in heldout})
    train = _unique(train + composed_rows(train, "train", seed), {_key(row.text) for row in heldout})
    return {"train": train, "heldout": heldout}


def corpus_write(corpus: dict[str, list[Row]], out_dir: Path) -> list[Path]:
    paths = []
    for part, rows in corpus.items():
        path = out_dir / f"{part}.jsonl"
        path.write_text("".join(row.line() + "\n" for row in rows), encoding="utf-8")
        paths.append(path)
    return paths


def corpus_read(part: str, data_dir: Path = DATA_DIR) -> list[Row]:
    """Read a committed part (train.jsonl / heldout.jsonl)."""
    with open(data_dir / f"{part}.jsonl", encoding="utf-8") as lines:
        return [Row(**json.loads(line)) for line in lines]
