"""The contest's own tunables: the arena's limits, the leaderboards, the anomaly screen, experts.

config/settings.py calls each function once with its environment reader (django-environ) and
stores the result as ARENA, LEADERBOARD, ANOMALY and EXPERT. Every value is a setting so that a
contest can tune it without a deploy; the variable names and defaults are the deployment's
contract (README, docs/organizers.md).
"""
from environ import Env


def arena(env: Env, *, production: bool, pow_hmac_key: str) -> dict:
    """Return settings.ARENA: prompts, streams, caps, health probes, the vote's fast path, proof
    of work (on by default in `production`, keyed with `pow_hmac_key`)."""
    return {
        "PROMPT_MAX_CHARS": env.int("ARENA_PROMPT_MAX_CHARS", default=4000),
        "MAX_TURNS": env.int("ARENA_MAX_TURNS", default=5),
        # Tokens are pushed to the browser at most this often (seconds) and in batches of at most
        # this many characters, so that a fast model does not flood the channel layer.
        "STREAM_BATCH_SECONDS": env.float("ARENA_STREAM_BATCH_SECONDS", default=0.05),
        "STREAM_BATCH_CHARS": env.int("ARENA_STREAM_BATCH_CHARS", default=200),
        # Under load a worker process's streams together send at most this many token batches a
        # second: each batch stretches to streams / this (see arena.streaming.batch_interval).
        "STREAM_MESSAGES_PER_SECOND": env.int("ARENA_STREAM_MESSAGES_PER_SECOND", default=1000),
        # Battles started and votes cast per voter (session) and per client network (IPv4 /24,
        # IPv6 /64), each a list of windows ("30/h,200/d"), counted in Redis (see config/limits.py).
        # A network holds many citizens (a campus, a mobile carrier's NAT), so its caps are higher.
        "LIMITS": {
            "battle": {
                "voter": env.list("ARENA_BATTLE_LIMITS_VOTER", default=["30/h", "200/d"]),
                "network": env.list("ARENA_BATTLE_LIMITS_NETWORK", default=["300/h", "3000/d"]),
            },
            "vote": {
                "voter": env.list("ARENA_VOTE_LIMITS_VOTER", default=["30/h", "200/d"]),
                "network": env.list("ARENA_VOTE_LIMITS_NETWORK", default=["300/h", "3000/d"]),
            },
            # The reason tags a citizen may send after each vote (a second send replaces them).
            "reasons": {
                "voter": env.list("ARENA_REASONS_LIMITS_VOTER", default=["60/h", "400/d"]),
                "network": env.list("ARENA_REASONS_LIMITS_NETWORK", default=["600/h", "6000/d"]),
            },
        },
        "RESPONSE_MAX_CHARS": env.int("ARENA_RESPONSE_MAX_CHARS", default=20000),
        # Paced streams (a contest's paced_streams; arena.pacing): once the slower side has
        # ended, the rest of a longer, faster answer goes on at the shared pace (at least
        # PACED_MIN_CHARS_PER_SECOND) but is never shown more than PACED_MAX_LAG_SECONDS after
        # it arrived (or after the other side ended); the web process looks every
        # PACED_TICK_SECONDS.
        "PACED_MAX_LAG_SECONDS": env.float("ARENA_PACED_MAX_LAG_SECONDS", default=5.0),
        "PACED_MIN_CHARS_PER_SECOND": env.float("ARENA_PACED_MIN_CHARS_PER_SECOND", default=40.0),
        "PACED_TICK_SECONDS": env.float("ARENA_PACED_TICK_SECONDS", default=0.05),
        # Bounds on every team's stream (see arena.endpoints.endpoint_config): the first piece
        # of answer within FIRST_TOKEN_TIMEOUT_SECONDS; once answering for
        # STREAM_MIN_RATE_GRACE_SECONDS, no slower on average than STREAM_MIN_CHARS_PER_SECOND
        # (0 turns it off); a 429 whose Retry-After is at most RETRY_AFTER_MAX_SECONDS is waited
        # out and asked once more.
        "FIRST_TOKEN_TIMEOUT_SECONDS": env.float("ARENA_FIRST_TOKEN_TIMEOUT_SECONDS", default=30.0),
        "STREAM_MIN_CHARS_PER_SECOND": env.float("ARENA_STREAM_MIN_CHARS_PER_SECOND", default=2.0),
        "STREAM_MIN_RATE_GRACE_SECONDS": env.float(
            "ARENA_STREAM_MIN_RATE_GRACE_SECONDS", default=10.0
        ),
        "RETRY_AFTER_MAX_SECONDS": env.float("ARENA_RETRY_AFTER_MAX_SECONDS", default=5.0),
        # Threads (and so database connections) each worker process gives its streams' database
        # work; the streams themselves run on one event loop (arena.runner).
        "STREAM_DB_THREADS": env.int("ARENA_STREAM_DB_THREADS", default=8),
        # A streaming side holds a lease in Redis that its worker renews every
        # LEASE_RENEW_SECONDS and that lapses LEASE_SECONDS after the last renewal (arena.leases);
        # a side whose lease lapsed, or still pending or streaming REAP_MARGIN_SECONDS past its
        # entrant's timeout, lost its worker: the reaper (every REAP_EVERY_SECONDS, on beat) ends
        # it and tells the page. A lost worker is told within about LEASE_SECONDS +
        # REAP_EVERY_SECONDS.
        "LEASE_SECONDS": env.int("ARENA_LEASE_SECONDS", default=5),
        "LEASE_RENEW_SECONDS": env.float("ARENA_LEASE_RENEW_SECONDS", default=1.5),
        "REAP_MARGIN_SECONDS": env.int("ARENA_REAP_MARGIN_SECONDS", default=30),
        "REAP_EVERY_SECONDS": env.int("ARENA_REAP_EVERY_SECONDS", default=3),
        # A side whose worker was lost before it had shown any text is queued again (for another
        # worker) this many times, while its entrant's timeout since the turn was asked lasts;
        # 0 ends it with worker_lost at once.
        "LOST_SIDE_RETRIES": env.int("ARENA_LOST_SIDE_RETRIES", default=1),
        # On PostgreSQL, a vote that will be stored is answered on the event loop, outside Django's
        # request cycle (voting/fast_vote.py), with a pool of this many connections per process.
        "VOTE_FAST_PATH": env.bool("ARENA_VOTE_FAST_PATH", default=True),
        "VOTE_FAST_PATH_CONNECTIONS": env.int("ARENA_VOTE_FAST_PATH_CONNECTIONS", default=5),
        # Likewise a battle start that will succeed (arena/fast_start.py), with its own pool.
        "START_FAST_PATH": env.bool("ARENA_START_FAST_PATH", default=True),
        "START_FAST_PATH_CONNECTIONS": env.int("ARENA_START_FAST_PATH_CONNECTIONS", default=5),
        # An entrant out of sampling after repeated failures is asked a short question this often,
        # and is back in once it answers within HEALTH_PROBE_TIMEOUT_SECONDS (arena.health).
        "HEALTH_PROBE_EVERY_SECONDS": env.int("ARENA_HEALTH_PROBE_EVERY_SECONDS", default=30),
        "HEALTH_PROBE_TIMEOUT_SECONDS": env.float(
            "ARENA_HEALTH_PROBE_TIMEOUT_SECONDS", default=20.0
        ),
        # A proof-of-work challenge (ALTCHA) solved in the browser before each battle: on in
        # production, off in the demo and tests unless ARENA_POW=1. Work grows with MAX_NUMBER
        # (maxnumber / 2 SHA-256 hashes on average; 100,000 is about a second on a phone).
        "POW": {
            "ENABLED": env.bool("ARENA_POW", default=production),
            "MAX_NUMBER": env.int("ARENA_POW_MAX_NUMBER", default=100_000),
            "EXPIRES_SECONDS": env.int("ARENA_POW_EXPIRES_SECONDS", default=600),
            "HMAC_KEY": pow_hmac_key,
        },
    }


