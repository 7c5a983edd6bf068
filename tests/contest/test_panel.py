"""국민평가단: invite codes work once, profiles are validated, bad input changes nothing."""
import pytest
from django.test import Client

from contest.models import NO_ANSWER, Panel, PanelInvite, PanelMember
from contest.services import panel_invites_create
from stats.raking import NOT_DECLARED

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


def profile_selects() -> list[str]:
    """The join form's <select> of each profile question, as HTML."""
    form = Client().get("/panel/join/").content.decode()
    return [form.split(f'name="{field}"')[1].split("</select>")[0] for field in PanelMember.PROFILE]


def test_the_join_form_chooses_nothing_for_the_citizen(panel):
    # A field the citizen skips is refused, never recorded as the list's first answer.
    [code] = panel_invites_create(panel=panel, count=1)
    for select in profile_selects():
        assert '<option value="" selected>' in select
    skipped = Client().post("/panel/join/", {"code": code, "age_band": "30대", "region": "부산"})
    assert skipped.status_code == 400
    assert "모든 항목을 올바르게 골라 주세요" in skipped.content.decode()
    assert PanelMember.objects.count() == 0


def test_every_question_offers_no_answer_and_it_is_stored_as_such(panel):
    # Given the form: every question starts on 선택해 주세요 and offers 응답 안 함
    [code] = panel_invites_create(panel=panel, count=1)
    for select in profile_selects():
        assert '<option value="" selected>선택해 주세요</option>' in select
        assert '<option value="응답 안 함">응답 안 함</option>' in select
    # When a citizen declines every question, they join, recorded as having declined
    citizen = Client()
    declined = {field: NO_ANSWER for field in PanelMember.PROFILE}
    assert citizen.post("/panel/join/", {"code": code, **declined}).status_code == 200
    assert PanelMember.objects.get().profile() == declined
    # And raking knows the same answer as a declined question
    assert NO_ANSWER == NOT_DECLARED == "응답 안 함"


def test_the_english_form_offers_prefer_not_to_say(panel):
    english = Client()
    english.cookies["django_language"] = "en"
    form = english.get("/panel/join/").content.decode()
    select = form.split('name="gender"')[1].split("</select>")[0]
    assert "Prefer not to say" in select and "Please choose" in select


def test_quotas_are_validated(contest):
    from django.core.exceptions import ValidationError

    for quotas in ({"height": {"tall": 1}}, {"gender": {"여성": 0.7, "남성": 0.7}},
                   {"gender": {"외계인": 1.0}}, {"gender": {}}, ["not", "a", "dict"],
                   {"gender": {"여성": 0.5, "남성": 0.4, NO_ANSWER: 0.1}}):
        with pytest.raises(ValidationError):
            Panel(contest=contest, quotas=quotas).full_clean()
    Panel(contest=contest, quotas={"region": {"서울": 0.2, "경기": 0.8}}).full_clean()


def test_invite_codes_are_unique_and_unambiguous(panel):
    codes = panel_invites_create(panel=panel, count=200)
    assert len(set(codes)) == 200
    assert not any(ch in code for code in codes for ch in "0O1IL")


