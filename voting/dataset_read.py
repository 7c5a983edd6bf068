"""A published dataset file read back: its counted votes, encoded for the ratings, and its
``votes_sha256`` (dataset.py defines the files and writes them).

Pure Python + pyarrow; nothing here imports Django, so anyone holding a published file can
recompute its board with this module, stats/counts.py and stats/ratings.py.

Reading for ratings is columnar: pyarrow parses the file, dictionary-encodes the model and
winner columns and hands integer codes to ``counts.aggregate_encoded``, so a million votes
cost well under a second and no Python object per row.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from stats.counts import WINNER_LABELS
from voting.dataset import FORMATS, SCHEMA, DatasetError, file_sha256, row_line

RATING_COLUMNS = ("model_a", "model_b", "winner", "excluded")
# pyarrow's JSON block: its default, the cheapest in CPU; a longer line is read again in one block.
JSON_BLOCK_BYTES = 1 << 20
# The Parquet rows are hashed this many at a time: small enough that each batch's lines reuse the
# last one's memory, large enough that pyarrow's cost per call is nothing.
HASH_BATCH_ROWS = 1 << 16


def _table_read(path: str | Path, *, columns: tuple[str, ...]) -> pa.Table:
    """Read a dataset file's `columns` (as text), ignoring every other field.

    In this thread only: pyarrow's thread pool saves no time on a busy machine and costs CPU.
    """
    with _read_errors(path):
        if _format(path) == ".parquet":
            # ParquetFile, not read_table: read_table imports pyarrow.dataset, and with it pandas.
            present = set(pq.read_schema(path).names)
            wanted = [name for name in columns if name in present]
            # The models and winners come as Parquet stored them, dictionary-encoded.
            return pq.ParquetFile(path, read_dictionary=[
                name for name in ("model_a", "model_b", "winner") if name in wanted]
            ).read(columns=wanted, use_threads=False)
        size = Path(path).stat().st_size
        if size == 0:
            return SCHEMA.empty_table()
        # Only the needed fields are converted; the others are skipped while parsing.
        parse = pa_json.ParseOptions(
            explicit_schema=pa.schema([(name, pa.string()) for name in columns]),
            unexpected_field_behavior="ignore",
        )
        try:
            return _json_read(path, parse, JSON_BLOCK_BYTES)
        except pa.ArrowInvalid as error:
            if "straddl" not in str(error) or size <= JSON_BLOCK_BYTES:
                raise
            return _json_read(path, parse, min(size + 1, 2**31 - 1))


def _format(path: str | Path) -> str:
    """Return the file's format (its suffix, lower case), or raise DatasetError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise DatasetError(f"{path}: expected a .jsonl or .parquet file")
    return suffix


@contextmanager
def _read_errors(path: str | Path) -> Iterator[None]:
    """Turn what pyarrow raises for a missing or unreadable file into DatasetError."""
    try:
        yield
    except FileNotFoundError as error:
        raise DatasetError(f"Cannot read {path}: no such file") from error
    except (pa.ArrowInvalid, OSError) as error:
        raise DatasetError(f"{path}: {error}") from error


def _json_read(path: str | Path, parse: pa_json.ParseOptions, block: int) -> pa.Table:
    return pa_json.read_json(
        path, read_options=pa_json.ReadOptions(block_size=block, use_threads=False),
        parse_options=parse)


@dataclass(frozen=True)
class VoteColumns:
    """The counted votes of a dataset, encoded for ``counts.aggregate_encoded``."""

    models: tuple[str, ...]
    code_a: np.ndarray
    code_b: np.ndarray
    outcome: np.ndarray
    rows: int          # every row of the file, excluded ones too
    # The counted rows' battle ids, in order, when asked for (votes_read(with_ids=True)).
    battle_ids: tuple[str, ...] = ()


def _text_column(table: pa.Table, name: str) -> pa.ChunkedArray:
    if name not in table.column_names:
        raise DatasetError(f"missing field {name!r}")
    column = table.column(name)
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if not pa.types.is_string(kind) and not pa.types.is_large_string(kind):
        if pa.types.is_null(column.type) and len(column) == 0:
            return column.cast(pa.string())
        raise DatasetError(f"field {name!r} is not text")
    return column


