"""One webhook address in front of several bot processes, as nginx or Caddy would be
(compose.yaml): each update goes to the next process in turn, and to the one after it when a
process does not answer (killed). It records which process got which update."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

from tests.botenv import free_port


class RoundRobin:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.handled: list[int] = []  # index of the backend that answered, per update
        self._turn = itertools.cycle(range(len(backends)))
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> RoundRobin:
        app = web.Application()
        app.router.add_post("/webhook", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._http = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        for _ in range(len(self.backends)):
            index = next(self._turn)
            try:
                async with self._http.post(self.backends[index], data=body,
                                           headers=headers) as resp:
                    text = await resp.read()
                    self.handled.append(index)
                    return web.Response(status=resp.status, body=text,
                                        content_type=resp.content_type)
            except aiohttp.ClientConnectionError:
                continue  # that process is gone: the next one
        return web.Response(status=502)
