"""The footer's pages: privacy, terms and accessibility, linked from every page, in both languages."""
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = {"/privacy/": "개인정보 처리방침", "/terms/": "이용약관", "/accessibility/": "접근성"}


@pytest.mark.parametrize("url", ["/", "/leaderboard/", "/panel/join/", "/privacy/", "/no-such-page/"])
def test_every_page_links_the_three_pages_from_its_footer(url, contest):
    page = Client().get(url).content.decode()
    footer = page.split('<footer class="site-footer">')[1].split("</footer>")[0]
    assert re.findall(r'href="([^"]+)"', footer) == list(PAGES)


@pytest.mark.parametrize("url, heading", PAGES.items())
def test_each_page_reads_in_korean_by_default_and_in_english(url, heading):
    korean = Client().get(url)
    assert korean.status_code == 200
    assert f"<h1>{heading}</h1>" in korean.content.decode()
    client = Client()
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert '<html lang="en">' in english and heading not in english.split("<main")[1]


def test_the_privacy_page_says_what_goes_to_the_teams_and_warns_against_personal_data():
    text = Client().get("/privacy/").content.decode()
    assert "두 참가 팀의 모델 서버로 보내집니다" in text
    assert "개인정보를 입력하지 마세요" in text
    assert "질문 본문은 공개 데이터셋에 실리지 않습니다" in text


@pytest.mark.parametrize("url", PAGES)
def test_the_pages_refuse_writes(url):
    assert Client().post(url).status_code == 405
