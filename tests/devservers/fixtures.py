"""The mock team server running for real in a thread, for the tests that stream from it."""

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from devservers.mock_teams import build_app

# Twenty times faster than real keeps the suite quick while delays stay long enough to measure.
MOCK_TEAMS_TEST_SPEED = 20.0


@pytest.fixture(scope="session")
def _mock_teams_base_url() -> Iterator[str]:
    # Binding the socket here, rather than letting uvicorn pick port 0, tells us the port
    # before the server starts and leaves no window for another process to take it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        build_app(speed=MOCK_TEAMS_TEST_SPEED),
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    give_up_at = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > give_up_at:
            raise RuntimeError("the mock team server did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)
    listener.close()


@pytest.fixture
def mock_teams_server(_mock_teams_base_url: str) -> Iterator[str]:
    """Yield the base URL of a running mock team server with its starting settings.

    The server lives for the whole session; faults a test injects through ``/_control``
    are reset before and after each test so that tests cannot leak into each other.
    """
    httpx.post(f"{_mock_teams_base_url}/_control/reset").raise_for_status()
    yield _mock_teams_base_url
    httpx.post(f"{_mock_teams_base_url}/_control/reset").raise_for_status()
