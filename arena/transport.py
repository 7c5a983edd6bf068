"""The stream loop's HTTP transport to the teams: aiohttp's, under httpx's interface.

Why: reading a streamed answer through httpx's own transport (httpcore, h11, anyio: one read and
one cancel scope per SSE event) was the largest share of a worker's CPU per streamed piece, and
aiohttp's reads the same answer for about half of it (docs/performance.md). `arena.endpoints`
keeps speaking httpx; only the transport below it changes.

httpx-aiohttp maps aiohttp's errors to httpx's, but a connection refused or closed by the team
comes out as a connect *timeout* there, which arena.endpoints would report as `timeout`. Here
every error that was not a timeout in aiohttp is a connection error again: ConnectError before
the answer's head, ReadError while its body is read (arena.endpoints makes that `cut_off`).
tests/arena/test_endpoint_sockets.py holds every failure to its code on real sockets.
"""
from __future__ import annotations

import typing

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


def _timed_out(error: httpx.TimeoutException) -> bool:
    return isinstance(error.__cause__, TimeoutError)  # aiohttp's timeouts are TimeoutErrors


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream):
        self.stream = stream

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        try:
            async for chunk in self.stream:
                yield chunk
        except httpx.TimeoutException as error:
            if _timed_out(error):
                raise
            raise httpx.ReadError(str(error)) from error.__cause__

    async def aclose(self) -> None:
        await self.stream.aclose()


class TeamTransport(AiohttpTransport):
    """httpx-aiohttp's transport with a refused, reset or closed connection reported as one."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.TimeoutException as error:
            if _timed_out(error):
                raise
            raise httpx.ConnectError(str(error)) from error.__cause__
        response.stream = _Body(response.stream)
        return response


# An idle connection is kept this long for the next answer. aiohttp's default, 15 s, outlives
# many servers' own keep-alive (uvicorn's is 5 s): a request written to a connection the team
# had closed failed the side as a connection failure ("Can not write request body"), seen once in
# 400 sides of a burst on a loaded machine. httpx's transport kept them 5 s.
KEEPALIVE_SECONDS = 4.0


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        pass


class _TeamClient(httpx.AsyncClient):
    """httpx's client keeping no cookie: the endpoint contract is a key in a header, a cookie a
    team sets would ride along with every other side's request to it, and reading each answer's
    headers into a cookie jar was a visible share of a side's start."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._cookies = _NoCookies()  # what the `cookies` property returns and answers fill

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies) -> None:
        self._cookies = _NoCookies(cookies)


def team_client() -> httpx.AsyncClient:
    """A new HTTP client for one team endpoint: no bound on its connections (every stream may
    hold one; idle ones are kept KEEPALIVE_SECONDS for the next answer), no cookies."""

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS)
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    return _TeamClient(transport=TeamTransport(client=session))
