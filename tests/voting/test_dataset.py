"""The dataset files: JSONL and Parquet hold the same rows and hash to the same votes_sha256,
and read back the same votes."""
import pytest

from voting import dataset, dataset_read

ROWS = [
    {"battle_id": "b1", "contest": "demo", "track": "citizen", "category": None,
     "model_a": 'A "인용" \\ 역슬래시', "model_b": "B", "winner": "tie (bothbad)", "turns": 2,
     "created_at": "2026-01-01T00:00:00Z", "voter": "ab", "excluded": None},
    {"battle_id": "b2", "contest": "demo", "track": "citizen", "category": "코딩",
     "model_a": "A", "model_b": "B/\u2028x", "winner": "model_a", "turns": 1,
     "created_at": "2026-01-01T00:00:01Z", "voter": "cd", "excluded": "중복"},
]


@pytest.mark.parametrize("odd", ["평범한 이름", "탭\t줄바꿈\n", ""])
def test_both_formats_round_trip_to_the_same_rows_and_hash(tmp_path, odd):
    rows = [dict(ROWS[0], model_a=ROWS[0]["model_a"] + odd), ROWS[1]]
    dataset.jsonl_write(rows, tmp_path / "v.jsonl")
    dataset.parquet_write(rows, tmp_path / "v.parquet")
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "v.parquet").to_pylist() == rows
    expected = dataset.rows_sha256(rows)
    assert dataset_read.votes_sha256(tmp_path / "v.jsonl") == expected
    assert dataset_read.votes_sha256(tmp_path / "v.parquet") == expected


def test_votes_read_skips_excluded_rows_and_encodes_models(tmp_path):
    dataset.parquet_write(ROWS, tmp_path / "v.parquet")
    columns = dataset_read.votes_read(tmp_path / "v.parquet")
    assert columns.rows == 2
    assert columns.models == ('A "인용" \\ 역슬래시', "B")
    assert columns.code_a.tolist() == [0] and columns.code_b.tolist() == [1]
    assert columns.outcome.tolist() == [3]


def test_empty_files_give_no_votes(tmp_path):
    (tmp_path / "v.jsonl").write_text("")
    dataset.parquet_write([], tmp_path / "v.parquet")
    for name in ("v.jsonl", "v.parquet"):
        assert dataset_read.votes_read(tmp_path / name).models == ()


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
@pytest.mark.parametrize("change, message", [
    ({"model_b": None}, "row 2 of the counted rows: missing field 'model_b'"),
    ({"model_a": ""}, "row 2 of the counted rows: missing field 'model_a'"),
    ({"winner": "draw"}, "row 2 of the counted rows: winner 'draw' is not one of"),
    ({"model_b": "A"}, "row 2 of the counted rows: a model cannot battle itself"),
])
def test_a_bad_counted_row_is_named_in_either_format(tmp_path, suffix, change, message):
    good = dict(ROWS[1], excluded=None)
    rows = [good, dict(good, battle_id="b3", **change), good]
    path = tmp_path / f"v.{suffix}"
    (dataset.jsonl_write if suffix == "jsonl" else dataset.parquet_write)(rows, path)
    with pytest.raises(dataset.DatasetError, match=message.replace("(", r"\(")):
        dataset_read.votes_read(path)


def test_models_of_many_chunks_keep_one_code_each(tmp_path):
    rows = [dict(ROWS[1], battle_id=f"b{i}", excluded=None, model_a=f"M{i % 3}",
                 model_b=f"M{(i + 1) % 3}", winner="model_b") for i in range(2500)]
    dataset.parquet_write(rows, tmp_path / "v.parquet", batch_rows=1000)
    columns = dataset_read.votes_read(tmp_path / "v.parquet")
    assert columns.models == ("M0", "M1", "M2")
    assert columns.code_a.tolist() == [i % 3 for i in range(2500)]
    assert columns.code_b.tolist() == [(i + 1) % 3 for i in range(2500)]
    assert set(columns.outcome.tolist()) == {1}


def test_a_parquet_file_hashes_as_its_jsonl_across_batches_of_either_kind(tmp_path, monkeypatch):
    # Given rows in several row groups, one of them with a control character (json.dumps's own
    # escape, so its batch is written back through Python) between plain ones
    rows = [dict(ROWS[1], battle_id=f"b{i}", voter="탭\there" if i == 3 else f"v{i}")
            for i in range(7)]
    dataset.jsonl_write(rows, tmp_path / "v.jsonl")
    dataset.parquet_write(rows, tmp_path / "v.parquet", batch_rows=3)
    # When the Parquet rows are hashed two at a time
    monkeypatch.setattr(dataset_read, "HASH_BATCH_ROWS", 2)
    # Then the hash is the JSONL file's, and the rows' own
    assert dataset_read.votes_sha256(tmp_path / "v.parquet") == dataset_read.votes_sha256(tmp_path / "v.jsonl")
    assert dataset_read.votes_sha256(tmp_path / "v.parquet") == dataset.rows_sha256(rows)


def test_a_jsonl_line_longer_than_the_read_block_is_read(tmp_path, monkeypatch):
    # Given a vote whose line (an unknown field of long text) is longer than pyarrow's block
    monkeypatch.setattr(dataset_read, "JSON_BLOCK_BYTES", 256)
    rows = [dict(ROWS[1], excluded=None), dict(ROWS[1], excluded=None, note="긴 글 " * 200),
            dict(ROWS[1], excluded=None, winner="model_b")]
    dataset.jsonl_write(rows, tmp_path / "v.jsonl")
    # When it is read, then every row counts
    columns = dataset_read.votes_read(tmp_path / "v.jsonl")
    assert columns.outcome.tolist() == [0, 0, 1]
