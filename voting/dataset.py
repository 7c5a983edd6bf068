"""The public datasets as files: JSONL and Parquet, the same columns, and their hashes.

Pure Python + pyarrow; nothing here imports Django, so anyone holding a published file can read
it, check it against its manifest and recompute the board with this module, counts.py and
ratings.py.

- JSONL: one canonical JSON object a line (keys sorted, no spaces, UTF-8, not ASCII-escaped).
  The SHA-256 of that file is the ``votes_sha256`` a leaderboard snapshot records.
- Parquet: the same rows and columns, typed by ``SCHEMA``. Its rows, written back as canonical
  JSONL lines, hash to the same ``votes_sha256`` (``rows_sha256``).
- ``Spec`` names each dataset's columns and free-text columns; ``rows_public`` and
  ``files_write`` are the one way every export path (console, commands) turns rows into files.

A published file is read back, for the ratings and its ``votes_sha256``, by dataset_read.py.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from voting import chain
from voting.redaction import redact

COLUMNS = ("battle_id", "contest", "track", "category", "model_a", "model_b", "winner",
           "turns", "created_at", "voter", "excluded")
SCHEMA = pa.schema([
    ("battle_id", pa.string()),
    ("contest", pa.string()),
    ("track", pa.string()),
    ("category", pa.string()),
    ("model_a", pa.string()),
    ("model_b", pa.string()),
    ("winner", pa.string()),
    ("turns", pa.int64()),
    ("created_at", pa.string()),
    ("voter", pa.string()),
    ("excluded", pa.string()),
])
# The judgments dataset (DESIGN.md → Expert track), the same way: its Parquet file has these
# columns; `criteria` (criterion → label) is a map.
JUDGMENT_COLUMNS = ("item_id", "contest", "domain", "prompt_id", "model_a", "model_b", "winner",
                    "criteria", "expert", "rationale", "seconds", "gold", "gold_winner",
                    "created_at", "excluded")
JUDGMENT_SCHEMA = pa.schema([
    ("item_id", pa.int64()),
    ("contest", pa.string()),
    ("domain", pa.string()),
    ("prompt_id", pa.int64()),
    ("model_a", pa.string()),
    ("model_b", pa.string()),
    ("winner", pa.string()),
    ("criteria", pa.map_(pa.string(), pa.string())),
    ("expert", pa.string()),
    ("rationale", pa.string()),
    ("seconds", pa.int64()),
    ("gold", pa.bool_()),
    ("gold_winner", pa.string()),
    ("created_at", pa.string()),
    ("excluded", pa.string()),
])

FORMATS = (".jsonl", ".parquet")


@dataclass(frozen=True)
class Spec:
    """One public dataset: what every export path writes for it, and nothing else."""

    name: str                       # the files' stem in a folder export: votes.jsonl, votes.parquet
    manifest: str                   # the manifest's name in a folder export
    columns: tuple[str, ...]
    schema: pa.Schema
    # Free text people wrote: redacted before it leaves the site. Every other column is an id,
    # a label or a hash that the boards' snapshots are hashed over, so it is published as it is.
    text_columns: tuple[str, ...]


VOTES = Spec("votes", "manifest.json", COLUMNS, SCHEMA, ())
JUDGMENTS = Spec("judgments", "judgments-manifest.json", JUDGMENT_COLUMNS, JUDGMENT_SCHEMA,
                 ("rationale",))


def rows_public(spec: Spec, rows: Iterable[dict], counts: Counter) -> list[dict]:
    """Return the rows as published: the spec's columns only, its text columns redacted.

    The redactions are added to `counts` (see voting.redaction) for the manifest.
    """
    return [
        {key: redact(row.get(key) or "", counts) if key in spec.text_columns else row.get(key)
         for key in spec.columns}
        for row in rows
    ]


def files_write(spec: Spec, rows: list[dict], jsonl: Path) -> dict[str, str]:
    """Write the rows as `jsonl` and as the Parquet file beside it; return {name: sha256}."""
    parquet = jsonl.with_suffix(".parquet")
    jsonl_write(rows, jsonl)
    parquet_write(rows, parquet, schema=spec.schema)
    return {path.name: file_sha256(path) for path in (jsonl, parquet)}


class DatasetError(ValueError):
    """The file is not a readable vote dataset; the message says where and why."""


def row_line(row: dict) -> str:
    """Return one row as a canonical JSONL line (what the hash is taken over): the one home of
    the dataset's line, for the export, the snapshot's `votes_sha256` and the readers."""
    return chain.canonical(row).decode() + "\n"  # the chain's canonical JSON, one a line


def rows_sha256(rows: Iterable[dict]) -> str:
    """Return the SHA-256 of the rows' JSONL file: what a snapshot records and a manifest states."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row_line(row).encode())
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def jsonl_rows(path: str | Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line of a JSONL file, one line at a time.

    The one reader of the files a command is given by hand (the judgments dataset, the style
    features, a vote dataset's line when columnar reading refused it). Raises DatasetError
    naming the file it cannot open or the first line that is not a JSON object.
    """
    try:
        handle = open(path, encoding="utf-8")
    except OSError as error:
        raise DatasetError(f"Cannot read {path}: {error.strerror}") from error
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(f"line {number}: not valid JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise DatasetError(f"line {number}: expected a JSON object")
            yield number, row


def jsonl_write(rows: Iterable[dict], path: str | Path) -> int:
    """Write rows as canonical JSONL; return how many."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(row_line(row))
            count += 1
    return count


def parquet_write(rows: list[dict], path: str | Path, *, batch_rows: int = 50_000,
                  schema: pa.Schema = SCHEMA) -> int:
    """Write rows as Parquet with `schema` (the vote dataset's by default; zstd); return how many."""
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for start in range(0, len(rows), batch_rows):
            chunk = rows[start:start + batch_rows]
            writer.write_table(pa.Table.from_pylist(
                [{key: row.get(key) for key in schema.names} for row in chunk], schema=schema))
        if not rows:
            writer.write_table(schema.empty_table())
    return len(rows)


def table_rows(table: pa.Table, *, batch_rows: int = 100_000) -> Iterator[dict]:
    """Yield a table's rows as dicts with the dataset's key order dropped (hashing sorts keys)."""
    for batch in table.to_batches(max_chunksize=batch_rows):
        yield from batch.to_pylist()
