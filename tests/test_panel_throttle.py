"""Login throttling under attack: every path costs one argon2 check, the checks run off the
event loop, X-Forwarded-For counts only from a trusted proxy, and a stranger's failures do
not lock the owner out."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from bot.db.models import StaffLoginFailure
from bot.runner import server_config
from bot.staff.throttle import ADDRESS_MAX_FAILURES
from tests.botenv import SLOW_MACHINE
from tests.panel_client import (
    PASSWORD,
    build_env,
    csrf,
    panel_env,  # noqa: F401 (the fixture `env`)
    post_form,
)

ATTACKER = "198.51.100.7"
OWNER = "192.0.2.10"


class CheckSpy:
    """Counts argon2 checks, notes the thread each ran on and how many run at this moment."""

    def __init__(self, passwords) -> None:
        self.threads: list[str] = []
        self.in_flight = 0
        self._verify = passwords.verify_sync
        passwords.verify_sync = self

    def __call__(self, password_hash: str, password: str) -> bool:
        self.threads.append(threading.current_thread().name)
        self.in_flight += 1
        try:
            return self._verify(password_hash, password)
        finally:
            self.in_flight -= 1

    @property
    def count(self) -> int:
        return len(self.threads)


async def login(env, email: str, password: str, address: str) -> httpx.Response:
    async with env.client(address) as client:
        return await post_form(client, "/panel/login", {"email": email, "password": password})


async def test_every_login_path_costs_one_password_check(env):
    """A locked or disabled account and an unknown e-mail must not answer faster than a real
    one: the pentest told real e-mails from unknown ones by a 3 ms vs 150 ms answer."""
    await env.account("ed@example.org", "editor")
    await env.account("gone@example.org", "editor")
    await env.panel.staff.disable("gone@example.org", actor="test")
    spy = CheckSpy(env.panel.staff.passwords)
    paths = {}

    async def attempt(name: str, email: str, password: str, address: str, status: int) -> None:
        before = spy.count
        response = await login(env, email, password, address)
        assert response.status_code == status, (name, response.status_code)
        paths[name] = spy.count - before

    await attempt("unknown e-mail", "nobody@example.org", PASSWORD, "10.0.0.1", 400)
    await attempt("disabled", "gone@example.org", PASSWORD, "10.0.0.2", 400)
    await attempt("wrong password", "ed@example.org", "wrong password", "10.0.0.3", 400)
    for _ in range(4):
        await attempt("locking", "ed@example.org", "wrong password", "10.0.0.3", 400 if _ < 3 else 429)
    await attempt("locked account", "ed@example.org", "wrong password", "10.0.0.3", 429)
    await attempt("locked, right password", "ed@example.org", PASSWORD, "10.0.0.3", 429)
    for _ in range(5):
        await login(env, "nobody@example.org", "x", "10.0.0.1")
    await attempt("locked unknown e-mail", "nobody@example.org", "x", "10.0.0.1", 429)
    await attempt("right password", "ed@example.org", PASSWORD, "10.0.0.4", 303)
    assert paths == {name: 1 for name in paths}, paths
    # Only an address over its limit is answered without a check: that answer is the same
    # for every e-mail, and checking would hand the address our CPU.
    for i in range(ADDRESS_MAX_FAILURES):
        await login(env, f"x{i}@example.org", "guess", "10.0.0.9")
    await attempt("address over its limit", "ed@example.org", PASSWORD, "10.0.0.9", 429)
    assert paths["address over its limit"] == 0


async def test_password_checks_run_off_the_event_loop(env):
    """During a burst of failing logins the event loop goes on: every argon2 check runs in
    the worker pool, and a probe task on the loop runs while checks are in progress (it never
    could if they ran on the loop). Asserted this way, not on measured lag: the test machine
    is shared and its timings are noise."""
    await env.account("ed@example.org", "editor")
    spy = CheckSpy(env.panel.staff.passwords)
    seen_during_checks = 0
    done = asyncio.Event()

    async def probe() -> None:
        nonlocal seen_during_checks
        while not done.is_set():
            await asyncio.sleep(0.005)
            seen_during_checks += spy.in_flight > 0

    burst = 40
    task = asyncio.create_task(probe())
    results = await asyncio.gather(*[
        env.panel.staff.authenticate("ed@example.org", f"guess {i}", f"10.1.{i}.1")
        for i in range(burst)])
    done.set()
    await task
    assert all(not r.ok for r in results)
    assert spy.count == burst
    assert all(name.startswith("argon2") for name in spy.threads), set(spy.threads)
    assert seen_during_checks > 0


async def test_a_stranger_cannot_lock_the_owner_out(env):
    """20 failures from one address lock the account for that address only: the admin's
    right password from their own address still works, and a second stranger gets one try."""
    await env.account("admin@example.org", "admin")
    codes = [(await login(env, "admin@example.org", "guess", ATTACKER)).status_code
             for _ in range(ADDRESS_MAX_FAILURES)]
    assert codes == [400] * 4 + [429] * (ADDRESS_MAX_FAILURES - 4)
    assert (await login(env, "admin@example.org", PASSWORD, ATTACKER)).status_code == 429
    assert (await login(env, "admin@example.org", PASSWORD, OWNER)).status_code == 303
    # The owner's login starts the account afresh; a new stranger locks it again ...
    for _ in range(5):
        await login(env, "admin@example.org", "guess", "198.51.100.8")
    # ... and during that lock a further address may try once, then waits too.
    assert (await login(env, "admin@example.org", "guess", "198.51.100.9")).status_code == 429
    assert (await login(env, "admin@example.org", PASSWORD, "198.51.100.9")).status_code == 429
    assert (await login(env, "admin@example.org", PASSWORD, OWNER)).status_code == 303


async def test_parallel_guesses_cannot_slip_under_the_limit(env):
    """Each attempt is recorded before its password is checked, so a burst of parallel guesses
    from one address sees its own earlier attempts."""
    await env.account("ed@example.org", "editor")
    results = await asyncio.gather(*[
        env.panel.staff.authenticate(f"x{i}@example.org", "guess", ATTACKER) for i in range(30)])
    assert sum(r.error == "throttled" for r in results) == 30 - ADDRESS_MAX_FAILURES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_forwarded_for_from_localhost_does_not_dodge_the_address_limit(env):
    """The pentest's attack, over real HTTP against the server as the runner configures it:
    a client on 127.0.0.1 that sends a new X-Forwarded-For each time is still one address."""
    port = _free_port()
    server = uvicorn.Server(server_config(env.app, env.panel.settings, port))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=SLOW_MACHINE,
                                     headers={"Accept-Language": "en"}) as client:
            token = await csrf(client)
            codes = []
            for i in range(ADDRESS_MAX_FAILURES + 1):
                response = await client.post(
                    "/panel/login", headers={"X-Forwarded-For": f"10.9.{i}.1"},
                    data={"email": f"x{i}@example.org", "password": "guess", "csrf_token": token})
                codes.append(response.status_code)
        assert codes == [400] * ADDRESS_MAX_FAILURES + [429]
        assert "from your network" in response.text
        assert await failure_addresses(env) == {"127.0.0.1"}
    finally:
        server.should_exit = True
        await task


async def failure_addresses(env) -> set[str]:
    async with env.panel.sessions() as session:
        return set((await session.scalars(select(StaffLoginFailure.address))).all())


async def test_a_trusted_proxy_names_the_client(db_path, tmp_path):
    env = await build_env(db_path, tmp_path, panel_trusted_proxies="127.0.0.1, 10.0.0.0/8")
    try:
        # Behind the proxy: the rightmost address the proxy did not add itself, so a value
        # the client put in the header first ("6.6.6.6") is not believed either.
        async with env.client("127.0.0.1") as proxy:
            token = await csrf(proxy)
            await proxy.post("/panel/login", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.5"},
                             data={"email": "a@example.org", "password": "x", "csrf_token": token})
        assert await failure_addresses(env) == {"203.0.113.5"}
        # Not a trusted proxy: its header is ignored.
        async with env.client("192.0.2.44") as direct:
            token = await csrf(direct)
            await direct.post("/panel/login", headers={"X-Forwarded-For": "203.0.113.9"},
                              data={"email": "a@example.org", "password": "x", "csrf_token": token})
        assert await failure_addresses(env) == {"203.0.113.5", "192.0.2.44"}
    finally:
        await env.engine.dispose()


def test_trusted_proxies_must_be_addresses():
    from pydantic import ValidationError

    from bot.config import Settings

    assert Settings(_env_file=None).trusted_proxies == []
    assert Settings(_env_file=None, panel_trusted_proxies="10.1.2.3/8, ::1").trusted_proxies == [
        "10.0.0.0/8", "::1"]
    for wrong in ("*", "proxy.local", "10.0.0.0/33"):
        with pytest.raises(ValidationError, match="not an IP address or network"):
            Settings(_env_file=None, panel_trusted_proxies=wrong)
