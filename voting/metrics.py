"""The votes' Prometheus metrics (prometheus_client; see arena/metrics.py for how they are
gathered): accepted by the path that stored them, refused by the refusal's error code."""
from prometheus_client import Counter

VOTES_ACCEPTED = Counter(
    "kai_votes_accepted", "Votes stored, by the path that stored them (fast: voting/fast_vote.py; django).",
    ["path"],
)
VOTES_REFUSED = Counter(
    "kai_votes_refused", "Votes refused, by the API error code they were answered with "
    "(already_voted, not_votable, rate_limited, ...).", ["reason"],
)
