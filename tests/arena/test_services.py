import random
from datetime import timedelta

import pytest
from django.utils import timezone

from arena import services
from arena.exceptions import (
    BattleNotFound,
    ContestNotOpen,
    NoEntrantsAvailable,
    NotBattleOwner,
    PromptEmpty,
    PromptTooLong,
    TurnNotAllowed,
)
from arena.models import Battle, Response
from arena.selectors import battle_state, conversation_for
from contest.models import Contest
from core.errors import InvalidInput
from tests.factories import CategoryFactory, EntrantFactory

pytestmark = pytest.mark.django_db


def finish_turn(battle, *, texts=("A 답", "B 답"), status=Response.Status.DONE):
    turn = battle.turns.order_by("-index").first()
    for response, text in zip(turn.responses.order_by("side"), texts):
        response.status = status
        response.text = text
        response.save()
    return turn


def test_battle_start_pairs_two_distinct_entrants_with_one_pending_turn(entrants):
    battle = services.battle_start(session_key="s1", prompt="  한국의 수도는?  ")

    assert battle.entrant_a != battle.entrant_b
    assert {battle.entrant_a, battle.entrant_b} <= set(entrants)
    turn = battle.turns.get()
    assert turn.prompt == "한국의 수도는?"
    assert sorted(turn.responses.values_list("side", "status")) == [
        ("a", "pending"),
        ("b", "pending"),
    ]


def test_battle_start_with_injected_rng_is_reproducible(entrants):
    first = services.battle_start(session_key="s", prompt="질문", rng=random.Random(3))
    second = services.battle_start(session_key="s", prompt="질문", rng=random.Random(3))
    assert (first.entrant_a, first.entrant_b) == (second.entrant_a, second.entrant_b)


@pytest.mark.parametrize(
    "prompt, error",
    [("", PromptEmpty), ("   \n\t", PromptEmpty), (None, InvalidInput), (42, InvalidInput),
     (["질문"], InvalidInput), ("가" * 4001, PromptTooLong)],
)
def test_bad_prompts_are_refused_and_nothing_is_stored(entrants, prompt, error):
    with pytest.raises(error):
        services.battle_start(session_key="s1", prompt=prompt)
    assert Battle.objects.count() == 0


def test_prompt_at_the_limit_is_accepted(entrants, settings):
    battle = services.battle_start(session_key="s1", prompt="가" * settings.ARENA["PROMPT_MAX_CHARS"])
    assert len(battle.turns.get().prompt) == settings.ARENA["PROMPT_MAX_CHARS"]


@pytest.mark.parametrize("phase", [Contest.Phase.DRAFT, Contest.Phase.PAUSED, Contest.Phase.CLOSED])
def test_battle_start_refused_unless_contest_open(entrants, contest, phase):
    contest.phase = phase
    contest.save()
    with pytest.raises(ContestNotOpen):
        services.battle_start(session_key="s1", prompt="질문", contest=contest)
    assert Battle.objects.count() == 0


def test_disabled_and_failing_entrants_are_not_sampled(contest):
    healthy = [EntrantFactory(contest=contest) for _ in range(2)]
    EntrantFactory(contest=contest, enabled=False)
    EntrantFactory(contest=contest, consecutive_failures=3, last_failure_at=timezone.now())
    for _ in range(30):
        battle = services.battle_start(session_key="s", prompt="질문")
        assert {battle.entrant_a, battle.entrant_b} == set(healthy)


def test_failing_entrant_stays_out_however_long_ago_it_failed_until_a_probe_succeeds(contest):
    EntrantFactory(contest=contest)
    EntrantFactory(
        contest=contest,
        consecutive_failures=5,
        last_failure_at=timezone.now() - timedelta(hours=5),
    )
    with pytest.raises(NoEntrantsAvailable):
        services.battle_start(session_key="s", prompt="질문")


def test_fewer_than_two_healthy_entrants_is_a_clear_error(contest):
    EntrantFactory(contest=contest)
    with pytest.raises(NoEntrantsAvailable):
        services.battle_start(session_key="s", prompt="질문")


def test_unknown_category_is_refused_and_known_one_is_stored(entrants):
    with pytest.raises(InvalidInput):
        services.battle_start(session_key="s", prompt="질문", category_slug="nope")
    category = CategoryFactory()
    battle = services.battle_start(session_key="s", prompt="질문", category_slug=category.slug)
    assert battle.category == category


