"""Put an entrant taken out of sampling back once it answers again.

An entrant that failed HEALTH_MAX_FAILURES times in a row (contest.selectors) gets no new
battles. On the beat schedule, `entrants_probe` asks each such entrant one short question
through the same adapter and bounds as a battle; an answer resets its failure count, which
puts it back into sampling. Either way the probe's time and outcome are recorded on the
entrant, and the organizers' console shows them.
"""
import dataclasses
import logging

from django.conf import settings
from django.utils import timezone

from arena.endpoints import EndpointError, chat_stream, endpoint_config
from contest.models import Contest, Entrant
from contest.selectors import HEALTH_MAX_FAILURES

logger = logging.getLogger(__name__)

PROBE_MESSAGES = [{"role": "user", "content": "안녕하세요. 한 문장으로 인사해 주세요."}]


def entrant_probe(entrant: Entrant, *, client=None) -> str:
    """Ask one entrant a short question; return '' if it answered, else the error code."""
    config = endpoint_config(entrant)
    timeout = min(config.timeout_seconds, settings.ARENA["HEALTH_PROBE_TIMEOUT_SECONDS"])
    config = dataclasses.replace(config, timeout_seconds=timeout, first_token_timeout_seconds=timeout)
    try:
        for _ in chat_stream(config, PROBE_MESSAGES, client=client):
            pass
    except EndpointError as error:
        return error.code
    except Exception:
        logger.exception("health probe of entrant %s failed", entrant.pk)
        return "internal"
    return ""


def entrants_probe(*, client=None) -> dict[int, str]:
    """Probe every enabled entrant out of sampling; return {entrant id: '' or error code}."""
    outcomes = {}
    out = Entrant.objects.filter(
        enabled=True, consecutive_failures__gte=HEALTH_MAX_FAILURES
    ).exclude(contest__phase=Contest.Phase.DRAFT)
    for entrant in out:
        code = entrant_probe(entrant, client=client)
        now = timezone.now()
        if code:
            Entrant.objects.filter(pk=entrant.pk).update(probed_at=now, probe_error=code)
            logger.warning("entrant %s is still failing its health probe: %s", entrant.pk, code)
        else:
            # Only if no battle failed since the probe began: that failure is newer news.
            Entrant.objects.filter(pk=entrant.pk, consecutive_failures=entrant.consecutive_failures).update(
                consecutive_failures=0, probed_at=now, probe_error=""
            )
            logger.warning("entrant %s answered its health probe and is back in sampling", entrant.pk)
        outcomes[entrant.pk] = code
    return outcomes
