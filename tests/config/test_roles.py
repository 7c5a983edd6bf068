"""Roles: organizers and experts are groups; pages and API checks refuse everyone else."""
import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config import roles
from tests.factories import ExpertUserFactory, OrganizerFactory, UserFactory


@roles.organizer_required
def organizer_page(request):
    return HttpResponse("console")


@roles.expert_required
def expert_page(request):
    return HttpResponse("queue")


def _request(user=None):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/console/?tab=votes")
    request.user = user or AnonymousUser()
    return request


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_log_in_and_back():
    response = organizer_page(_request())
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/console/%3Ftab%3Dvotes"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "factory, organizer_status, expert_status",
    [(OrganizerFactory, 200, 403), (ExpertUserFactory, 403, 200), (UserFactory, 403, 403)],
)
def test_each_role_reaches_only_its_own_pages(factory, organizer_status, expert_status):
    user = factory()
    for page, expected in ((organizer_page, organizer_status), (expert_page, expert_status)):
        response = page(_request(user))
        assert response.status_code == expected
        if expected == 403:  # the site's 403 page, not the view's answer
            assert response.content not in (b"console", b"queue") and b"<html" in response.content


@pytest.mark.django_db
def test_a_role_refusal_logs_one_line_not_a_traceback(client, caplog):
    # Given an expert signed in, when they open the organizers' console
    client.force_login(ExpertUserFactory())
    with caplog.at_level("WARNING"):
        response = client.get("/console/")

    # Then they get the 403 page, and the log says so in one line, without a traceback
    assert response.status_code == 403
    refusals = [record for record in caplog.records if "/console/" in record.getMessage()]
    assert len(refusals) == 1 and refusals[0].exc_info is None
    assert refusals[0].getMessage() == "Forbidden: /console/"


@pytest.mark.django_db
def test_superuser_is_an_organizer_but_not_an_expert():
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert roles.is_organizer(admin)
    assert not roles.is_expert(admin)


@pytest.mark.django_db
def test_deactivated_organizer_loses_the_role():
    organizer = OrganizerFactory(is_active=False)
    assert not roles.is_organizer(organizer)


@pytest.mark.django_db
def test_api_checks_say_401_for_strangers_and_403_for_the_wrong_role():
    with pytest.raises(roles.LoginRequired) as anonymous:
        roles.organizer_check(_request())
    assert anonymous.value.status == 401
    with pytest.raises(roles.Forbidden) as expert:
        roles.organizer_check(_request(ExpertUserFactory()))
    assert expert.value.status == 403
    roles.expert_check(_request(ExpertUserFactory()))


@pytest.mark.django_db
def test_login_page_is_korean_and_signs_an_organizer_in(client):
    OrganizerFactory(username="minji")
    page = client.get("/accounts/login/")
    assert "로그인" in page.content.decode()
    wrong = client.post("/accounts/login/", {"username": "minji", "password": "nope"})
    assert "아이디 또는 비밀번호가 맞지 않습니다" in wrong.content.decode()
    signed_in = client.post("/accounts/login/", {"username": "minji", "password": "pass"})
    assert signed_in.status_code == 302
    assert roles.is_organizer(signed_in.wsgi_request.user)
