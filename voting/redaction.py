"""Find and redact personal data in prompts and answers before anything is published.

Pure Python (no Django). Each kind is a pattern with its own checks; `redact` replaces every
match with a marker such as ``[전화번호]`` and counts it, and the counts go into the export's
manifest. Ordinary Korean text is left alone: dates (2024-05-01, 2024.05.01), prices (12,000원),
years, times, model versions (v2.1.3, EXAONE-3.5-7.8B) and short numbers do not match.

Why not a library: presidio needs spaCy models and has no Korean phone or account patterns out of
the box; the Korean-specific packages on PyPI were months old with no track record. These
patterns are few, each is tested (tests/voting/test_redaction.py), and the order matters (a
resident number must not be read as a phone or account number first).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Digits must not continue on either side, so a match is never a slice of a longer number.
_NOT_DIGIT_BEFORE = r"(?<![\d\-.])"
_NOT_DIGIT_AFTER = r"(?![\d\-]*\d)"


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _birth_date_ok(match: re.Match) -> bool:
    """A resident or alien registration number starts with a real YYMMDD."""
    digits = re.sub(r"\D", "", match.group(0))
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def _card_ok(match: re.Match) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _account_ok(match: re.Match) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 10 <= len(digits) <= 14


@dataclass(frozen=True)
class Kind:
    name: str          # the key in the manifest's "redactions"
    marker: str        # what replaces a match
    pattern: re.Pattern
    check: Callable[[re.Match], bool] | None = None


KINDS: tuple[Kind, ...] = (
    Kind("email", "[이메일]", re.compile(
        r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    Kind("resident_registration_number", "[주민등록번호]", re.compile(
        _NOT_DIGIT_BEFORE + r"\d{2}[01]\d[0-3]\d\s?-?\s?[1-4]\d{6}" + _NOT_DIGIT_AFTER),
        _birth_date_ok),
    Kind("alien_registration_number", "[외국인등록번호]", re.compile(
        _NOT_DIGIT_BEFORE + r"\d{2}[01]\d[0-3]\d\s?-?\s?[5-8]\d{6}" + _NOT_DIGIT_AFTER),
        _birth_date_ok),
    Kind("card_number", "[카드번호]", re.compile(
        _NOT_DIGIT_BEFORE + r"\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}" + _NOT_DIGIT_AFTER),
        _card_ok),
    Kind("mobile_phone", "[전화번호]", re.compile(
        r"(?:(?<![\d\-.])01[016789]|\+82[ -]?1[016789])[ -.]?\d{3,4}[ -.]?\d{4}" + _NOT_DIGIT_AFTER)),
    Kind("landline_phone", "[전화번호]", re.compile(
        r"(?:(?<![\d\-.])0(?:2|[3-6][1-5]|70|50\d)|\+82[ -]?(?:2|[3-6][1-5]|70))"
        r"[ -.)]?\d{3,4}[ -.]?\d{4}" + _NOT_DIGIT_AFTER)),
    Kind("bank_account", "[계좌번호]", re.compile(
        _NOT_DIGIT_BEFORE + r"\d{2,6}-\d{2,6}-\d{2,7}(?:-\d{1,3})?" + _NOT_DIGIT_AFTER),
        _account_ok),
)
KIND_NAMES = tuple(kind.name for kind in KINDS)


def redact(text: str, counts: Counter | None = None) -> str:
    """Return `text` with every personal-data match replaced; add the matches to `counts`."""
    if not text:
        return text
    for kind in KINDS:
        def replace(match: re.Match, kind=kind) -> str:
            if kind.check is not None and not kind.check(match):
                return match.group(0)
            if counts is not None:
                counts[kind.name] += 1
            return kind.marker
        text = kind.pattern.sub(replace, text)
    return text


def counts_empty() -> Counter:
    """Return a counter with every kind at zero, so a manifest lists what was scanned for."""
    return Counter({name: 0 for name in KIND_NAMES})