def leaderboard(env: Env) -> dict:
    """Return settings.LEADERBOARD. The bootstrap is seeded, so anyone recomputing from the
    export gets the same CIs."""
    return {
        "BOOTSTRAP_ROUNDS": env.int("LEADERBOARD_BOOTSTRAP_ROUNDS", default=1000),
        "SEED": env.int("LEADERBOARD_SEED", default=0),
        # The style-controlled view refits one row per vote, so it takes fewer rounds.
        "STYLE_BOOTSTRAP_ROUNDS": env.int("LEADERBOARD_STYLE_BOOTSTRAP_ROUNDS", default=100),
        # A model is shown as provisional (잠정) until it has this many counted votes.
        "PROVISIONAL_VOTES": env.int("LEADERBOARD_PROVISIONAL_VOTES", default=30),
        # Below this many battles of its least-seen model a board shows counts and win rates, not
        # ratings and ranks: from a simulation of its intervals' coverage (docs/leaderboard.md).
        "MIN_BATTLES_RATED": env.int("LEADERBOARD_MIN_BATTLES_RATED", default=15),
        # Below this many counted votes a board shows no style-controlled column, only a note:
        # the style coefficients cannot be told from the models on a few dozen votes.
        "STYLE_MIN_VOTES": env.int("LEADERBOARD_STYLE_MIN_VOTES", default=50),
        # The experts' agreement figures (alpha, kappa) are shown only from this many judged
        # items; Kendall's tau only when neither board is provisional (a tau of -1 from one
        # judgment says nothing).
        "AGREEMENT_MIN_ITEMS": env.int("LEADERBOARD_AGREEMENT_MIN_ITEMS", default=10),
        # Weights of each track in the combined board; published on the leaderboard page.
        "TRACK_WEIGHTS": {
            "citizen": env.float("LEADERBOARD_WEIGHT_CITIZEN", default=0.5),
            "expert": env.float("LEADERBOARD_WEIGHT_EXPERT", default=0.5),
        },
        "REFRESH_SECONDS": env.int("LEADERBOARD_REFRESH_SECONDS", default=60),
        # The leaderboard API's JSON and the page's data are served from the cache (Redis) and
        # dropped whenever a snapshot lands or the contest changes phase; this bounds what nothing
        # drops: the chain head and the team names in the JSON may be this many seconds old.
        "CACHE_SECONDS": env.int("LEADERBOARD_CACHE_SECONDS", default=5),
        # The panel board's raking weights are trimmed to [1/cap, cap] times the mean.
        "PANEL_WEIGHT_CAP": env.float("LEADERBOARD_PANEL_WEIGHT_CAP", default=5.0),
    }


