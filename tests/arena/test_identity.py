"""The identity-leak matcher (pure) and how a leak reaches the battle API and the stored vote."""
import pytest
from django.test import Client

from arena import identity
from arena.models import Response
from contest.management.commands.seed_demo import IDENTITY_TERMS
from tests.conftest import notice_accept
from voting.models import Vote

PROGRAMME = tuple(
    (slug, tuple(identity.terms_parse(raw))) for slug, raw in sorted(IDENTITY_TERMS.items())
)


def leak_teams(answer: str, prompts=("오늘 날씨 어때?",)) -> set[str]:
    matcher = identity.matcher_for(PROGRAMME)
    return {leak.team for leak in matcher.leaks(prompts=list(prompts), answers={"a": [answer]})}


@pytest.mark.parametrize(
    "answer, team",
    [
        ("저는 LG AI연구원에서 개발한 EXAONE입니다.", "lg-ai-research"),
        ("엑사원입니다. 무엇을 도와드릴까요?", "lg-ai-research"),
        ("ＥＸＡＯＮＥ 3.5 모델로서 답합니다.", "lg-ai-research"),  # full-width
        ("exaone-3.5가 답합니다", "lg-ai-research"),
        ("E\u200bXAONE", "lg-ai-research"),  # zero-width space inside
        ("LG의 인공지능입니다", "lg-ai-research"),
        ("저는 Hyper CLOVA X 입니다", "naver-cloud"),
        ("하이퍼 클로바가 준비한 답변", "naver-cloud"),
        ("네이버에서 만들었어요", "naver-cloud"),
        ("A.X는 SK텔레콤의 모델입니다", "skt"),
        ("SK 텔레콤이 만든 에이닷", "skt"),
        ("I am Solar, a model by Upstage", "upstage"),
        ("제가 바로 솔라입니다", "upstage"),
        ("엔씨소프트 VARCO 입니다", "nc-ai"),
        ("바르코라고 불러 주세요", "nc-ai"),
    ],
)
def test_names_of_teams_and_models_are_found_in_every_form(answer, team):
    assert team in leak_teams(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Solar energy and solar panels are cheaper every year.",  # ambiguous, no self-reference
        "솔라 패널을 지붕에 설치하면 전기 요금이 줄어듭니다.",
        "The algorithm runs in lg n time.",  # LG inside a word, lg lowercase
        "Use `nc -l 8080` to listen; self.a.x = 1 sets an attribute.",
        "Solaris was an operating system.",
        "We need an ax to cut the wood.",
        "레퍼런씨는 오타입니다.",
        "조선 시대 과거 제도는 문과와 무과로 나뉘었습니다.",
    ],
)
def test_ordinary_words_are_not_leaks(answer):
    assert leak_teams(answer) == set()


def test_text_the_citizen_wrote_and_the_model_quotes_is_not_a_leak():
    prompts = ["EXAONE과 Solar를 비교해 줘"]
    assert leak_teams("EXAONE은 LG가 만든 모델이고 Solar는 업스테이지의 모델입니다.", prompts) == set()
    # But a side that says it is the model the citizen named still gives itself away.
    assert leak_teams("저는 EXAONE입니다. 제 장점은 다음과 같습니다.", prompts) == {"lg-ai-research"}


def test_a_later_turn_and_either_side_are_checked():
    matcher = identity.matcher_for(PROGRAMME)
    leaks = matcher.leaks(
        prompts=["시 한 편 써 줘", "더 짧게"],
        answers={"a": ["가을 시", "짧은 시"], "b": ["봄 시", "저는 VARCO입니다"]},
    )
    assert [(leak.team, leak.side) for leak in leaks] == [("nc-ai", "b")]


@pytest.mark.parametrize(
    "prompt",
    ["너는 누구야? 어느 회사가 만들었어?", "넌 어떤 AI야", "네 이름이 뭐야", "누가 너를 만들었니",
     "무슨 모델이야?", "Who are you?", "Who made you?", "What model are you", "what is your name"],
)
def test_prompts_asking_who_the_model_is_are_flagged(prompt):
    assert identity.identity_prompt(prompt)


