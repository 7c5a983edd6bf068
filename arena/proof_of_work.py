"""A proof-of-work challenge before each battle (ALTCHA, self-hosted; no outside service).

The server signs a challenge with its own HMAC key (the `altcha` package, ALTCHA's protocol v1:
find the number n ≤ maxnumber with SHA-256(salt + n) = challenge); the browser searches for n
(static/arena/pow.js, Web Crypto) and sends the solution with the battle. Each solution is
accepted once: its signature is remembered in the cache until the challenge would expire.
Difficulty (`ARENA_POW_MAX_NUMBER`) sets the average work: maxnumber / 2 hashes.
"""
import base64
import binascii
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class ProofOfWorkFailed(DomainError):
    code = "pow_invalid"
    default_message = _("자동 요청 방지 확인에 실패했습니다. 페이지를 새로고침해 주세요.")


class ProofOfWorkRequired(ProofOfWorkFailed):
    code = "pow_required"
    default_message = _("자동 요청 방지 확인이 필요합니다. 페이지를 새로고침해 주세요.")


class ProofOfWorkExpired(ProofOfWorkFailed):
    code = "pow_expired"
    default_message = _("자동 요청 방지 확인 시간이 지났습니다. 다시 보내 주세요.")


class ProofOfWorkReplayed(ProofOfWorkFailed):
    code = "pow_replayed"
    default_message = _("이미 사용한 확인 값입니다. 다시 보내 주세요.")


def _options() -> dict:
    return settings.ARENA["POW"]


def challenge_new() -> dict:
    """Return a fresh signed challenge in the JSON shape ALTCHA's clients read."""
    expires = timezone.now() + timedelta(seconds=_options()["EXPIRES_SECONDS"])
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            hmac_key=_options()["HMAC_KEY"], max_number=_options()["MAX_NUMBER"], expires=expires
        )
    )
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "maxnumber": challenge.max_number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }


def _decode(payload: str) -> dict:
    try:
        solution = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ProofOfWorkFailed() from None
    if not isinstance(solution, dict):
        raise ProofOfWorkFailed()
    return solution


def _expires_at(salt: str) -> int | None:
    query = salt.partition("?")[2]
    values = parse_qs(query).get("expires")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Solution:
    """A verified, not yet spent solution: its replay key and when its challenge expires."""

    key: str
    expires_at: int


def solution_read(payload: object) -> Solution | None:
    """Check a solution's form, signature and expiry (no cache: solution_verify adds that).

    Returns None when the contest runs without proof of work (ARENA_POW off); raises a
    ProofOfWorkFailed subclass.
    """
    if not _options()["ENABLED"]:
        return None
    if payload in (None, ""):
        raise ProofOfWorkRequired()
    if not isinstance(payload, str) or len(payload) > 2000:
        raise ProofOfWorkFailed()
    solution = _decode(payload)
    try:
        verified, _error = altcha.verify_solution_v1(
            solution, _options()["HMAC_KEY"], check_expires=False
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        verified = False
    if not verified:
        raise ProofOfWorkFailed()
    # The expiry is part of the signed salt, so it cannot be moved by the client.
    expires_at = _expires_at(str(solution.get("salt", "")))
    if expires_at is None or expires_at < time.time():
        raise ProofOfWorkExpired()
    return Solution(key=f"arena:pow:{solution['signature']}", expires_at=expires_at)


def solution_verify(payload: object) -> Solution | None:
    """Check a solution without spending it: correct, unexpired, not used before.

    Returns what `solution_spend` takes once the request is accepted, or None when the
    contest runs without proof of work (ARENA_POW off). Raises a ProofOfWorkFailed subclass.
    Writes nothing, so a refused request leaves no trace in the cache.
    """
    accepted = solution_read(payload)
    if accepted is not None and cache.get(accepted.key) is not None:
        raise ProofOfWorkReplayed()
    return accepted


def spent_ttl(solution: Solution) -> int:
    """How long a spent solution is remembered: until its challenge expires."""
    return max(1, int(solution.expires_at - time.time()) + 1)


def solution_spend(solution: Solution | None) -> None:
    """Mark a verified solution as used until its challenge expires (ProofOfWorkReplayed if
    another request spent it first: the cache's add is the real guard)."""
    if solution is None:
        return
    if not cache.add(solution.key, 1, spent_ttl(solution)):
        raise ProofOfWorkReplayed()


def solution_check(payload: object) -> None:
    """Verify and spend a solution at once (a request that nothing else can refuse)."""
    solution_spend(solution_verify(payload))