def _encoded(column: pa.ChunkedArray) -> tuple[list, np.ndarray]:
    """Return a text column's distinct values and each row's index among them (-1: null).

    Chunk by chunk through its dictionary (Parquet's own, or one built here), so every check
    and code after it works on small integers, not on a million strings.
    """
    values: dict = {}
    codes = []
    for chunk in column.chunks:
        if not pa.types.is_dictionary(chunk.type):
            chunk = pc.dictionary_encode(chunk)
        local = np.array([values.setdefault(value, len(values))
                          for value in chunk.dictionary.to_pylist()] + [-1], dtype=np.int64)
        indices = chunk.indices.fill_null(-1) if chunk.null_count else chunk.indices
        # Read from the buffer: pyarrow's to_numpy imports pandas, which nothing here needs.
        whole = np.frombuffer(indices.buffers()[1], dtype=np.dtype(str(indices.type)))
        codes.append(local[whole[indices.offset:indices.offset + len(indices)]])
    return list(values), (np.concatenate(codes) if codes else np.empty(0, np.int64))


def votes_read(path: str | Path, *, with_ids: bool = False) -> VoteColumns:
    """Read a vote dataset (.jsonl or .parquet) and return its counted votes, encoded.

    Rows with ``excluded`` set are skipped; unknown fields are ignored. Raise DatasetError for a
    file that cannot be parsed, a missing or non-text model or winner, an unknown winner label
    or a model battling itself, naming the (1-based) row. With ``with_ids`` the counted rows'
    ``battle_id`` values come too (to join the published style features).
    """
    table = _table_read(path, columns=RATING_COLUMNS + (("battle_id",) if with_ids else ()))
    total = table.num_rows
    if "excluded" in table.column_names and total:
        excluded = table.column("excluded")
        if pa.types.is_null(excluded.type) or excluded.null_count == total:
            counted = table
        else:
            keep = pc.or_kleene(pc.is_null(excluded), pc.equal(pc.cast(excluded, pa.string()), ""))
            keep = pc.fill_null(keep, True)
            counted = table.filter(keep)
    else:
        counted = table
    if counted.num_rows == 0:
        return VoteColumns((), np.empty(0, np.int64), np.empty(0, np.int64),
                           np.empty(0, np.int64), total)
    encoded = {}
    for key in ("model_a", "model_b", "winner"):
        values, codes = _encoded(_text_column(counted, key))
        # A null (-1) or an empty text is a missing field.
        missing = np.r_[[value == "" for value in values], True][codes]
        if missing.any():
            raise DatasetError(f"row {int(np.argmax(missing)) + 1} of the counted rows: "
                               f"missing field {key!r}")
        encoded[key] = values, codes
    labels, winner_codes = encoded["winner"]
    outcome = np.array([WINNER_LABELS.index(label) if label in WINNER_LABELS else -1
                        for label in labels], dtype=np.int64)[winner_codes]
    if (outcome < 0).any():
        row = int(np.argmax(outcome < 0)) + 1
        raise DatasetError(f"row {row} of the counted rows: winner {labels[winner_codes[row - 1]]!r}"
                           f" is not one of {sorted(WINNER_LABELS)}")
    (names_a, codes_a), (names_b, codes_b) = encoded["model_a"], encoded["model_b"]
    # Only the names some counted row carries, sorted: the codes of aggregate_encoded.
    used_a = np.bincount(codes_a, minlength=len(names_a)) > 0
    used_b = np.bincount(codes_b, minlength=len(names_b)) > 0
    names = sorted({name for name, used in zip(names_a, used_a) if used}
                   | {name for name, used in zip(names_b, used_b) if used})
    index = {name: code for code, name in enumerate(names)}
    code_a = np.array([index.get(name, -1) for name in names_a], dtype=np.int64)[codes_a]
    code_b = np.array([index.get(name, -1) for name in names_b], dtype=np.int64)[codes_b]
    same = code_a == code_b
    if same.any():
        raise DatasetError(f"row {int(np.argmax(same)) + 1} of the counted rows: "
                           "a model cannot battle itself")
    ids = tuple(_text_column(counted, "battle_id").to_pylist()) if with_ids else ()
    return VoteColumns(tuple(names), code_a, code_b, outcome, total, ids)


