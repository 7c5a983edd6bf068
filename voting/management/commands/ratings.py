"""Recompute a leaderboard from a published vote dataset (the Ratings CLI of DESIGN.md).

    python manage.py ratings --input votes.jsonl|votes.parquet [--bootstrap 1000] [--seed 0] [--json]
        [--style-features style-features.jsonl [--style-bootstrap 100] [--style-min-votes 50]]
        [--advance K [--confidence 0.95] [--tie share|all]]
    python manage.py ratings --input votes.jsonl judgments.jsonl [--weights 0.5 0.5] ...

Prints the same JSON as /api/leaderboard's "models", "method" and "votes", plus "votes_sha256"
(the hash of the dataset's rows as canonical JSONL: compare it with the snapshot's and with the
manifest's `files["votes.jsonl"]`). Rows with `excluded` set are skipped; unknown fields are
ignored; a malformed line is an error that names its line number. Both formats are read with
pyarrow (columnar), see voting/dataset_read.py.

With --style-features (the file published beside the vote dataset, voting/style_publication.py)
the output also has "style_control": the leaderboard's style-controlled board, computed by the
same function (stats.style.style_board) with the board's defaults (settings.LEADERBOARD).

With --advance K the output also has "advance" (DESIGN.md's Ratings CLI): each model's
probability of being among the top K, from the same bootstrap refits as the intervals, whether
the advancing set is decided at --confidence and that set (stats.decision, docs/decision.md).

Several inputs (the vote dataset and the judgments dataset) make the combined board: each file's
rows count with its --weights entry (the tracks' published weights, in the inputs' order; equal
by default), normalised to a mean of one over the rows as the site's combined board does.
"ratings_shown" says whether the site shows this board's ratings or only counts and win rates
(stats.evidence, settings.LEADERBOARD["MIN_BATTLES_RATED"]).
"""
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import numpy as np

from stats import counts, decision, evidence, ratings, style
from voting import dataset, dataset_read
from voting.style_features import StyleFeaturesInvalid, style_features_read

REQUIRED = ("model_a", "model_b", "winner")
WINNERS = set(counts.WINNER_LABELS)


def jsonl_objects(path: str):
    """Yield (line number, object) of a JSONL file, or raise CommandError naming the bad line."""
    try:
        yield from dataset.jsonl_rows(path)
    except dataset.DatasetError as error:
        raise CommandError(str(error)) from error


def rows_read(path: str) -> tuple[list[str], list[str], list[str]]:
    """Return the counted rows' model_a, model_b and winner columns, or raise CommandError."""
    columns: tuple[list[str], list[str], list[str]] = ([], [], [])
    for number, row in jsonl_objects(path):
        if row.get("excluded"):
            continue
        for key in REQUIRED:
            if not isinstance(row.get(key), str) or not row[key]:
                raise CommandError(f"line {number}: missing or non-text field {key!r}")
        if row["winner"] not in WINNERS:
            raise CommandError(
                f"line {number}: winner {row['winner']!r} is not one of {sorted(WINNERS)}"
            )
        if row["model_a"] == row["model_b"]:
            raise CommandError(f"line {number}: a model cannot battle itself")
        for column, key in zip(columns, REQUIRED):
            column.append(row[key])
    return columns


