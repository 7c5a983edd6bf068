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
           if k not in ("ARENA_ENV", "SECRET_KEY", "VOTER_HASH_KEY", "ARENA_POW_HMAC_KEY",
                         "CLIENT_IP_HEADER", "TRUSTED_PROXIES", "EMAIL_URL", "METRICS_TOKEN",
                         "METRICS_ENABLED")}
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


# Keys as `secrets.token_urlsafe(48)` makes them (fixed here, so a failure is reproducible).
STRONG_SECRET = "Qm7vR2xK9pLw4Tz8NcYb1HdF6sJg3AeU5oVi0WnXqZrBtMkEyPuCl-_aSdGhJfKe"
STRONG_VOTER_KEY = "h4Jx9Lq2Vt7Rk1Wm8Pz3Yb6Nc0Fd5Gs-Ha_Ej2Ku7Mo4Qr9Tv1Xw6Zy3Ab8Cd5Ef0"
MAIL_SERVER = "smtp+tls://arena:password@mail.example.org:587"


STRONG_METRICS_TOKEN = "Zr8Tq1Wy4Ux7Io0Pa3Sd6Fg9Hj2Kl5Zx8Cv1Bn4Mq7We0Rt3Yu6Io9Pa2Sd5Fg8Hj1"


def test_production_turns_every_defence_on():
    result = settings_in(ARENA_ENV="production", SECRET_KEY=STRONG_SECRET,
                         VOTER_HASH_KEY=STRONG_VOTER_KEY, EMAIL_URL=MAIL_SERVER,
                         METRICS_TOKEN=STRONG_METRICS_TOKEN)
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


def refusal(**keys) -> str:
    """Start production settings with these keys; return what it refused with (it must refuse)."""
    result = settings_in(ARENA_ENV="production", **keys)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr


def test_production_refuses_a_long_key_of_one_letter():
    # Long enough for the old rule (32), but one letter over and over: no secret at all.
    stderr = refusal(SECRET_KEY="a" * 40, VOTER_HASH_KEY=STRONG_VOTER_KEY)
    assert "SECRET_KEY is weak" in stderr and "at least 50 characters" in stderr
    stderr = refusal(SECRET_KEY="ab" * 40, VOTER_HASH_KEY=STRONG_VOTER_KEY)
    assert "SECRET_KEY is weak" in stderr and "at least 5 of them different" in stderr
    # Django's own development keys are refused too, for what they are: long and varied enough,
    # but made by startproject for development
    stderr = refusal(SECRET_KEY="django-insecure-" + STRONG_SECRET, VOTER_HASH_KEY=STRONG_VOTER_KEY)
    assert "SECRET_KEY is a key Django made for development" in stderr
    assert "SECRET_KEY is weak" not in stderr


def test_production_refuses_a_voter_key_shared_with_the_secret_key_and_names_every_problem():
    stderr = refusal(SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_SECRET)
    assert "VOTER_HASH_KEY is the same as SECRET_KEY" in stderr
    # Every problem at once, so one restart is enough to fix them all.
    stderr = refusal(SECRET_KEY="x" * 50, VOTER_HASH_KEY="y" * 20)
    assert "SECRET_KEY is weak" in stderr and "VOTER_HASH_KEY is weak" in stderr
    assert "secrets.token_urlsafe" in stderr


def test_production_refuses_the_example_files_stand_ins():
    stderr = refusal(SECRET_KEY="change-me-to-a-long-random-string-of-at-least-32-characters",
                     VOTER_HASH_KEY=STRONG_VOTER_KEY)
    assert "SECRET_KEY is the demo's or .env.example's stand-in" in stderr


def test_production_refuses_a_proof_of_work_key_that_is_weak_or_shared():
    stderr = refusal(SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_VOTER_KEY,
                     ARENA_POW_HMAC_KEY=STRONG_VOTER_KEY)
    assert "ARENA_POW_HMAC_KEY is the same as VOTER_HASH_KEY" in stderr
    stderr = refusal(SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_VOTER_KEY,
                     ARENA_POW_HMAC_KEY="pow" * 5)
    assert "ARENA_POW_HMAC_KEY is weak" in stderr


def test_the_refusal_never_prints_a_key():
    stderr = refusal(SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_SECRET)
    assert STRONG_SECRET not in stderr


def test_the_forwarded_header_is_trusted_only_with_the_proxy_named():
    # A header without the proxy that sets it would let any client pick its own address.
    result = settings_in(CLIENT_IP_HEADER="X-Forwarded-For")
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr
    result = settings_in(CLIENT_IP_HEADER="X-Forwarded-For", TRUSTED_PROXIES="172.16.0.0/12,proxy")
    assert result.returncode != 0 and "'proxy' is neither an address" in result.stderr
    assert settings_in(CLIENT_IP_HEADER="X-Forwarded-For",
                       TRUSTED_PROXIES="172.16.0.0/12,10.0.0.2").returncode == 0


def test_production_refuses_mail_written_to_the_console_or_a_file():
    # Invitation and password-reset links are credentials: never in the web log or a file.
    for url in (None, "consolemail://", "filemail:///tmp/mail"):
        stderr = refusal(SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_VOTER_KEY,
                         METRICS_TOKEN=STRONG_METRICS_TOKEN, **({"EMAIL_URL": url} if url else {}))
        assert "refuses an EMAIL_URL that writes mail to the console or a file" in stderr, url
        assert "smtp+tls://" in stderr
    # The demo still prints its mail.
    assert settings_in(EMAIL_URL="consolemail://").returncode == 0


def test_production_refuses_metrics_without_a_token_unless_they_are_turned_off():
    # A proxy on the same host makes every public request a loopback one: no token, no /metrics
    stderr = refusal(SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_VOTER_KEY, EMAIL_URL=MAIL_SERVER)
    assert "refuses /metrics without METRICS_TOKEN" in stderr
    assert "METRICS_ENABLED=false" in stderr and "secrets.token_urlsafe" in stderr
    assert settings_in(ARENA_ENV="production", SECRET_KEY=STRONG_SECRET, VOTER_HASH_KEY=STRONG_VOTER_KEY,
                       EMAIL_URL=MAIL_SERVER, METRICS_ENABLED="false").returncode == 0


def test_the_refusal_is_said_first_not_under_a_traceback():
    stderr = refusal(SECRET_KEY="x" * 50, VOTER_HASH_KEY=STRONG_VOTER_KEY)
    first = stderr.strip().splitlines()[0]
    assert first == "ARENA_ENV=production refuses weak or shared keys:"
    assert stderr.index("SECRET_KEY is weak") < stderr.index("Traceback")