def votes_sha256(path: str | Path) -> str:
    """Return the dataset's ``votes_sha256``: the hash of its rows as canonical JSONL.

    For a JSONL file that is the hash of the file itself (a published file is canonical); for
    Parquet the rows are written back as canonical lines, in the file's order.
    """
    if _format(path) == ".jsonl":
        return file_sha256(path)
    digest = hashlib.sha256()
    for batch in _parquet_batches(path):
        lines = _canonical_lines(pa.Table.from_batches([batch]))
        if lines is None:  # a value json.dumps must write itself: this batch through Python
            digest.update("".join(map(row_line, batch.to_pylist())).encode())
            continue
        for chunk in lines.chunks:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            start, end = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
            digest.update(memoryview(chunk.buffers()[2])[start:end])
    return digest.hexdigest()


def _parquet_batches(path: str | Path) -> Iterator[pa.RecordBatch]:
    """Yield a Parquet file's rows, every column, HASH_BATCH_ROWS at a time, in this thread: a
    batch's memory is reused by the next, where a whole table would be fresh memory."""
    with _read_errors(path):
        yield from pq.ParquetFile(path).iter_batches(batch_size=HASH_BATCH_ROWS, use_threads=False)


def _large(text: str) -> pa.Scalar:
    # From buffers: pa.scalar and pa.array import pandas, which nothing here needs.
    data = text.encode()
    offsets = pa.py_buffer(np.array([0, len(data)], np.int64).tobytes())
    return pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))[0]


def _text_bytes(column: pa.ChunkedArray) -> np.ndarray:
    """Return the bytes of a large_string column's values, every chunk's, one after another."""
    pieces = []
    for chunk in column.chunks:
        if len(chunk) == 0 or chunk.buffers()[2] is None:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        start, end = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
        pieces.append(np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[start:end])
    return np.concatenate(pieces) if pieces else np.empty(0, np.uint8)


def _json_parts(column: pa.ChunkedArray) -> list | None:
    """Return the pieces that join into each value's JSON text (json.dumps' output), literals
    and columns, or None to fall back to Python.

    A text column without nulls is its own quoted text between two literal quotes, so the one
    join of the whole line does the quoting, not a join of its own (docs/performance.md).
    """
    if pa.types.is_null(column.type):
        return [_large("null")]
    if pa.types.is_integer(column.type):
        return [pc.fill_null(pc.cast(column, pa.large_string()), _large("null"))]
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return None
    column = pc.cast(column, pa.large_string())
    data = _text_bytes(column)
    if (data < 0x20).any():
        return None  # control characters: json.dumps' escapes
    if ((data == ord('"')) | (data == ord("\\"))).any():
        column = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')
    if column.null_count == 0:
        return [_large('"'), column, _large('"')]
    quoted = pc.binary_join_element_wise(_large('"'), column, _large('"'), _large(""))
    return [pc.fill_null(quoted, _large("null"))]


def _canonical_lines(table: pa.Table) -> pa.ChunkedArray | None:
    """Build every row's canonical JSONL line column-wise (keys sorted), or None when a value
    needs json.dumps itself (control characters, floats, nested values)."""
    if table.num_rows == 0:
        return pa.chunked_array([], pa.large_string())
    parts: list = []
    for index, name in enumerate(sorted(table.column_names)):
        pieces = _json_parts(table.column(name))
        if pieces is None:
            return None
        key = json.dumps(name, ensure_ascii=False)
        parts.extend([_large(("{" if index == 0 else ",") + key + ":"), *pieces])
    parts.append(_large("}\n"))
    merged: list = []
    for part in parts:  # adjacent literals become one: fewer pieces to join per row
        if merged and isinstance(part, pa.Scalar) and isinstance(merged[-1], pa.Scalar):
            merged[-1] = _large(merged[-1].as_py() + part.as_py())
        else:
            merged.append(part)
    if len(merged) == 1:
        return pa.chunked_array([pa.array([merged[0].as_py()] * table.num_rows, pa.large_string())])
    return pc.binary_join_element_wise(*merged, _large(""))