def test_panel_votes_form_their_own_board_raked_to_the_quotas(contest, client):
    """Given citizens of whom some joined the panel, the panel board counts only the members'
    votes, and the raked view weights the members by their declared profile."""
    from arena.models import Battle, Response, Turn
    from tests.factories import EntrantFactory
    from voting.models import Vote
    from voting.pseudonyms import voter_hash
    from voting.boards import leaderboard_compute

    panel = Panel.objects.create(contest=contest, quotas={"gender": {"여성": 0.5, "남성": 0.5}})
    strong, weak = EntrantFactory(contest=contest), EntrantFactory(contest=contest)
    # Three women and one man joined; women prefer `strong`, the man prefers `weak`.
    members = []
    for n, gender in enumerate(["여성", "여성", "여성", "남성"]):
        members.append(PanelMember.objects.create(panel=panel, session_key=f"member-{n}",
                                                  **{**PROFILE, "gender": gender}))
    sessions = [m.session_key for m in members] + ["outsider"]

    def vote(session, winner_is_strong, k):
        battle = Battle.objects.create(contest=contest, session_key=session,
                                       entrant_a=strong, entrant_b=weak)
        turn = Turn.objects.create(battle=battle, index=0, prompt="질문")
        for side, entrant in (("a", strong), ("b", weak)):
            Response.objects.create(turn=turn, side=side, entrant=entrant, status="done", text="답")
        Vote.objects.create(battle=battle, choice="a" if winner_is_strong else "b",
                            voter=voter_hash(session))

    for k in range(6):
        for session in sessions:
            vote(session, session != "member-3", k)

    citizen = leaderboard_compute(contest=contest, track="citizen").payload
    board = leaderboard_compute(contest=contest, track="panel").payload
    assert citizen["votes"] == 30
    assert board["votes"] == 24  # the outsider's six votes are not the panel's
    raked = board["panel"]
    assert raked["members"] == 4 and raked["voters"] == 4 and raked["converged"]
    weights = {cell["profile"]["gender"]: cell["weight"] for cell in raked["cells"]}
    assert weights == {"여성": pytest.approx(2 / 3, abs=1e-3), "남성": pytest.approx(2.0, abs=1e-3)}
    # Raked to 50/50, the man's preference weighs as much as the three women's: the gap shrinks.
    plain = {m["model"]: m["rating"] for m in board["models"]}
    reweighted = {m["model"]: m["rating"] for m in raked["raked"]}
    gap = lambda r: r[strong.display_name] - r[weak.display_name]  # noqa: E731
    assert 0 <= gap(reweighted) < gap(plain)

    api = client.get("/api/leaderboard?track=panel").json()
    assert api["panel"]["cells"] and api["votes"] == 24

    # And a member who declined the gender question joins the board, left out of its margin:
    # the women and the man keep their weights, the newcomer weighs as an average member.
    newcomer = PanelMember.objects.create(panel=panel, session_key="member-declined",
                                          **{**PROFILE, "gender": NO_ANSWER})
    for k in range(6):
        vote(newcomer.session_key, True, k)
    raked = leaderboard_compute(contest=contest, track="panel").payload["panel"]
    assert raked["voters"] == 5 and raked["converged"]
    weights = {cell["profile"]["gender"]: cell["weight"] for cell in raked["cells"]}
    women, man, declined = weights["여성"], weights["남성"], weights[NO_ANSWER]
    assert 3 * women == pytest.approx(man, abs=5e-3)  # 50/50 among those who answered
    assert declined == pytest.approx(1.0, abs=1e-3)


def test_the_demo_prints_panel_codes_that_let_a_citizen_join(db):
    import re
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", stdout=out)
    codes = re.search(r"/panel/join/: (.+)", out.getvalue()).group(1).split(", ")
    assert len(codes) == 3
    assert join(Client(), codes[0]).status_code == 200
    assert PanelMember.objects.count() == 1


def test_the_panel_dataset_recomputes_the_panel_board(contest, tmp_path, capsys):
    import json
    from io import StringIO

    from django.core.management import call_command

    from arena.models import Battle, Response, Turn
    from tests.factories import EntrantFactory
    from voting.models import Vote
    from voting.pseudonyms import voter_hash
    from voting.boards import leaderboard_compute

    panel = Panel.objects.create(contest=contest)
    a, b = EntrantFactory(contest=contest), EntrantFactory(contest=contest)
    PanelMember.objects.create(panel=panel, session_key="m", **PROFILE)
    for k, session in enumerate(["m", "m", "m", "x"]):
        battle = Battle.objects.create(contest=contest, session_key=session, entrant_a=a, entrant_b=b)
        turn = Turn.objects.create(battle=battle, index=0, prompt="질문")
        for side, entrant in (("a", a), ("b", b)):
            Response.objects.create(turn=turn, side=side, entrant=entrant, status="done", text="답")
        Vote.objects.create(battle=battle, choice="a" if k != 1 else "b", voter=voter_hash(session))
    board = leaderboard_compute(contest=contest, track="panel").payload

    call_command("contest_export", contest=contest.slug, output=str(tmp_path), what="dataset",
                 track="panel", stdout=StringIO(), stderr=StringIO())
    capsys.readouterr()
    call_command("ratings", input=str(tmp_path / "votes.jsonl"), bootstrap=1000, seed=0, compact=True)
    recomputed = json.loads(capsys.readouterr().out)
    assert recomputed["votes"] == board["votes"] == 3
    assert recomputed["models"] == board["models"]


@pytest.mark.django_db(transaction=True)
def test_the_old_joint_gender_answer_becomes_no_answer_and_its_quota_other():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    # Given a database from before 응답 안 함, with a member who answered "기타·응답 안 함"
    before = [("contest", "0010_category_examples")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    contest = old.get_model("contest", "Contest").objects.create(slug="old", title="예전 대회")
    panel = old.get_model("contest", "Panel").objects.create(
        contest_id=contest.pk, quotas={"gender": {"여성": 0.5, "남성": 0.49, "기타·응답 안 함": 0.01}})
    old.get_model("contest", "PanelMember").objects.create(
        panel_id=panel.pk, session_key="s", age_band="20대", region="서울", gender="기타·응답 안 함",
        ai_use="매일")

    # When the migrations run forward
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # Then nothing claims the member is 기타: they declined; the quota names the category 기타
    assert PanelMember.objects.get().gender == NO_ANSWER
    quotas = Panel.objects.get().quotas
    assert quotas["gender"] == {"여성": 0.5, "남성": 0.49, "기타": 0.01}
    Panel.objects.get().full_clean()