class Command(BaseCommand):
    help = "Compute Bradley–Terry ratings with bootstrap intervals from a vote dataset (JSONL or Parquet)."
    # The command reads files and touches neither the database nor the site: the system checks
    # would import every URLconf, view and API module for nothing (docs/performance.md).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--input", required=True, nargs="+",
            help="The vote dataset: .jsonl (one JSON object a line) or .parquet; several files "
                 "(votes and judgments) make the combined board.",
        )
        parser.add_argument(
            "--weights", type=float, nargs="+",
            help="Each input's weight on the combined board, in the inputs' order (default equal).",
        )
        parser.add_argument(
            "--advance", type=int,
            help="Also print \"advance\": each model's probability of being among the top K and "
                 "whether that set is decided.",
        )
        parser.add_argument(
            "--confidence", type=float, default=0.95,
            help="The confidence at which the advancing set is decided (default 0.95).",
        )
        parser.add_argument(
            "--tie", choices=decision.TIE_RULES, default="share",
            help="A tie at the cut in a bootstrap refit: the tied models share the places left "
                 "(share, the default) or all count as advancing (all).",
        )
        parser.add_argument("--bootstrap", type=int, default=1000, help="Bootstrap rounds (default 1000).")
        parser.add_argument("--seed", type=int, default=0, help="Bootstrap seed (default 0).")
        parser.add_argument(
            "--style-features", dest="style_features",
            help="The published style-features.jsonl: also print the style-controlled board.",
        )
        parser.add_argument(
            "--style-bootstrap", type=int, dest="style_bootstrap",
            default=settings.LEADERBOARD["STYLE_BOOTSTRAP_ROUNDS"],
            help="Bootstrap rounds of the style-controlled board (default: the leaderboard's).",
        )
        parser.add_argument(
            "--style-min-votes", type=int, dest="style_min_votes",
            default=settings.LEADERBOARD["STYLE_MIN_VOTES"],
            help="Votes below which no style-controlled board is fitted (default: the leaderboard's).",
        )
        parser.add_argument(
            "--json", action="store_true", dest="compact",
            help="Print compact JSON on one line (the default is indented JSON).",
        )

    def handle(self, *args, input, bootstrap, seed, compact, style_features=None,
               style_bootstrap=100, style_min_votes=50, weights=None, advance=None,
               confidence=0.95, tie="share", **options):
        inputs = [input] if isinstance(input, str) else list(input)
        for flag, value in (("--bootstrap", bootstrap), ("--style-bootstrap", style_bootstrap)):
            if value < 0 or value > 100_000:
                raise CommandError(f"{flag} must be between 0 and 100000.")
        if style_min_votes < 0:
            raise CommandError("--style-min-votes must not be negative.")
        if style_features and len(inputs) > 1:
            raise CommandError("--style-features needs one input: style control is citizens' only.")
        if weights is not None and len(weights) != len(inputs):
            raise CommandError(f"--weights needs one weight per input ({len(inputs)}), not {len(weights)}.")
        if weights is not None and not all(w >= 0 and np.isfinite(w) for w in weights):
            raise CommandError("--weights must be finite and not negative.")
        rule = self.rule(advance, confidence, tie)
        read = [self.columns_read(path, with_ids=bool(style_features)) for path in inputs]
        columns = read[0]
        if len(read) == 1:
            pairs = counts.aggregate_encoded(
                columns.models, columns.code_a, columns.code_b, columns.outcome
            )
        else:
            pairs = self.combined(read, weights)
        if rule is not None and rule.k >= len(pairs.models):
            raise CommandError(f"--advance must be below the number of models "
                               f"({len(pairs.models)}), not {rule.k}.")
        if rule is not None:
            board = decision.leaderboard_with_advance(pairs, rule, bootstrap_rounds=bootstrap,
                                                      seed=seed)
        else:
            board = ratings.leaderboard_from_counts(pairs, bootstrap_rounds=bootstrap, seed=seed)
        withheld = evidence.ratings_withheld(
            board, min_battles=settings.LEADERBOARD["MIN_BATTLES_RATED"])
        output = {
            "models": board["models"],
            "method": board["method"],
            "votes": board["votes"],
            "votes_sha256": dataset_read.votes_sha256(inputs[0]),
            "ratings_shown": withheld is None,
            "ratings_withheld": withheld,
        }
        if len(inputs) > 1:
            output["inputs"] = [
                {"input": path, "sha256": dataset_read.votes_sha256(path),
                 "weight": weights[i] if weights else 1.0}
                for i, path in enumerate(inputs)
            ]
        if rule is not None:
            output["advance"] = board["advance"]
        if style_features:
            output["style_control"] = self.style_board(
                columns, style_features, rounds=style_bootstrap, seed=seed,
                min_votes=style_min_votes)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=None if compact else 2))

    @staticmethod
    def rule(advance, confidence, tie) -> decision.Rule | None:
        """Return the decision rule of --advance, --confidence and --tie, or raise CommandError."""
        if advance is None:
            return None
        if advance < 1:
            raise CommandError(f"--advance must be at least 1, not {advance}.")
        if not 0 < confidence < 1:
            raise CommandError(f"--confidence must be between 0 and 1 (exclusive), not {confidence}.")
        try:
            return decision.Rule(advance, confidence, tie)
        except ValueError as error:
            raise CommandError(str(error)) from error

    @staticmethod
    def columns_read(path: str, *, with_ids: bool):
        try:
            return dataset_read.votes_read(path, with_ids=with_ids)
        except dataset.DatasetError as error:
            if path.lower().endswith(".jsonl"):
                rows_read(path)  # names the malformed line, when there is one
            raise CommandError(str(error)) from error

    @staticmethod
    def combined(read: list, weights: list[float] | None) -> counts.PairCounts:
        """Return the combined board's counts: every file's rows, each with its file's weight."""
        names = tuple(sorted(set().union(*(columns.models for columns in read))))
        index = {name: code for code, name in enumerate(names)}
        code_a, code_b, outcome, row_weights = [], [], [], []
        for i, columns in enumerate(read):
            recode = np.array([index[name] for name in columns.models], dtype=np.int64)
            code_a.append(recode[columns.code_a] if len(columns.models) else columns.code_a)
            code_b.append(recode[columns.code_b] if len(columns.models) else columns.code_b)
            outcome.append(columns.outcome)
            row_weights.append(np.full(len(columns.outcome), weights[i] if weights else 1.0))
        row_weights = np.concatenate(row_weights)
        mean = row_weights.mean() if row_weights.size else 0.0
        return counts.aggregate_encoded(
            names, np.concatenate(code_a), np.concatenate(code_b), np.concatenate(outcome),
            weights=row_weights / mean if mean > 0 else None,
        )

    @staticmethod
    def style_board(columns, path: str, *, rounds: int, seed: int, min_votes: int) -> dict:
        try:
            features_a, features_b = style_features_read(path, columns.battle_ids)
        except StyleFeaturesInvalid as error:
            raise CommandError(str(error)) from error
        names = columns.models
        return style.style_board(
            [names[code] for code in columns.code_a], [names[code] for code in columns.code_b],
            [counts.WINNER_LABELS[code] for code in columns.outcome], features_a, features_b,
            min_votes=min_votes, bootstrap_rounds=rounds, seed=seed,
        )
