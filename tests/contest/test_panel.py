"""국민평가단: invite codes work once, profiles are validated, bad input changes nothing."""
import pytest
from django.test import Client

from contest.models import Panel, PanelInvite, PanelMember
from contest.services import panel_invites_create

PROFILE = {"age_band": "30대", "region": "부산", "gender": "여성", "ai_use": "매일"}


@pytest.fixture
def panel(contest):
    return Panel.objects.create(contest=contest, quotas={"gender": {"여성": 0.5, "남성": 0.5}})


def join(client, code, **profile):
    return client.post("/panel/join/", {"code": code, **PROFILE, **profile})


def test_a_citizen_joins_once_with_a_code(panel):
    [code] = panel_invites_create(panel=panel, count=1)
    citizen = Client()
    page = citizen.get("/panel/join/")
    assert "초대 코드" in page.content.decode()

    joined = join(citizen, code.lower())  # codes are typed by hand: case does not matter
    assert joined.status_code == 200
    assert "참여했습니다" in joined.content.decode()
    member = PanelMember.objects.get()
    assert member.profile() == PROFILE
    assert member.session_key == citizen.session.session_key

    # The code is spent: another browser cannot use it.
    refused = join(Client(), code)
    assert refused.status_code == 400
    assert "이미 사용되었습니다" in refused.content.decode()
    assert PanelMember.objects.count() == 1
    # The member's own browser still sees its membership.
    assert "참여했습니다" in citizen.get("/panel/join/").content.decode()


@pytest.mark.parametrize("code, profile", [
    ("NOSUCHCODE", {}),
    ("", {}),
    ("{code}", {"age_band": "200대"}),
    ("{code}", {"region": "화성"}),
    ("{code}", {"gender": ""}),
])
def test_bad_codes_and_profiles_change_nothing(panel, code, profile):
    [real] = panel_invites_create(panel=panel, count=1)
    response = join(Client(), code.format(code=real), **profile)
    assert response.status_code == 400
    assert PanelMember.objects.count() == 0
    assert PanelInvite.objects.get().used_at is None


def test_quotas_are_validated(contest):
    from django.core.exceptions import ValidationError

    for quotas in ({"height": {"tall": 1}}, {"gender": {"여성": 0.7, "남성": 0.7}},
                   {"gender": {"외계인": 1.0}}, {"gender": {}}, ["not", "a", "dict"]):
        with pytest.raises(ValidationError):
            Panel(contest=contest, quotas=quotas).full_clean()
    Panel(contest=contest, quotas={"region": {"서울": 0.2, "경기": 0.8}}).full_clean()


def test_invite_codes_are_unique_and_unambiguous(panel):
    codes = panel_invites_create(panel=panel, count=200)
    assert len(set(codes)) == 200
    assert not any(ch in code for code in codes for ch in "0O1IL")
