"""A body sent in chunks past its cap is refused while it arrives, not once it is all read
(config/body_limit.py): Django's ASGI handler would otherwise write it all to disk first."""
import httpx
import pytest

from config.api import MAX_BODY_BYTES
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 64 * 1024


def endless(pulled: list[int], total: int = 1024 ** 3):
    """A chunked body of `total` bytes (1 GiB), counting in `pulled` what the server took."""

    async def chunks():
        for _ in range(total // CHUNK):
            pulled[0] += CHUNK
            yield b"x" * CHUNK

    return chunks()


async def post(path: str, content) -> httpx.Response:
    transport = httpx.ASGITransport(app=application, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.post(path, content=content, headers={"Content-Type": "application/json"})


async def test_an_api_body_past_the_cap_is_a_json_413_after_reading_little_more_than_the_cap():
    pulled = [0]

    response = await post("/api/battles", endless(pulled))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert pulled[0] <= MAX_BODY_BYTES + CHUNK


async def test_a_page_body_past_djangos_cap_is_the_error_page(settings):
    pulled = [0]

    response = await post("/", endless(pulled))

    assert response.status_code == 413 and "<html" in response.text
    assert pulled[0] <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + CHUNK


async def test_a_body_within_the_cap_reaches_the_site_whole():
    async def chunks():
        yield b'{"prompt": '
        yield b'"\\uc548\\ub155"}'

    response = await post("/api/battles", chunks())

    # Django read it whole: it is refused for what it says (no CSRF token), not for its size
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