def test_follow_up_goes_to_both_sides_each_with_its_own_history(entrants):
    battle = services.battle_start(session_key="s1", prompt="첫 질문")
    finish_turn(battle, texts=("A의 첫 답", "B의 첫 답"))

    turn = services.turn_add(battle_id=battle.pk, session_key="s1", prompt="더 자세히")

    assert turn.index == 1
    a, b = turn.responses.order_by("side")
    assert conversation_for(a) == [
        {"role": "user", "content": "첫 질문"},
        {"role": "assistant", "content": "A의 첫 답"},
        {"role": "user", "content": "더 자세히"},
    ]
    assert conversation_for(b)[1] == {"role": "assistant", "content": "B의 첫 답"}


def test_the_contests_system_prompt_goes_first_to_both_sides_on_every_turn(entrants, contest):
    # One neutral text for every entrant (issue 21): the same for both sides, on follow-ups too.
    contest.system_prompt = "자신의 이름이나 만든 회사를 밝히지 마세요."
    contest.save()
    battle = services.battle_start(session_key="s1", prompt="첫 질문")
    system = {"role": "system", "content": "자신의 이름이나 만든 회사를 밝히지 마세요."}
    for response in battle.turns.get().responses.all():
        assert conversation_for(response) == [system, {"role": "user", "content": "첫 질문"}]
    finish_turn(battle, texts=("A의 첫 답", "B의 첫 답"))
    turn = services.turn_add(battle_id=battle.pk, session_key="s1", prompt="더 자세히")
    for response in turn.responses.all():
        sent = conversation_for(response)
        assert sent[0] == system and [m["role"] for m in sent].count("system") == 1
        assert sent[-1] == {"role": "user", "content": "더 자세히"}


def test_without_a_system_prompt_no_system_message_is_sent(entrants):
    battle = services.battle_start(session_key="s1", prompt="질문")
    for response in battle.turns.get().responses.all():
        assert conversation_for(response) == [{"role": "user", "content": "질문"}]


def test_follow_up_refused_while_streaming_after_failure_and_past_limit(entrants, settings):
    battle = services.battle_start(session_key="s1", prompt="질문")
    with pytest.raises(TurnNotAllowed):
        services.turn_add(battle_id=battle.pk, session_key="s1", prompt="다음")

    finish_turn(battle, status=Response.Status.ERROR)
    with pytest.raises(TurnNotAllowed):
        services.turn_add(battle_id=battle.pk, session_key="s1", prompt="다음")

    settings.ARENA = {**settings.ARENA, "MAX_TURNS": 1}
    finish_turn(battle)
    with pytest.raises(TurnNotAllowed):
        services.turn_add(battle_id=battle.pk, session_key="s1", prompt="다음")
    assert battle.turns.count() == 1


def test_follow_up_by_another_session_or_unknown_battle_is_refused(entrants):
    battle = services.battle_start(session_key="owner", prompt="질문")
    finish_turn(battle)
    with pytest.raises(NotBattleOwner):
        services.turn_add(battle_id=battle.pk, session_key="intruder", prompt="다음")
    with pytest.raises(BattleNotFound):
        services.turn_add(
            battle_id="00000000-0000-0000-0000-000000000000", session_key="owner", prompt="다음"
        )


def test_battle_state_hides_identity_before_the_vote(entrants):
    battle = services.battle_start(session_key="s1", prompt="질문")
    state = battle_state(battle)
    assert state["reveal"] is None
    flat = repr(state)
    for entrant in entrants:
        assert entrant.display_name not in flat
        assert entrant.team.name not in flat
        assert entrant.model not in flat


def test_response_fail_counts_entrant_failures_and_complete_resets_them(entrants):
    battle = services.battle_start(session_key="s1", prompt="질문")
    a, b = battle.turns.get().responses.order_by("side")
    assert services.response_fail(response_id=a.pk, code="timeout") is True
    # A side fails once: a second report of the same failure is not a second failure.
    assert services.response_fail(response_id=a.pk, code="timeout") is False
    a.entrant.refresh_from_db()
    assert a.entrant.consecutive_failures == 1
    services.response_begin(response_id=b.pk)
    services.response_complete(response_id=b.pk, text="답", ttft_ms=10, total_ms=20)
    b.refresh_from_db()
    assert (b.status, b.text, b.ttft_ms, b.total_ms) == ("done", "답", 10, 20)