@pytest.mark.parametrize(
    "prompt",
    ["김치 만든 방법 알려줘", "어떤 모델의 노트북이 좋아?", "교통 정체 해결책은?", "어머니는 누구야 라는 노래",
     "Who are the founders of Korea's film industry?"],
)
def test_ordinary_prompts_are_not_flagged(prompt):
    assert not identity.identity_prompt(prompt)


def test_terms_are_parsed_from_lines_and_commas():
    assert identity.terms_parse("엑사원, EXAONE\nLG\n\n ,") == ["엑사원", "EXAONE", "LG"]


# The API and the stored vote ------------------------------------------------------------


@pytest.fixture
def leaky_battle(db, entrants):
    for entrant in entrants:
        entrant.team.identity_terms = f"{entrant.display_name}, 팀{entrant.pk}호"
        entrant.team.save()
    client = notice_accept(Client())
    battle_id = client.post(
        "/api/battles", {"prompt": "시 한 편 써 줘"}, content_type="application/json"
    ).json()["id"]
    return client, battle_id


def finish(battle_id, text_a, text_b):
    for side, text in (("a", text_a), ("b", text_b)):
        Response.objects.filter(turn__battle_id=battle_id, side=side).update(
            status=Response.Status.DONE, text=text, ttft_ms=120, total_ms=900
        )


def test_citizen_is_told_before_voting_and_vote_is_stored_with_the_reason(leaky_battle):
    client, battle_id = leaky_battle
    vote = Response.objects.filter(turn__battle_id=battle_id, side="b").get()
    finish(battle_id, "가을 하늘 시", f"저는 {vote.entrant.display_name}입니다. 시를 쓰겠습니다.")

    # Before the vote the API says the vote will not count, and shows no timings
    state = client.get(f"/api/battles/{battle_id}").json()
    assert state["excluded"] == identity.REASON_LEAK
    assert state["reveal"] is None
    assert all(turn[side]["ttft_ms"] is None and turn[side]["total_ms"] is None
               for turn in state["turns"] for side in "ab")

    # When they vote anyway, the vote is stored with its reason and left out of the dataset's count
    voted = client.post(f"/api/battles/{battle_id}/vote", {"choice": "b"}, content_type="application/json")
    assert voted.status_code == 200
    assert Vote.objects.get(battle_id=battle_id).excluded == identity.REASON_LEAK
    after = client.get(f"/api/battles/{battle_id}").json()
    assert after["excluded"] == identity.REASON_LEAK
    assert after["turns"][0]["a"]["ttft_ms"] == 120  # timings only after the vote


def test_identity_prompt_excludes_the_vote(db, entrants):
    client = notice_accept(Client())
    battle_id = client.post(
        "/api/battles", {"prompt": "너는 누구야? 어느 회사가 만들었어?"}, content_type="application/json"
    ).json()["id"]
    finish(battle_id, "비밀입니다.", "말씀드릴 수 없어요.")

    assert client.get(f"/api/battles/{battle_id}").json()["excluded"] == identity.REASON_PROMPT
    client.post(f"/api/battles/{battle_id}/vote", {"choice": "a"}, content_type="application/json")
    assert Vote.objects.get(battle_id=battle_id).excluded == identity.REASON_PROMPT


def test_clean_battle_counts(leaky_battle):
    client, battle_id = leaky_battle
    finish(battle_id, "가을 하늘 시", "봄바람 시")

    assert client.get(f"/api/battles/{battle_id}").json()["excluded"] is None
    client.post(f"/api/battles/{battle_id}/vote", {"choice": "a"}, content_type="application/json")
    assert Vote.objects.get(battle_id=battle_id).excluded == ""


def test_every_format_character_is_dropped_and_nothing_else():
    import sys
    import unicodedata

    from arena.identity import normalise

    format_characters = "".join(
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"
    )
    assert normalise(f"엑{format_characters}사원 EXA{format_characters}ONE") == "엑사원 EXAONE"
    kept = "저는 ＥＸＡＯＮＥ입니다 — 漢字 “인용” café ½"
    assert normalise(kept) == unicodedata.normalize("NFKC", kept)
