"""Hostile requests through the real ASGI server (uvicorn, as the site runs it): a chunked body
past the cap is a JSON 413, and a websocket frame the site does not take is closed with a code,
whether the site or the server (its --ws-max-size) refuses it; the server logs no traceback.
"""
import os
import subprocess

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from ops.processes import processes_stop, web_command
from tests.conftest import RUN_ID
from tests.live.conftest import ROOT, free_port, wait_for_http
from tests.live.conftest import test_database_url as database_url

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

TRACEBACKS = (b"Traceback", b"Exception in ASGI application", b" ERROR ")


@pytest.fixture(scope="module")
def web(django_db_setup, tmp_path_factory):
    """uvicorn alone (no worker is needed to refuse a request), and its log."""
    log_path = tmp_path_factory.mktemp("web-log") / "web.log"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "CONN_MAX_AGE": "0",
           "CACHE_PREFIX": f"kai-test-{RUN_ID}", "CHANNEL_PREFIX": f"kai-test-{RUN_ID}",
           "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(web_command(port), cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process)
        yield f"127.0.0.1:{port}", log_path
    finally:
        processes_stop([process])
        print(f"----- web.log -----\n{log_path.read_text(errors='replace')[-3000:]}")


def assert_quiet(log_path) -> None:
    written = log_path.read_bytes()
    assert not [marker for marker in TRACEBACKS if marker in written], written[-3000:].decode(
        errors="replace")


def test_a_chunked_3_mb_body_is_a_json_413(web):
    address, log_path = web

    def chunks():  # a generator: httpx sends it chunked, without a Content-Length
        for _ in range(48):
            yield b"x" * 65536

    response = httpx.post(f"http://{address}/api/battles", content=chunks(),
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert_quiet(log_path)


def test_a_chunked_body_of_a_gigabyte_is_refused_before_it_is_read(web):
    # uvicorn reached directly: the 413 comes while the body arrives, not after a gigabyte on disk
    address, log_path = web
    sent = [0]

    def chunks():
        for _ in range(16 * 1024):  # 1 GiB in 64 KiB chunks
            sent[0] += 65536
            yield b"x" * 65536

    response = httpx.post(f"http://{address}/api/battles", content=chunks(),
                          headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert sent[0] < 64 * 1024 ** 2  # the cap, and what the sockets' buffers hold
    assert_quiet(log_path)


@pytest.mark.parametrize("frame, code", [
    ("{nope", 4400),
    (b"\x00\x01", 4400),
    ("[" * 30_000 + "]" * 30_000, 4400),
    ("x" * (5 * 1024 * 1024), 1009),  # the site refuses it
    ("x" * (17 * 1024 * 1024), 1009),  # past uvicorn's default --ws-max-size: the server does
])
def test_a_hostile_frame_is_closed_with_a_code(web, frame, code):
    address, log_path = web
    with connect(f"ws://{address}/ws/leaderboard/", origin=f"http://{address}",
                 max_size=None, close_timeout=5) as socket:
        socket.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None, "closed without a close frame"
    assert closed.value.rcvd.code == code
    assert_quiet(log_path)


def test_a_socket_path_the_site_does_not_serve_is_refused_quietly(web):
    address, log_path = web
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://{address}/ws/nope/", origin=f"http://{address}", open_timeout=10)
    assert refused.value.response.status_code == 403
    assert_quiet(log_path)
