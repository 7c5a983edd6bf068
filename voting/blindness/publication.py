"""The blindness audit in a published contest's files: a JSON file listed in the manifest."""
import json
from pathlib import Path

from contest.models import Contest
from voting import dataset
from voting.blindness.attribution import AuditImpossible
from voting.blindness.services import blindness_audit_run

AUDIT_FILE = "blindness-audit.json"


def audit_publish(*, contest: Contest, folder: Path, manifest: Path) -> dict:
    """Audit the published contest afresh, write AUDIT_FILE into `folder` and list it with its
    SHA-256 in the manifest's `files` (the manifest's keys stay DESIGN.md's). Return the file's
    document.

    A contest with too few answers still gets the file, saying why there are no figures.
    """
    try:
        audit = blindness_audit_run(contest=contest)
        document = {"contest": contest.slug, "created_at": audit.created_at.isoformat(),
                    "report": audit.report, "reason": None}
    except AuditImpossible as error:
        document = {"contest": contest.slug, "created_at": None, "report": None,
                    "reason": str(error)}
    path = Path(folder) / AUDIT_FILE
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    listed = json.loads(manifest.read_text(encoding="utf-8"))
    listed["files"][AUDIT_FILE] = dataset.file_sha256(path)
    manifest.write_text(json.dumps(listed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return document
