"""Rebuild the identity-question corpus and classifier: `python manage.py identity_train`.

Expands the templates of arena/identity_data/ into train.jsonl and heldout.jsonl, fits the
classifier on the training part, chooses its threshold by cross-validation on that part, writes
classifier.json, and prints the cross-validated and the held-out figures; with --families, also
each family of identity questions left out of training whole (a phrasing never seen). The same
sources and seed give byte-identical files.
"""
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand

from arena import identity_corpus, identity_training
from arena.identity import normalise
from arena.identity_classifier import IdentityClassifier


class Command(BaseCommand):
    help = "Build the identity-question corpus and classifier and print their held-out figures."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=identity_corpus.DATA_DIR,
                            help="Directory of the corpus sources (templates, slots, hand rows).")
        parser.add_argument("--output", type=Path, default=None,
                            help="Where to write train.jsonl, heldout.jsonl and classifier.json "
                                 "(default: the --data directory, i.e. the shipped files).")
        parser.add_argument("--seed", type=int, default=identity_training.SEED)
        parser.add_argument("--families", action="store_true",
                            help="Also measure each family of identity questions left out whole "
                                 "(one refit per family; a few minutes).")

    def handle(self, *args, data: Path, output: Path | None, seed: int, families: bool, **options):
        output = output or data
        output.mkdir(parents=True, exist_ok=True)
        corpus = identity_corpus.corpus_build(data, seed)
        identity_corpus.corpus_write(corpus, output)
        train, heldout = corpus["train"], corpus["heldout"]

        model, threshold, scores = identity_training.train(train, seed)
        spec = identity_training.export(model, threshold)
        (output / "classifier.json").write_text(identity_training.spec_dumps(spec), encoding="utf-8")

        labels = [row.label for row in train]
        cross = identity_training.figures(list(scores >= threshold), labels)
        classifier = IdentityClassifier(spec)
        flagged = [classifier.flags(normalise(row.text)) for row in heldout]
        held = identity_training.figures(flagged, [row.label for row in heldout])
        self.stdout.write(f"corpus: {len(train)} training rows, {len(heldout)} held-out rows")
        self.stdout.write(f"features: {len(spec['ngrams'])} n-grams; threshold {spec['threshold']}")
        self.stdout.write(f"cross-validated on training ({identity_training.FOLDS} folds): {cross}")
        self.stdout.write(f"held-out: {held}")
        for family in identity_training.families_of(heldout):
            asked = [(f, row.label) for f, row in zip(flagged, heldout) if row.kind == family and row.label]
            caught = sum(f for f, _ in asked)
            self.stdout.write(f"  held-out {family:<11} {caught}/{len(asked)} = {100 * caught / len(asked):.1f}%")
        self.stdout.write(f"wrote {output}/train.jsonl, heldout.jsonl, classifier.json "
                          f"(mean cross-validated score {float(np.mean(scores)):.3f})")
        if families:
            self.stdout.write("each family left out of training, at that model's own threshold:")
            for family in identity_training.families_of(train + heldout):
                self.stdout.write(str(identity_training.family_left_out(train, heldout, family, seed)))
