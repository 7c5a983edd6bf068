"""Run the blindness audit of a contest and store its report."""
from django.db import transaction

from contest.models import Contest
from stats import attribution
from voting.blindness import selectors
from voting.models import BlindnessAudit


def blindness_audit_run(*, contest: Contest, seed: int = 0) -> BlindnessAudit:
    """Audit the contest's answers as they are now and store the report; return the audit.

    Raises attribution.AuditImpossible (and stores nothing) when there are too few models or
    answers. The fit runs before the transaction, which only holds the one insert.
    """
    report = attribution.audit(selectors.answers_for_audit(contest=contest), seed=seed)
    audit = BlindnessAudit(contest=contest, report={"contest": contest.slug, **report})
    audit.full_clean()
    with transaction.atomic():
        audit.save()
    return audit
