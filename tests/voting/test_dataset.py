"""The dataset files: JSONL and Parquet hold the same rows and hash to the same votes_sha256."""
import pytest

from voting import dataset

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
    assert dataset.votes_sha256(tmp_path / "v.jsonl") == expected
    assert dataset.votes_sha256(tmp_path / "v.parquet") == expected


def test_votes_read_skips_excluded_rows_and_encodes_models(tmp_path):
    dataset.parquet_write(ROWS, tmp_path / "v.parquet")
    columns = dataset.votes_read(tmp_path / "v.parquet")
    assert columns.rows == 2
    assert columns.models == ('A "인용" \\ 역슬래시', "B")
    assert columns.code_a.tolist() == [0] and columns.code_b.tolist() == [1]
    assert columns.outcome.tolist() == [3]


def test_empty_files_give_no_votes(tmp_path):
    (tmp_path / "v.jsonl").write_text("")
    dataset.parquet_write([], tmp_path / "v.parquet")
    for name in ("v.jsonl", "v.parquet"):
        assert dataset.votes_read(tmp_path / name).models == ()
