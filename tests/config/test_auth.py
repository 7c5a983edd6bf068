"""Sign-in: throttled per username and network; a second factor in production settings."""
import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import roles
from tests.factories import OrganizerFactory, UserFactory


def login(client, username, password="pass", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra},
                       REMOTE_ADDR="203.0.113.9")


def same_page(one, other) -> bool:
    """Whether two sign-in answers look the same to the visitor (each page has its own CSRF token)."""
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    return (one.status_code == other.status_code
            and token.sub("", one.content.decode()) == token.sub("", other.content.decode()))


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
    # ... and says the same to a wrong password: the answer tells nothing about the password.
    assert same_page(login(Client(), "sora", "wrong"), without_code)
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


def admin_login(client, username, password="pass", **extra):
    return client.post("/admin/login/", {"username": username, "password": password, **extra},
                       REMOTE_ADDR="203.0.113.9")


@pytest.mark.django_db
def test_the_admin_signs_in_through_the_consoles_sign_in(client):
    # Opening the admin's sign-in page leads to the one sign-in, and back to the admin after it
    page = client.get("/admin/login/?next=/admin/contest/")
    assert page.status_code == 302 and page["Location"] == "/accounts/login/?next=/admin/contest/"
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=/admin/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_admin_sign_in_attempts_count_with_the_consoles(settings, fresh_cache):
    settings.LOGIN_LIMITS = {"username": "3/15m", "network": "100/h"}
    UserFactory(username="admin", password="pass", is_staff=True, is_superuser=True)
    # Given three wrong passwords, tried at both doors
    assert admin_login(Client(), "admin", "wrong-1").status_code == 200
    assert login(Client(), "admin", "wrong-2").status_code == 200
    assert admin_login(Client(), "admin", "wrong-3").status_code == 200
    # Then neither door checks a fourth password, right or wrong
    for attempt in (admin_login, login):
        client = Client()
        refused = attempt(client, "admin", "pass")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_staff_member_reaches_the_admin_through_the_one_sign_in(settings, fresh_cache):
    UserFactory(username="admin", password="pass", is_staff=True, is_superuser=True)
    client = Client()
    signed_in = admin_login(client, "admin")
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_admin_login_never_reveals_whether_a_password_was_right(settings, fresh_cache):
    settings.TWO_FACTOR_REQUIRED = True
    settings.LOGIN_LIMITS = {"username": "100/15m", "network": "100/h"}
    staff = UserFactory(username="admin", password="pass", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    UserFactory(username="nodevice", password="pass", is_staff=True)
    wrong_code = "000000" if totp(device.bin_key) else "111111"
    # Given every way to fail before the second factor is proven
    right_password_no_code = admin_login(Client(), "admin")
    answers = [
        admin_login(Client(), "admin", "wrong"),
        admin_login(Client(), "admin", "wrong", otp_token=wrong_code),
        admin_login(Client(), "admin", otp_token=wrong_code),
        admin_login(Client(), "admin"),  # the device is now held back by django-otp
    ]
    # Then each page is the same, whether the password was right or not
    for answer in answers:
        assert same_page(answer, right_password_no_code), answer.content.decode()[-1500:]
    assert "인증 앱의 6자리 코드를 입력해 주세요" in right_password_no_code.content.decode()
    # ... and an unknown user, an account without a device or the console's door the same words
    alert = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
    expected = alert.findall(right_password_no_code.content.decode())
    assert len(expected) == 1
    for other in (admin_login(Client(), "nobody"), admin_login(Client(), "nodevice"),
                  login(Client(), "admin")):
        assert other.status_code == 200 and alert.findall(other.content.decode()) == expected


@pytest.mark.django_db
def test_a_password_only_staff_session_is_no_admin_session_in_production(settings, client):
    settings.TWO_FACTOR_REQUIRED = True
    client.force_login(UserFactory(is_staff=True, is_superuser=True))  # no second factor
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    settings.TWO_FACTOR_REQUIRED = False
    assert client.get("/admin/").status_code == 200
