"""Run the test suite, first making sure a Redis answers at REDIS_URL.

`make test` calls this. On a machine without Redis it starts an embedded one (see
`config.embedded_redis`); on CI (CI=true) a missing Redis is an error, never worked around,
and the database is PostgreSQL (DATABASE_URL, by default the one on 127.0.0.1:5432).

With no arguments it runs the whole suite in two passes: the tests without the live stack and
the browser spread over every core (pytest-xdist, as `make test-fast`), then the live and
browser tests one at a time (each starts processes and ports of its own). Both passes run; the
run fails if either does. With arguments, one pytest run with those arguments.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.embedded_redis import redis_answers, redis_available

ROOT = Path(__file__).resolve().parents[1]


# On CI the real services are required; where CI=true is set without saying where they are,
# they are where this project's CI machines have them.
CI_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kai_arena"


def main(args: list[str]) -> int:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    on_ci = os.environ.get("CI", "").lower() == "true"
    if on_ci:
        os.environ.setdefault("DATABASE_URL", CI_DATABASE_URL)
    if on_ci and not redis_answers(url):
        print(f"CI=true and no Redis answers at {url}", file=sys.stderr)
        return 2
    with redis_available(url, data_dir=ROOT / "var" / "redis-test", port=6388) as ready_url:
        os.environ["REDIS_URL"] = ready_url
        if args:
            return pytest.main(args)
        return suite_in_two_passes()


PASSES = (
    ["-m", "not live and not browser", "-n", "auto"],
    ["-m", "live or browser"],
)


def suite_in_two_passes() -> int:
    codes = [subprocess.call([sys.executable, "-m", "pytest", *arguments], cwd=ROOT)
             for arguments in PASSES]
    # pytest's 5 ("no tests collected") would mean a pass lost its tests: a failure too.
    return next((code for code in codes if code != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
