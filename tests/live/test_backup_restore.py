"""The restore drill (ops/restore_drill.py) on a database of its own: a closed contest with votes
and frozen boards is backed up, dropped and restored, and its chains, dataset and boards are the
same; the backup carries no second-factor secret; an older backup is caught as different; a
wrong confirmation drops nothing.

PostgreSQL only (the backup is pg_dump's): on CI it runs, never skipped.
"""
import os
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from tests.conftest import RUN_ID
from tests.live import conftest as live

pytestmark = pytest.mark.live

# Seeds a closed contest: 60 votes in the chain, boards frozen at closing, and an organizer
# with an authenticator (a TOTP secret that the backup must leave out).
SEED = """
from django_otp.plugins.otp_totp.models import TOTPDevice
from contest.models import Contest
from contest.services import contest_transition
from tests.factories import ContestFactory, EntrantFactory, OrganizerFactory, votes_simulate
contest = ContestFactory(slug="drill", phase="open")
votes_simulate(contest, [EntrantFactory(contest=contest) for _ in range(4)], 60)
organizer = OrganizerFactory()
TOTPDevice.objects.create(user=organizer, name="phone", key="{secret}")
contest_transition(contest=contest, to=Contest.Phase.CLOSED, actor=organizer)
"""
ONE_MORE_VOTE = """
from contest.models import Contest, Entrant
from tests.factories import votes_simulate
contest = Contest.objects.get(slug="drill")
votes_simulate(contest, list(Entrant.objects.filter(contest=contest)), 1, seed=9)
"""
SECRET = "3132333435363738393031323334353637383930"


@pytest.fixture
def drill_env():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the backup is PostgreSQL's own (pg_dump); CI runs this on PostgreSQL")
    base = live.test_database_url().rsplit("/", 1)[0]
    name = f"kai_drill_{RUN_ID}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": f"{base}/{name}", "DB_POOL": "false",
           "CACHE_PREFIX": f"kai-drill-{RUN_ID}", "CELERY_QUEUE": f"kai-drill-{RUN_ID}"}
    manage(env, "migrate", "--no-input")
    manage(env, "shell", "-c", SEED.format(secret=SECRET))
    yield name, env
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=live.ROOT,
                          capture_output=True, text=True, check=True)


def drill(env, *args):
    return subprocess.run([sys.executable, "ops/restore_drill.py", *args], env=env, cwd=live.ROOT,
                          capture_output=True, text=True, timeout=240)


def test_a_closed_contest_survives_backup_drop_and_restore(drill_env, tmp_path):
    name, env = drill_env
    # Told another database's name, the drill refuses before touching anything.
    refused = drill(env, "--contest", "drill", "--yes-drop-database", "some_other_db")
    assert refused.returncode == 2 and "will be dropped" in refused.stderr

    backup = tmp_path / "kai.dump"
    done = drill(env, "--contest", "drill", "--yes-drop-database", name, "--keep", str(backup))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dropped and recreated" in done.stdout
    assert "votes: 60 rows" in done.stdout and "restore drill: intact" in done.stdout
    assert "leaderboards.json:" in done.stdout

    # The votes and the frozen boards are back; the second-factor secret never left.
    with psycopg.connect(env["DATABASE_URL"]) as connection:
        assert connection.execute("SELECT count(*) FROM voting_vote").fetchone()[0] == 60
        assert connection.execute(
            "SELECT count(*) FROM voting_leaderboardsnapshot WHERE frozen").fetchone()[0] > 0
        assert connection.execute("SELECT count(*) FROM otp_totp_totpdevice").fetchone()[0] == 0
    listing = subprocess.run(["pg_restore", "--file", "-", str(backup)], capture_output=True,
                             text=True, check=True).stdout
    assert SECRET not in listing and "voting_vote" in listing

    # A backup older than the database is caught: the restore would lose a vote.
    manage(env, "shell", "-c", ONE_MORE_VOTE)
    stale = drill(env, "--contest", "drill", "--yes-drop-database", name,
                  "--restore-from", str(backup))
    assert stale.returncode == 1
    assert "DIFFERS chain votes: 61 rows" in stale.stdout
    assert "DIFFERS table voting_vote: 61 rows before, 60 after" in stale.stdout
