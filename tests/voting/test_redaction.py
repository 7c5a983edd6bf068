"""Redaction of personal data in published texts: each pattern caught, ordinary text left alone."""
from collections import Counter

import pytest

from voting.redaction import KIND_NAMES, counts_empty, redact

CAUGHT = [
    ("mobile_phone", "제 번호는 010-1234-5678 입니다", "[전화번호]"),
    ("mobile_phone", "연락처 01098765432로 주세요", "[전화번호]"),
    ("mobile_phone", "+82 10-1234-5678", "[전화번호]"),
    ("mobile_phone", "011.234.5678", "[전화번호]"),
    ("landline_phone", "사무실 02-123-4567", "[전화번호]"),
    ("landline_phone", "부산 051-234-5678 으로", "[전화번호]"),
    ("landline_phone", "인터넷전화 070-1234-5678", "[전화번호]"),
    ("resident_registration_number", "주민번호 900101-1234567", "[주민등록번호]"),
    ("resident_registration_number", "0512313456789 입니다", "[주민등록번호]"),
    ("alien_registration_number", "외국인등록번호 850315-5123456", "[외국인등록번호]"),
    ("email", "메일은 hong.gildong+ai@example.co.kr 로", "[이메일]"),
    ("card_number", "카드 4111 1111 1111 1111 결제", "[카드번호]"),
    ("card_number", "카드 5500-0000-0000-0004", "[카드번호]"),
    ("bank_account", "신한 110-123-456789 로 입금", "[계좌번호]"),
    ("bank_account", "카카오뱅크 3333-01-1234567", "[계좌번호]"),
    ("bank_account", "우리은행 1002-123-456789", "[계좌번호]"),
]


@pytest.mark.parametrize(("kind", "text", "marker"), CAUGHT)
def test_each_personal_data_pattern_is_redacted_and_counted(kind, text, marker):
    counts = Counter()
    redacted = redact(text, counts)
    assert marker in redacted
    assert not any(char.isdigit() for char in redacted.replace("+82", "")) or kind == "email"
    assert counts == Counter({kind: 1})


ORDINARY = [
    "2024-05-01에 발표된 EXAONE-3.5-7.8B 모델",
    "가격은 12,000원이고 2025년 3월 15일에 열립니다.",
    "회의는 2024.05.01 14:30-16:00에 합니다.",
    "버전 v2.1.3 과 HyperCLOVA X 1.0을 비교",
    "인구는 51,740,000명, 면적은 100,210㎢",
    "주문번호 12345, 우편번호 06236, 1588-1234 고객센터",
    "카드 1234 5678 9012 3456 처럼 검증 숫자가 틀리면 그대로 둡니다",
    "수식 3.14159265358979 와 1/3",
    "답: 2+2=4, 10-3=7, 100-20-5=75",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_korean_text_is_left_alone(text):
    counts = Counter()
    assert redact(text, counts) == text
    assert sum(counts.values()) == 0


def test_several_kinds_in_one_text_are_each_counted():
    counts = counts_empty()
    text = "홍길동 010-1111-2222, 900101-1234567, a@b.kr, 다시 010-3333-4444"
    redacted = redact(text, counts)
    assert redacted == "홍길동 [전화번호], [주민등록번호], [이메일], 다시 [전화번호]"
    assert counts["mobile_phone"] == 2
    assert counts["resident_registration_number"] == 1
    assert counts["email"] == 1
    assert set(counts) == set(KIND_NAMES)
