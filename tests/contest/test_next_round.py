"""The next round in one step: from a published contest, a draft with the advancing entrants,
the same settings and panel quotas, linked to the round before."""
import pytest

from contest.exceptions import NextRoundRefused
from contest.models import Contest, Panel
from contest.services import contest_next_round
from core.errors import InvalidInput
from tests.factories import ContestFactory, EntrantFactory

pytestmark = pytest.mark.django_db


def _published(**fields):
    contest = ContestFactory(phase=Contest.Phase.PUBLISHED, system_prompt="이름을 밝히지 마세요.",
                             paced_streams=False, pair_draw="decision", decision_board="combined",
                             **fields)
    entrants = [EntrantFactory(contest=contest, display_name=name)
                for name in ("A.X", "EXAONE", "HyperCLOVA X", "Solar", "VARCO")]
    Panel.objects.create(contest=contest, quotas={"gender": {"여성": 0.5, "남성": 0.5}})
    return contest, entrants


def test_the_next_round_takes_the_advancing_entrants_settings_and_link():
    contest, entrants = _published(advance_k=4)

    nxt = contest_next_round(contest=contest, advancing=["A.X", "EXAONE", "Solar", "VARCO"],
                             slug="round-2", title="2차 평가")

    assert nxt.phase == Contest.Phase.DRAFT and nxt.previous_round == contest
    assert sorted(nxt.entrants.values_list("display_name", flat=True)) == [
        "A.X", "EXAONE", "Solar", "VARCO"]
    copied = nxt.entrants.get(display_name="A.X")
    original = next(e for e in entrants if e.display_name == "A.X")
    assert (copied.team, copied.base_url, copied.model) == (original.team, original.base_url,
                                                           original.model)
    assert (nxt.system_prompt, nxt.paced_streams) == ("이름을 밝히지 마세요.", False)
    assert nxt.rule() == {**contest.rule(), "k": None}  # 4 of 4 cannot advance: declared anew
    assert nxt.panel.quotas == {"gender": {"여성": 0.5, "남성": 0.5}}
    assert list(contest.next_rounds.all()) == [nxt]


def test_k_carries_over_while_it_still_cuts():
    contest, _ = _published(advance_k=2)
    nxt = contest_next_round(contest=contest, advancing=["A.X", "EXAONE", "Solar"],
                             slug="round-2", title="2차")
    assert nxt.advance_k == 2


@pytest.mark.parametrize(("phase", "advancing", "slug", "error", "words"), [
    ("closed", ["A.X", "EXAONE"], "r2", NextRoundRefused, "발표한 대회"),
    ("published", ["A.X"], "r2", NextRoundRefused, "둘 이상"),
    ("published", "A.X,EXAONE", "r2", NextRoundRefused, "둘 이상"),
    ("published", ["A.X", "GPT"], "r2", InvalidInput, "GPT"),
    ("published", ["A.X", "EXAONE"], "", InvalidInput, ""),
    ("published", ["A.X", "EXAONE"], "not a slug!", InvalidInput, ""),
    ("published", ["A.X", "EXAONE"], "taken", InvalidInput, ""),
])
def test_bad_input_is_refused_and_writes_nothing(phase, advancing, slug, error, words):
    contest, _ = _published()
    contest.phase = phase
    contest.save()
    ContestFactory(slug="taken")
    before = Contest.objects.count()

    with pytest.raises(error) as refused:
        contest_next_round(contest=contest, advancing=advancing, slug=slug, title="2차")

    assert words in str(refused.value.message)
    assert Contest.objects.count() == before
