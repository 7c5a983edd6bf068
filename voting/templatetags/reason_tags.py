"""The reason tags offered after a vote, for the battle page (templates/arena/battle.html).

A template tag, so that the page (an arena template) shows voting's tags without the arena's
view importing voting (the layers point down: arena never imports voting).
"""
from django import template

from voting.reasons import QUESTIONS

register = template.Library()


@register.simple_tag
def reason_questions() -> tuple[dict, ...]:
    """Return each question the page may ask after a vote: its choices, words and tags."""
    return tuple({**question, "choices": " ".join(question["choices"]),
                  "tags": list(question["tags"].items())} for question in QUESTIONS)