def anomaly(env: Env) -> dict:
    """Return settings.ANOMALY: the anomalous-voter test (stats.anomaly; docs/integrity.md). A
    voter whose combined p-value is below ALPHA, over at least MIN_VOTES counted votes, is
    flagged for organizers."""
    return {
        "ALPHA": env.float("ANOMALY_ALPHA", default=0.001),
        "MIN_VOTES": env.int("ANOMALY_MIN_VOTES", default=10),
        "SCREEN_SECONDS": env.int("ANOMALY_SCREEN_SECONDS", default=15 * 60),
    }


def expert(env: Env) -> dict:
    """Return settings.EXPERT: the expert track's limits (docs/expert-track.md)."""
    return {
        "RATIONALE_MIN_CHARS": env.int("EXPERT_RATIONALE_MIN_CHARS", default=20),
        "RATIONALE_MAX_CHARS": env.int("EXPERT_RATIONALE_MAX_CHARS", default=5000),
        "SKIP_REASON_MIN_CHARS": env.int("EXPERT_SKIP_REASON_MIN_CHARS", default=5),
        "JUDGES_PER_PAIR": env.int("EXPERT_JUDGES_PER_PAIR", default=3),
        "GOLD_PER_EXPERT": env.int("EXPERT_GOLD_PER_EXPERT", default=2),
        "IMPORT_MAX_ROWS": env.int("EXPERT_IMPORT_MAX_ROWS", default=5000),
        "PROMPT_MAX_CHARS": env.int("EXPERT_PROMPT_MAX_CHARS", default=8000),
    }
