"""The blindness audit in a published contest's files: a JSON file and its manifest.

Each published dataset has its own manifest (votes: manifest.json, judgments:
judgments-manifest.json), and every export path writes those byte for byte alike; the audit is
published only, so it gets a manifest of its own, with DESIGN.md's keys, beside them.
"""
import json
from pathlib import Path

from contest.models import Contest
from voting import dataset
from stats.attribution import AuditImpossible
from voting.blindness.services import blindness_audit_run

AUDIT_FILE = "blindness-audit.json"
AUDIT_MANIFEST_FILE = "blindness-audit-manifest.json"


def audit_publish(*, contest: Contest, folder: Path) -> dict:
    """Audit the published contest afresh, write AUDIT_FILE into `folder` and its manifest
    (DESIGN.md's keys: `files` lists AUDIT_FILE with its SHA-256, `rows` is the number of
    answers audited, `snapshot` is null, as no board is computed from it). Return the manifest.

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
    manifest = {
        "contest": contest.slug,
        "phase": contest.phase,
        "snapshot": None,
        "rows": document["report"]["answers"] if document["report"] else 0,
        "files": {AUDIT_FILE: dataset.file_sha256(path)},
        "redactions": {},
    }
    (Path(folder) / AUDIT_MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
