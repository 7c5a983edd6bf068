"""Prompt-set import (CSV, JSONL, XLSX: all or nothing, bad rows named) and expert invitations."""
import io
import json

import pytest
from django.core import mail

from core.errors import InvalidInput
from expert.exceptions import ImportRejected
from expert.models import ExpertProfile, Prompt, PromptSet
from expert.onboarding import expert_invite, prompt_set_import, prompts_parse
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_CSV = "domain,prompt,note\n법률,전세 계약 해지 절차를 알려 줘,주택임대차보호법\ncoding,파이썬 리스트 뒤집기,\n".encode()


@pytest.mark.parametrize(
    "filename, content",
    [
        ("set.csv", GOOD_CSV),
        ("set.csv", b"\xef\xbb\xbf" + GOOD_CSV),  # Excel's UTF-8 CSV starts with a BOM
        ("set.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in [
            {"domain": "law", "prompt": "전세 계약 해지 절차를 알려 줘", "note": "주택임대차보호법"},
            {"domain": "코딩", "prompt": "파이썬 리스트 뒤집기"}]).encode()),
        ("set.xlsx", xlsx([["domain", "prompt", "note"], ["법률", "전세 계약 해지 절차를 알려 줘", "주택임대차보호법"],
                           ["coding", "파이썬 리스트 뒤집기", None]])),
    ],
    ids=["csv", "csv-bom", "jsonl", "xlsx"],
)
def test_each_format_imports_the_same_prompts(contest, filename, content):
    prompt_set = prompt_set_import(contest=contest, title="법률·코딩", filename=filename, content=content)
    prompts = list(prompt_set.prompts.values_list("domain", "text", "note"))
    assert prompts == [("law", "전세 계약 해지 절차를 알려 줘", "주택임대차보호법"), ("coding", "파이썬 리스트 뒤집기", "")]


@pytest.mark.parametrize(
    "filename, content",
    [
        ("bad.csv", "domain,prompt\n법률,좋은 질문\n우주항공,질문 둘\n코딩,\n법률,좋은 질문\n".encode()),
        ("bad.jsonl", "\n".join([
            json.dumps({"domain": "law", "prompt": "좋은 질문"}),
            json.dumps({"domain": "우주항공", "prompt": "질문 둘"}),
            json.dumps({"domain": "coding", "prompt": ""}),
            json.dumps({"domain": "law", "prompt": "좋은 질문"}),
        ]).encode()),
        ("bad.xlsx", xlsx([["domain", "prompt"], ["법률", "좋은 질문"], ["우주항공", "질문 둘"], ["코딩", None],
                           ["법률", "좋은 질문"]])),
    ],
    ids=["csv", "jsonl", "xlsx"],
)
def test_a_file_with_bad_rows_imports_nothing_and_names_each_bad_row(contest, filename, content):
    with pytest.raises(ImportRejected) as rejected:
        prompt_set_import(contest=contest, title="세트", filename=filename, content=content)
    by_row = {row["row"]: " ".join(row["errors"]) for row in rejected.value.rows}
    first = 1 if filename.endswith(".jsonl") else 2
    assert sorted(by_row) == [first + 1, first + 2, first + 3]
    assert "우주항공" in by_row[first + 1]
    assert "비어" in by_row[first + 2]
    assert f"{first}행과 같은 질문" in by_row[first + 3]
    assert not PromptSet.objects.exists() and not Prompt.objects.exists()


def test_a_line_that_is_not_json_is_a_bad_row(contest):
    with pytest.raises(ImportRejected) as rejected:
        prompts_parse(filename="x.jsonl", content=b'{"domain": "law", "prompt": "q"}\nnot json\n')
    assert rejected.value.rows == [{"row": 2, "errors": ["JSON 객체가 아닙니다."]}]


@pytest.mark.parametrize(
    "filename, content",
    [("x.txt", b"domain,prompt\n"), ("x.csv", b""), ("x.xlsx", b"not a workbook"), ("x.csv", "\ud55c".encode("utf-16"))],
)
def test_unreadable_files_are_refused_clearly(contest, filename, content):
    with pytest.raises(InvalidInput):
        prompt_set_import(contest=contest, title="세트", filename=filename, content=content)
    assert not PromptSet.objects.exists()


def test_an_invited_expert_gets_a_one_time_link_and_a_profile(contest, client, django_capture_on_commit_callbacks):
    team = TeamFactory()
    with django_capture_on_commit_callbacks(execute=True):
        profile = expert_invite(email="Kim@Example.org", domains=["law", "finance"], affiliations="OO대학교",
                                conflicts=[team], base_url="http://testserver")
    assert profile.user.username == "kim@example.org" and not profile.user.has_usable_password()
    assert list(profile.conflicts.all()) == [team]
    assert profile.pseudonym.startswith("E-")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kim@example.org"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/expert/welcome/" in line)
    path = link.replace("http://testserver", "")
    # The link lets the expert choose a password once, then log in.
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    done = client.post(form_url, {"new_password1": "s3cret-Passw0rd!", "new_password2": "s3cret-Passw0rd!"})
    assert done.status_code == 302
    profile.user.refresh_from_db()
    assert profile.user.check_password("s3cret-Passw0rd!")
    assert client.get(path, follow=True).context["validlink"] is False


def test_invitation_refuses_bad_input_and_creates_nothing(contest):
    with pytest.raises(InvalidInput):
        expert_invite(email="not-an-address", domains=["law"], base_url="http://testserver")
    with pytest.raises(InvalidInput):
        expert_invite(email="a@example.org", domains=["astrology"], base_url="http://testserver")
    with pytest.raises(InvalidInput):  # a valid address, longer than a username holds
        expert_invite(email="a" * 60 + "@" + "b" * 60 + "." + "c" * 40 + ".org", domains=["law"],
                      base_url="http://testserver")
    assert not ExpertProfile.objects.exists()
    from django.contrib.auth.models import User

    assert not User.objects.filter(username="a@example.org").exists()


def test_with_two_factor_required_the_invited_expert_adds_an_authenticator(contest, client, settings, django_capture_on_commit_callbacks):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    with django_capture_on_commit_callbacks(execute=True):
        expert_invite(email="lee@example.org", domains=["law"], base_url="http://testserver")
    path = next(line for line in mail.outbox[0].body.splitlines() if "/expert/welcome/" in line).replace("http://testserver", "")
    page = client.get(path, follow=True)
    done = client.post(page.redirect_chain[-1][0], {"new_password1": "s3cret-Passw0rd!", "new_password2": "s3cret-Passw0rd!"})
    assert done.url == "/accounts/second-factor/"
    assert client.get("/expert/").status_code == 302  # not signed in until the second factor
    setup = client.get("/accounts/second-factor/")
    assert setup.context["key"]
    wrong = client.post("/accounts/second-factor/", {"otp_token": "000000"})
    assert wrong.context["error"] and not TOTPDevice.objects.filter(confirmed=True).exists()
    device = TOTPDevice.objects.get(user__username="lee@example.org")
    right = client.post("/accounts/second-factor/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert right.status_code == 200 and 'href="/expert/"' in right.content.decode()  # the recovery codes, then on
    assert client.get("/expert/").status_code == 200
    # A confirmed device cannot be replaced from the session.
    assert client.get("/accounts/second-factor/").url == "/expert/"
