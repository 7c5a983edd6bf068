"""Identity leaks: does a battle reveal which team or model stands on a side?

Pure code (no Django), so it can be tested and benchmarked alone. `arena.selectors` feeds it
the battle's prompts and answers and the teams' configured identity terms.

Two checks: a prompt that asks a model who it is (`identity_prompt`, decided by the shipped
classifier of `arena.identity_classifier`; docs/blindness.md), and an answer that names a team
(`IdentityMatcher`, exact terms the organizers configure), as follows.

How a term matches (organizers write terms in the admin, one per line or comma-separated):

- Text is normalised with Unicode NFKC (full-width "ＥＸＡＯＮＥ" is "EXAONE") and invisible
  format characters (zero-width spaces, joiners) are dropped.
- Terms of three or more letters match regardless of case and allow spacing or light
  punctuation between their letters ("Hyper CLOVA", "하이퍼 클로바", "EXA-ONE", "엑 사 원").
- Short Latin terms ("LG", "NC", "SKT", "A.X") match only as written in the term's case, and
  only as a whole token, so "lg n" (a logarithm), "nc" (netcat) or "algorithm" do not count.
  A separator inside a short term must be there ("A.X", "A. X", "A X"), so the word "ax" does not.
- A Latin term never matches inside a longer Latin word ("Solaris" is not "Solar"), but
  Korean particles may follow it ("EXAONE입니다", "LG의").
- A Korean term may carry particles after it ("엑사원입니다"); a Korean term of two
  syllables or fewer must not follow another Hangul syllable ("엔씨" in "레퍼런씨" is not NC).
- A term written with a leading "~" is ambiguous ("~Solar": solar energy, 솔라 패널). It
  counts only next to a self-identification cue ("저는", "제가", "I am", "my name", ...).
- A term the citizen's own prompts contain is treated the same way: when the citizen asks
  "EXAONE과 Solar를 비교해 줘", answers that discuss EXAONE merely quote the citizen, and count
  only if a side says that it *is* that model ("저는 EXAONE입니다").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from arena import identity_classifier

# Reasons stored on a vote (and shown in the vote dataset's `excluded` column).
REASON_LEAK = "identity_leak"
REASON_PROMPT = "identity_prompt"

AMBIGUOUS_MARK = "~"
# How far (in characters of normalised text) a self-identification cue may stand from a term.
CUE_WINDOW = 40

_SEPARATORS = r"[\s\-_.·・/]"
_HANGUL = "\uac00-\ud7a3"
_LATIN_OR_DIGIT = "A-Za-z0-9"

# First-person self-identification, in Korean and English. Korean cues need a boundary before
# them so that "그저는" or "문제가" do not count.
_SELF_CUE = re.compile(
    rf"(?<![{_HANGUL}])(?:저는|저를|저의|제가|제 이름|저희는|나는|내 이름|본 모델)"
    r"|\b(?:i am|i'm|i’m|my name|(?:created|built|made|trained|developed) me)\b",
    re.IGNORECASE,
)

# Runs of characters that may be format characters: none below U+00AD (the soft hyphen), among
# the CJK symbols and ideographs or the Hangul syllables, which are nearly all of an answer.
_MAYBE_FORMAT = re.compile(r"[^\x00-\xac\u3000-\u9fff\uac00-\ud7a3]+")


def _format_dropped(run: re.Match) -> str:
    return "".join(ch for ch in run.group() if unicodedata.category(ch) != "Cf")


def normalise(text: str) -> str:
    """Return `text` in NFKC with invisible format characters (category Cf) removed.

    Only the runs that may hold one are looked at character by character: a vote normalises
    every answer of its battle, and a character-by-character pass over all of them was a
    noticeable share of a vote's CPU (docs/performance.md).
    """
    return _MAYBE_FORMAT.sub(_format_dropped, unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Term:
    team: str
    text: str  # as the organizer wrote it, without the ambiguity mark
    ambiguous: bool
    pattern: re.Pattern


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def term_compile(raw: str) -> tuple[str, bool, re.Pattern] | None:
    """Compile one organizer-written term; return None for a term with no letters or digits."""
    raw = normalise(raw).strip()
    ambiguous = raw.startswith(AMBIGUOUS_MARK)
    text = raw.lstrip(AMBIGUOUS_MARK).strip()
    pieces = [piece for piece in re.split(rf"{_SEPARATORS}+", text) if piece]
    letters = "".join(pieces)
    if not letters or not any(ch.isalnum() for ch in letters):
        return None
    latin_only = all(ch.isascii() for ch in letters)
    short = len(letters) <= 3 and latin_only
    if short:
        # Written case, whole token, separators only where the term has them.
        body = (rf"{_SEPARATORS}+\s*").join(re.escape(piece) for piece in pieces)
        flags = 0
    else:
        body = (rf"{_SEPARATORS}*").join(re.escape(ch) for ch in letters)
        flags = re.IGNORECASE
    first, last = letters[0], letters[-1]
    if _is_hangul(first):
        hangul_count = sum(1 for ch in letters if _is_hangul(ch))
        before = rf"(?<![{_HANGUL}])" if hangul_count <= 2 else ""
    else:
        before = rf"(?<![{_LATIN_OR_DIGIT}])"
    # Digits may follow a model name ("EXAONE3.5"); letters may not ("Solaris"). Korean
    # particles after any term are fine.
    after = "" if _is_hangul(last) else ("(?![A-Za-z0-9])" if short else "(?![A-Za-z])")
    return text, ambiguous, re.compile(before + body + after, flags)


def terms_parse(raw: str) -> list[str]:
    """Split an admin field into terms: one per line or separated by commas."""
    return [term.strip() for term in re.split(r"[,\n]", raw or "") if term.strip()]


@dataclass(frozen=True)
class Leak:
    team: str
    term: str
    side: str


class IdentityMatcher:
    """Find team and model names in answers, given each team's identity terms.

    Build it once per set of terms (`matcher_for` caches it) and call `leaks` per battle.
    """

    def __init__(self, terms_by_team: Mapping[str, Iterable[str]]):
        self.terms: list[Term] = []
        for team, raws in terms_by_team.items():
            for raw in raws:
                compiled = term_compile(raw)
                if compiled is not None:
                    text, ambiguous, pattern = compiled
                    self.terms.append(Term(team, text, ambiguous, pattern))

    def _named_by_citizen(self, prompts: Sequence[str]) -> set[str]:
        """Return the teams whose terms the citizen wrote in any prompt."""
        joined = "\n".join(normalise(prompt) for prompt in prompts)
        return {term.team for term in self.terms if term.pattern.search(joined)}

    def leaks(self, *, prompts: Sequence[str], answers: Mapping[str, Sequence[str]]) -> list[Leak]:
        """Return every identity leak in the answers, keyed by side ("a"/"b").

        `prompts` are everything the citizen wrote; `answers[side]` every answer of that side.
        A term the citizen wrote, or an ambiguous one, counts only beside a self-identification
        cue; any other term counts wherever it stands.
        """
        quoted_teams = self._named_by_citizen(prompts)
        found: list[Leak] = []
        for side, texts in answers.items():
            for answer in texts:
                text = normalise(answer)
                for term in self.terms:
                    for match in term.pattern.finditer(text):
                        needs_cue = term.ambiguous or term.team in quoted_teams
                        if needs_cue and not _cue_near(text, match.start(), match.end()):
                            continue
                        found.append(Leak(term.team, term.text, side))
                        break
        return found


def _cue_near(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - CUE_WINDOW):end + CUE_WINDOW]
    return _SELF_CUE.search(window) is not None


# A battle's prompts are checked on every read of the battle and again at the vote.
@lru_cache(maxsize=4096)
def identity_prompt(prompt: str) -> bool:
    """Return True if the prompt asks the model who it is or who made it.

    Decided by the shipped classifier (arena.identity_classifier; corpus, rules and figures in
    docs/blindness.md), not by patterns: no list of phrasings covers how citizens ask, and a
    pattern broad enough to try flags ordinary questions about car models or companies.
    """
    return identity_classifier.shipped().flags(normalise(prompt))


@lru_cache(maxsize=8)
def matcher_for(terms: tuple[tuple[str, tuple[str, ...]], ...]) -> IdentityMatcher:
    """Return the (cached) matcher for `((team, (term, ...)), ...)`."""
    return IdentityMatcher(dict(terms))


def battle_exclusion(
    *,
    terms: tuple[tuple[str, tuple[str, ...]], ...],
    prompts: Sequence[str],
    answers: Mapping[str, Sequence[str]],
) -> str | None:
    """Return why a battle's vote must not count (REASON_PROMPT / REASON_LEAK), or None.

    An identity question comes first: whatever the answers say, the citizen asked.
    """
    if any(identity_prompt(prompt) for prompt in prompts):
        return REASON_PROMPT
    if matcher_for(terms).leaks(prompts=prompts, answers=answers):
        return REASON_LEAK
    return None
