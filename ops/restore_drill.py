"""The restore drill: back up, drop the database, restore it, and show that nothing changed.

    DATABASE_URL=postgres://user@host:5432/kai_staging \\
        python ops/restore_drill.py --contest SLUG --yes-drop-database kai_staging

Run it on a staging copy or in CI, never on the live site's database: it DROPS the database
named in DATABASE_URL (hence the confirmation), then recreates it from the backup it just wrote
with ops/backup.sh and ops/restore.sh. Before and after, it reads what a contest's trust rests on:

- `manage.py verify_votes --json`: both audit chains intact, with the same length and head;
- the contest's vote and judgments datasets and its boards of record (`contest_export`): the
  same SHA-256, so the frozen boards and the files anyone recomputes them from are unchanged;
- the row counts of every table the backup carries.

Exits 0 and prints "restore drill: intact" when all agree; exits 1 naming each difference.
`--restore-from FILE` restores an older backup instead of the new one (the drill then shows
what that backup would lose).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
# The published files whose bytes must not change: the citizens' vote dataset, the judgments
# dataset and every board of record (each track and category, frozen at closing).
COMPARED_FILES = ("votes.jsonl", "judgments.jsonl", "leaderboards.json")
# Tables whose rows the backup leaves out on purpose (ops/backup.sh): their counts may differ.
NOT_BACKED_UP = ("django_session", "otp_")


def run(args: list[str], env: dict, *, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=check)


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env, check=check)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables if not table.startswith(NOT_BACKED_UP)
        }


def facts(env: dict, contest: str, folder: Path) -> dict:
    """Return what must survive a restore: chain heads, dataset and board digests, row counts."""
    verified = manage(env, "verify_votes", "--json", check=False)
    if verified.returncode != 0:
        raise SystemExit(f"restore drill: the audit chain is broken\n{verified.stdout}{verified.stderr}")
    manage(env, "contest_export", "--contest", contest, "--what", "all", "--output", str(folder))
    digests = {name: sha256(folder / name) for name in COMPARED_FILES}
    return {"chains": json.loads(verified.stdout), "files": digests,
            "rows": table_counts(env["DATABASE_URL"])}


def differences(before: dict, after: dict) -> list[str]:
    """Return each way `after` differs from `before`, in words."""
    found = []
    for name, chain in before["chains"].items():
        now = after["chains"].get(name, {})
        if (chain["length"], chain["head"]) != (now.get("length"), now.get("head")):
            found.append(f"chain {name}: {chain['length']} rows, head {chain['head'][:12]} before; "
                         f"{now.get('length')} rows, head {str(now.get('head'))[:12]} after")
    for name, digest in before["files"].items():
        if after["files"].get(name) != digest:
            found.append(f"{name}: SHA-256 {digest[:12]} before, {after['files'].get(name, '')[:12]} after")
    for table, count in before["rows"].items():
        if after["rows"].get(table) != count:
            found.append(f"table {table}: {count} rows before, {after['rows'].get(table)} after")
    return found


def database_recreate(url: str) -> None:
    """Drop the database that `url` names and create it empty again."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contest", required=True, help="the contest whose boards and dataset to compare")
    parser.add_argument("--yes-drop-database", required=True, metavar="NAME",
                        help="the name of the database in DATABASE_URL, to confirm that it may be dropped")
    parser.add_argument("--restore-from", type=Path, help="restore this backup instead of the new one")
    parser.add_argument("--keep", type=Path, help="keep the new backup at this path")
    options = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must name the PostgreSQL database to drill on (postgres://...)")
    name = urlsplit(url).path.lstrip("/")
    if options.yes_drop_database != name:
        parser.error(f"--yes-drop-database must be the database's name ({name!r}): it will be dropped")
    if options.restore_from and not options.restore_from.is_file():
        parser.error(f"no backup at {options.restore_from}")
    env = {**os.environ, "DATABASE_URL": url}

    with tempfile.TemporaryDirectory(prefix="restore-drill-") as tmp:
        tmp = Path(tmp)
        (tmp / "before").mkdir()
        (tmp / "after").mkdir()
        before = facts(env, options.contest, tmp / "before")
        backup = options.keep or tmp / "backup.dump"
        run(["sh", "ops/backup.sh", str(backup)], env)
        print(f"backed up {sum(before['rows'].values())} rows into {backup} ({backup.stat().st_size} bytes)")
        database_recreate(url)
        print(f"dropped and recreated {name}")
        restored = run(["sh", "ops/restore.sh", str(options.restore_from or backup)], env, check=False)
        if restored.returncode != 0:
            print(f"restore drill: the restore failed\n{restored.stderr}", file=sys.stderr)
            return 1
        after = facts(env, options.contest, tmp / "after")

    found = differences(before, after)
    for line in found:
        print(f"DIFFERS {line}")
    if found:
        print("restore drill: the restored database differs", file=sys.stderr)
        return 1
    for chain_name, chain in after["chains"].items():
        print(f"{chain_name}: {chain['length']} rows, head {chain['head'][:16]}, verified")
    for file_name, digest in after["files"].items():
        print(f"{file_name}: {digest[:16]} before and after")
    print("restore drill: intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
