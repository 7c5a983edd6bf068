"""ARENA_ENV=production turns every defence on and refuses the demo's secret."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'pow': s.ARENA['POW']['ENABLED'], 'two_factor': s.TWO_FACTOR_REQUIRED, "
    "'secure_cookies': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE, "
    "'httponly': s.SESSION_COOKIE_HTTPONLY, 'hsts': s.SECURE_HSTS_SECONDS}))"
)


def settings_in(**environment):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ARENA_ENV", "SECRET_KEY", "VOTER_HASH_KEY")}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_with_the_demo_secrets():
    result = settings_in(ARENA_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    result = settings_in(ARENA_ENV="production", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "VOTER_HASH_KEY" in result.stderr


def test_production_turns_every_defence_on():
    result = settings_in(ARENA_ENV="production", SECRET_KEY="x" * 50, VOTER_HASH_KEY="y" * 50)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "pow": True, "two_factor": True, "secure_cookies": True, "httponly": True,
        "hsts": 31_536_000,
    }


def test_the_demo_runs_without_them():
    result = settings_in()
    assert json.loads(result.stdout) == {
        "pow": False, "two_factor": False, "secure_cookies": False, "httponly": True, "hsts": 0,
    }
