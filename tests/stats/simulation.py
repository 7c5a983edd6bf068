"""Simulated votes for the statistics' tests: Bradley–Terry outcomes with ties."""
import numpy as np


def simulate(truth, votes, rng, tie_share=0.2):
    """Return model_a, model_b, winner of votes drawn uniformly over the pairs of len(truth)."""
    names = np.array([chr(ord("A") + i) for i in range(len(truth))])
    first, second = np.triu_indices(len(truth), 1)
    pair = rng.integers(len(first), size=votes)
    win = 1 / (1 + 10 ** ((truth[second[pair]] - truth[first[pair]]) / 400))
    u = rng.random(votes)
    labels = np.where(u < win - tie_share / 2, "model_a",
                      np.where(u < win + tie_share / 2, "tie", "model_b"))
    return names[first[pair]], names[second[pair]], labels
