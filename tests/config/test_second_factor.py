"""The side doors of the second factor: a password reset never leads to an enrolment, an
enrolment needs a factor already proven or the expert's own invitation, accounts that must have
an authenticator reach nothing else until they have one, and every throttle counts one identity.
"""
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import ContestFactory, ExpertUserFactory, OrganizerFactory, UserFactory

ADDRESS = "203.0.113.9"
PASSWORD = "s3cret-Passw0rd!"


def login(client, username, password="pass", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra},
                       REMOTE_ADDR=ADDRESS)


def reset_link(client, email) -> str:
    """Ask for a password reset for `email`; return the mailed link's path."""
    mail.outbox.clear()
    asked = client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ADDRESS)
    assert asked.status_code == 302
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)


def code_of(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def nothing_gained(client, user):
    """The attacker's browser holds no session of `user`, the account no new device, and
    neither the admin nor the console answers it."""
    assert "_auth_user_id" not in client.session
    assert not TOTPDevice.objects.filter(user=user).exists()
    for path in ("/admin/", "/console/", "/accounts/second-factor/"):
        assert client.get(path).status_code != 200, path


def the_reset_attack(client, user):
    """Issue 30's finding 1: a reset link opened as the expert's welcome page, then the
    enrolment page. Return the answers."""
    path = reset_link(client, user.email)
    uid, token = path.rstrip("/").split("/")[-2:]
    welcome = client.get(f"/expert/welcome/{uid}/{token}/", follow=True)
    set_password = client.post(welcome.redirect_chain[-1][0] if welcome.redirect_chain
                               else f"/expert/welcome/{uid}/{token}/",
                               {"new_password1": PASSWORD, "new_password2": PASSWORD})
    return welcome, set_password


@pytest.fixture
def production(settings, fresh_cache):
    settings.TWO_FACTOR_REQUIRED = True
    settings.LOGIN_LIMITS = {"username": "100/15m", "network": "1000/h"}
    ContestFactory()  # the console has a contest to show
    return settings


@pytest.mark.django_db
def test_a_reset_link_never_opens_the_welcome_page_of_an_expert_without_a_device(production):
    expert = ExpertUserFactory(email="kim@example.org")
    client = Client()
    welcome, set_password = the_reset_attack(client, expert)
    assert welcome.context["validlink"] is False
    nothing_gained(client, expert)
    expert.refresh_from_db()
    assert expert.check_password("pass")  # the reset page's token did not set a password here


@pytest.mark.django_db
def test_a_superuser_with_static_tokens_cannot_be_reset_into_an_enrolment(production):
    admin = UserFactory(username="admin", email="admin@example.org", is_staff=True, is_superuser=True)
    call_command("addstatictoken", "admin", stdout=StringIO())
    client = Client()
    welcome, _ = the_reset_attack(client, admin)
    assert welcome.context["validlink"] is False
    nothing_gained(client, admin)
    # Django's own reset page sets the password, and that is all a reset does.
    path = reset_link(client, admin.email)
    page = client.get(path, follow=True)
    done = client.post(page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302
    nothing_gained(client, admin)
    # Signing in with the new password alone is the one failed sign-in.
    assert login(client, "admin", PASSWORD).status_code == 200
    nothing_gained(client, admin)


@pytest.mark.django_db
def test_the_welcome_page_refuses_staff_and_organizers_even_with_their_own_invitation(production):
    from expert.onboarding import invitation_link

    for user in (OrganizerFactory(roles=["organizers", "experts"]),
                 ExpertUserFactory(is_staff=True), ExpertUserFactory(is_superuser=True)):
        user.set_unusable_password()
        user.save()
        client = Client()
        page = client.get(invitation_link(user=user, base_url=""), follow=True)
        assert page.context["validlink"] is False
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_organizers_first_sign_in_leads_to_the_enrolment_and_nowhere_else(production):
    organizer = OrganizerFactory(username="first")
    out = StringIO()
    call_command("addstatictoken", "first", stdout=out)
    client = Client()
    # Given a first sign-in with the one-time code
    signed_in = login(client, "first", otp_token=out.getvalue().strip())
    assert signed_in.status_code == 302
    # Then every page leads to the enrolment, and the API refuses clearly
    for path in ("/console/", "/", "/expert/", "/admin/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/second-factor/"), path
    refused = client.get("/api/expert/next")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "second_factor_required"
    # When the page shows a QR code drawn by the site and the key, with the issuer named
    page = client.get("/accounts/second-factor/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body
    assert "issuer=K-AI%20%EC%95%84%EB%A0%88%EB%82%98" in body
    device = TOTPDevice.objects.get(user=organizer, confirmed=False)
    # ... a wrong code changes nothing, the right one confirms it and shows recovery codes once
    assert client.post("/accounts/second-factor/", {"otp_token": "12345"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=organizer, confirmed=True).exists()
    done = client.post("/accounts/second-factor/", {"otp_token": code_of(device)})
    assert done.status_code == 200
    codes = re.findall(r'<li class="recovery-code"><code>(\w+)</code></li>', done.content.decode())
    assert len(codes) == 10
    assert client.get("/console/").status_code == 200
    again = client.get("/accounts/second-factor/")
    assert again.status_code == 302 and not any(code in again.content.decode() for code in codes)
    # And a recovery code signs in once, in place of the phone
    assert login(Client(), "first", otp_token=codes[0]).status_code == 302
    assert login(Client(), "first", otp_token=codes[0]).status_code == 200
    assert StaticDevice.objects.filter(user=organizer).exists()


@pytest.mark.django_db
def test_a_password_only_session_is_refused_the_enrolment_with_the_sign_in_answer(production):
    organizer = OrganizerFactory()
    client = Client()
    client.force_login(organizer)  # a session without any second factor
    answer = client.get("/accounts/second-factor/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/second-factor/", {"otp_token": "123456"})["Location"].startswith("/accounts/login/")
    assert not TOTPDevice.objects.filter(user=organizer).exists()


# Ways to write "admin2" that Django's sign-in form turns back into "admin2" (or that the
# username's case alone tells apart).
RESPELLINGS = [
    "admin2", "admin2\t", " admin2 ", "\tadmin2", "admin2\n", "\r\nadmin2", "ａｄｍｉｎ２",
    " ａｄｍｉｎ２\t", "ADMIN2", "Admin2", "ＡＤＭＩＮ２", "admin２", "ａdmin2", "\u3000admin2",
    "admin2\u3000", "\u00a0admin2", "admin2\u00a0", "\u2003admin2", "aDmIn2 ", "\x0badmin2\x0c",
]


@pytest.mark.django_db
def test_twenty_respellings_of_one_username_share_one_counter(settings, fresh_cache):
    settings.LOGIN_LIMITS = {"username": f"{len(RESPELLINGS)}/15m", "network": "1000/h"}
    UserFactory(username="admin2", password="pass", is_staff=True, is_superuser=True)
    assert len(set(RESPELLINGS)) == 20
    # Given one wrong password under each spelling
    for spelling in RESPELLINGS:
        assert login(Client(), spelling, "wrong").status_code == 200, repr(spelling)
    # Then the right password is refused under every spelling, unchecked
    for spelling in RESPELLINGS:
        client = Client()
        assert login(client, spelling).status_code == 429, repr(spelling)
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_is_throttled_like_sign_in(settings, fresh_cache):
    settings.LOGIN_LIMITS = {"username": "3/15m", "network": "1000/h"}
    UserFactory(username="admin", email="admin@example.org")
    answers = [Client().post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=ADDRESS)
               for email in ("admin@example.org", " ADMIN@example.org", "ａｄｍｉｎ@example.org\t",
                             "admin@example.org", "Admin@Example.org")]
    # (the full-width spelling is no e-mail address to the form, and counts all the same)
    assert [a.status_code for a in answers] == [302, 302, 200, 429, 429]
    assert "요청이 너무 많습니다" in answers[-1].content.decode() and int(answers[-1]["Retry-After"]) > 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_password_reset_is_throttled_per_network(settings, fresh_cache):
    settings.LOGIN_LIMITS = {"username": "100/15m", "network": "2/h"}
    statuses = [Client().post("/accounts/password_reset/", {"email": f"u{n}@example.org"},
                              REMOTE_ADDR=ADDRESS).status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def same_page(one, other) -> bool:
    """Whether two answers look the same to the visitor (each page has its own CSRF token, and
    its own address in the language switch)."""
    token = re.compile(r'name="(csrfmiddlewaretoken|next)" (type="hidden" )?value="[^"]*"')
    return (one.status_code == other.status_code
            and token.sub("", one.content.decode()) == token.sub("", other.content.decode()))


@pytest.mark.django_db
def test_every_link_the_welcome_page_refuses_gets_one_answer(production):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from expert.onboarding import invitation_link

    def uid(user):
        return urlsafe_base64_encode(force_bytes(user.pk))

    expert = ExpertUserFactory()
    organizer = OrganizerFactory(roles=["organizers", "experts"])
    enrolled = ExpertUserFactory()
    TOTPDevice.objects.create(user=enrolled, name="phone", confirmed=True)
    refused = [
        Client().get(f"/expert/welcome/{uid(expert)}/not-a-token/", follow=True),
        Client().get(f"/expert/welcome/{uid(expert)}/{default_token_generator.make_token(expert)}/", follow=True),
        Client().get(invitation_link(user=organizer, base_url=""), follow=True),
        Client().get(invitation_link(user=enrolled, base_url=""), follow=True),
        Client().get("/expert/welcome/bm9ib2R5/x-x/", follow=True),
    ]
    for answer in refused[1:]:
        assert same_page(answer, refused[0])
    assert refused[0].context["validlink"] is False


@pytest.mark.django_db
def test_codes_tried_at_the_enrolment_are_throttled_per_account(production):
    production.LOGIN_LIMITS = {"username": "2/15m", "network": "1000/h"}
    organizer = OrganizerFactory(username="first")
    out = StringIO()
    call_command("addstatictoken", "first", stdout=out)
    client = Client()
    login(client, "first", otp_token=out.getvalue().strip())
    assert client.get("/accounts/second-factor/").status_code == 200
    device = TOTPDevice.objects.get(user=organizer)
    assert [client.post("/accounts/second-factor/", {"otp_token": "1"}).status_code
            for _ in range(2)] == [200, 200]
    # The third try is refused unread, the right code included
    refused = client.post("/accounts/second-factor/", {"otp_token": code_of(device)})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert not TOTPDevice.objects.filter(user=organizer, confirmed=True).exists()


@pytest.mark.django_db
def test_the_key_and_the_recovery_codes_are_kept_out_of_caches(production):
    organizer = OrganizerFactory(username="first")
    out = StringIO()
    call_command("addstatictoken", "first", stdout=out)
    client = Client()
    login(client, "first", otp_token=out.getvalue().strip())
    page = client.get("/accounts/second-factor/")
    assert "no-store" in page["Cache-Control"]
    done = client.post("/accounts/second-factor/",
                       {"otp_token": code_of(TOTPDevice.objects.get(user=organizer))})
    assert "recovery-code" in done.content.decode() and "no-store" in done["Cache-Control"]
