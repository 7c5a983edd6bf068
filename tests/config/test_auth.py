"""Sign-in: throttled per username and network; a second factor in production settings."""
import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import roles
from tests.factories import OrganizerFactory


def login(client, username, password="pass", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra},
                       REMOTE_ADDR="203.0.113.9")


@pytest.mark.django_db
def test_guessing_a_password_is_throttled_even_with_the_right_one(settings, fresh_cache):
    settings.LOGIN_LIMITS = {"username": "3/15m", "network": "100/h"}
    OrganizerFactory(username="minji")
    client = Client()
    assert [login(client, "minji", "wrong").status_code for _ in range(3)] == [200, 200, 200]
    # The fourth attempt is refused before the password is looked at, right or wrong.
    refused = login(client, "minji", "pass")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "로그인 시도가 너무 많습니다" in refused.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_network_cannot_spray_many_usernames(settings, fresh_cache):
    settings.LOGIN_LIMITS = {"username": "100/15m", "network": "2/h"}
    statuses = [login(Client(), f"user{n}", "x").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_production_asks_for_the_authenticator_code(settings, fresh_cache):
    settings.TWO_FACTOR_REQUIRED = True
    organizer = OrganizerFactory(username="sora")
    device = TOTPDevice.objects.create(user=organizer, name="phone", confirmed=True)
    client = Client()

    page = client.get("/accounts/login/")
    assert 'name="otp_token"' in page.content.decode()
    without_code = login(client, "sora")
    assert without_code.status_code == 200
    assert "인증 앱의 6자리 코드를 입력해 주세요" in without_code.content.decode()
    wrong_code = login(client, "sora", otp_token="000000" if totp(device.bin_key) else "111111")
    assert "_auth_user_id" not in client.session, wrong_code.content.decode()[:500]

    # (django-otp then holds the device back a second or more; that is its own brute-force guard)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    signed_in = login(client, "sora", otp_token=code)
    assert signed_in.status_code == 302, signed_in.content.decode()[-1500:]
    # The session now carries the second factor: the next request is verified.
    assert client.get("/").wsgi_request.user.is_verified()


@pytest.mark.django_db
def test_a_password_only_session_is_not_an_organizer_in_production(settings, client):
    settings.TWO_FACTOR_REQUIRED = True
    organizer = OrganizerFactory()
    client.force_login(organizer)  # a session without the second factor
    from django.test import RequestFactory

    request = RequestFactory().get("/console/")
    request.user = organizer
    request.user.is_verified = lambda: False
    with pytest.raises(roles.LoginRequired):
        roles.organizer_check(request)
    settings.TWO_FACTOR_REQUIRED = False
    roles.organizer_check(request)


@pytest.mark.django_db
def test_a_one_time_static_code_bootstraps_the_first_organizer(settings, fresh_cache):
    from django.core.management import call_command
    from io import StringIO

    settings.TWO_FACTOR_REQUIRED = True
    OrganizerFactory(username="first")
    out = StringIO()
    call_command("addstatictoken", "first", stdout=out)
    code = out.getvalue().strip()
    client = Client()
    assert login(client, "first", otp_token=code).status_code == 302
    # The code works once.
    assert login(Client(), "first", otp_token=code).status_code == 200
