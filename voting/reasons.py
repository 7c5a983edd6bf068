"""The reasons a citizen may give after voting (optional, ComparIA-style): which tags go with
which choice, and the one check of a set of tags.

A choice of one side or a tie is explained by what was good (the chosen answer was more
accurate, more detailed, ...); "both bad" by what was wrong. The tags are stable slugs (the
published `vote-reasons.jsonl` carries them, voting/companions.py); the labels are what the page shows.
"""
from django.utils.translation import gettext_lazy as _

GOOD = {
    "accurate": _("정확함"),
    "detailed": _("자세함"),
    "concise": _("간결함"),
    "natural_korean": _("자연스러운 한국어"),
    "safe": _("안전함"),
    "grounded": _("출처·근거"),
}
BAD = {
    "inaccurate": _("틀린 내용"),
    "off_topic": _("질문과 동떨어짐"),
    "awkward_korean": _("어색한 한국어"),
    "verbose": _("장황함"),
    "unsafe": _("위험하거나 부적절함"),
    "unsupported": _("근거 없음"),
}
# The tags each vote's choice (voting.models.Vote.Choice) may be explained with.
TAGS_BY_CHOICE = {"a": GOOD, "b": GOOD, "tie": GOOD, "both_bad": BAD}
# A set holds each tag at most once, so no set is longer than the longest list.
MAX_TAGS = max(len(tags) for tags in TAGS_BY_CHOICE.values())


def reasons_refusal(choice: str, reasons: object) -> str | None:
    """Return why `reasons` cannot explain a vote of `choice` (a message to show), or None.

    A valid set is a list of distinct tags of that choice (an empty list withdraws them).
    """
    allowed = TAGS_BY_CHOICE[choice]
    if not isinstance(reasons, list) or not all(isinstance(tag, str) for tag in reasons):
        return _("reasons는 태그 문자열의 목록이어야 합니다.")
    if len(reasons) > MAX_TAGS:
        return _("태그는 %(n)s개까지 고를 수 있습니다.") % {"n": MAX_TAGS}
    if len(set(reasons)) != len(reasons):
        return _("같은 태그를 두 번 고를 수 없습니다.")
    unknown = [tag for tag in reasons if tag not in allowed]
    if unknown:
        return _("이 투표에 고를 수 없는 태그입니다: %(tags)s (가능한 값: %(allowed)s)") % {
            "tags": ", ".join(unknown), "allowed": ", ".join(allowed)}
    return None


# A comment beside the tags is a sentence or two, not an essay: short enough to read on a
# board, long enough to say what the tags cannot.
COMMENT_MAX_CHARS = 200


def comment_clean(comment: object) -> str:
    """Return the comment as stored (surrounding blanks dropped); "" for none."""
    return comment.strip() if isinstance(comment, str) else ""


def comment_refusal(comment: object) -> str | None:
    """Return why `comment` cannot be stored beside a vote's tags (a message to show), or None."""
    if comment is not None and not isinstance(comment, str):
        return _("comment는 문자열이어야 합니다.")
    if len(comment_clean(comment)) > COMMENT_MAX_CHARS:
        return _("한마디는 %(n)s자까지 쓸 수 있습니다.") % {"n": COMMENT_MAX_CHARS}
    return None


def reasons_canonical(choice: str, reasons: list[str]) -> list[str]:
    """Return the tags in the fixed order of their choice's list (how they are stored)."""
    return [tag for tag in TAGS_BY_CHOICE[choice] if tag in reasons]


# What the battle page asks after each choice, with the tags it offers (in this order).
QUESTIONS = (
    {"choices": ("a", "b"), "question": _("고른 답변은 어떤 점이 더 나았나요? (선택)"), "tags": GOOD},
    {"choices": ("tie",), "question": _("두 답변은 어떤 점이 좋았나요? (선택)"), "tags": GOOD},
    {"choices": ("both_bad",), "question": _("두 답변은 무엇이 아쉬웠나요? (선택)"), "tags": BAD},
)
