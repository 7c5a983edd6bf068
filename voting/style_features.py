"""The published style features read back: what `manage.py ratings --style-features` joins to the
vote dataset's rows (the file and its manifest are written by voting/style_publication.py).

Pure Python; nothing here imports Django, so the ratings command reads the file without the apps.
"""
from __future__ import annotations

from pathlib import Path

from stats.style import STYLE_FEATURES
from voting import dataset

COLUMNS = ("battle_id", *(f"{name}_{side}" for side in ("a", "b") for name in STYLE_FEATURES))


class StyleFeaturesInvalid(ValueError):
    """A style-features file that cannot be read or does not cover the votes."""


def style_features_read(path: str | Path, battle_ids: tuple[str, ...]
                        ) -> tuple[list[list[float]], list[list[float]]]:
    """Return each side's features (STYLE_FEATURES order) for `battle_ids`, in their order.

    Raise StyleFeaturesInvalid naming the line of a malformed row, or the first battle the file
    does not cover.
    """
    found: dict[str, tuple[list[float], list[float]]] = {}
    try:
        for number, row in dataset.jsonl_rows(path):
            try:
                sides = tuple([float(row[f"{name}_{side}"]) for name in STYLE_FEATURES]
                              for side in ("a", "b"))
                found[str(row["battle_id"])] = sides
            except (KeyError, TypeError, ValueError) as error:
                raise StyleFeaturesInvalid(
                    f"{path}, line {number}: expected {', '.join(COLUMNS)} ({error})") from error
    except dataset.DatasetError as error:
        raise StyleFeaturesInvalid(f"{path}: {error}") from error
    missing = [battle for battle in battle_ids if battle not in found]
    if missing:
        raise StyleFeaturesInvalid(
            f"{path} has no style features for battle {missing[0]} ({len(missing)} missing)")
    return [found[b][0] for b in battle_ids], [found[b][1] for b in battle_ids]
