"""Benchmark: many users pressing buttons through the webhook, one process against two.

Run from the project root:  python bench/bench_workers.py  [--users 500] [--seconds 20]

Each simulated user presses a topic and Home in turn, each press as soon as the previous
screen arrived (no think time: this measures capacity). A press counts when the edited
screen reaches the sandbox; an error is a /start unanswered after 120 s, a press with no
screen within 30 s, a failed Bot API call, or the bot's error notice. The users' first
/start (all at once: a user row each) is timed apart.

1. one process, the embedded default: SQLite, dialog state in SQLite;
2. two processes on PostgreSQL + Redis (dialog state, event isolation and limits in Redis)
   behind one round-robin webhook address (tests/lb.py, standing in for Caddy/nginx).
PostgreSQL and Redis start from the local binaries (tests/pg.py, tests/workers_env.py).
Everything (sandbox, bots, databases) shares this machine's cores, so the second figure is
what a second process buys on the same hardware, not on a second machine.
The flood guard is off (FLOOD_BURST=0): these users press far faster than people do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_webhook import EditWatcher, summarise  # noqa: E402

from bot.fake_telegram import BotApiSandbox  # noqa: E402
from bot.fake_telegram.models import ButtonNotFound  # noqa: E402
from tests import pg  # noqa: E402
from tests.botenv import free_port  # noqa: E402
from tests.lb import RoundRobin  # noqa: E402
from tests.workers_env import fresh_database, redis_server  # noqa: E402

TOKEN = "123456789:bench-token"
SECRET = "bench-secret"
LABELS = ["💼 Work", "🏠 Home"]
ERROR_NOTICE = "Something went wrong"


async def start_bots(sandbox: BotApiSandbox, ports: list[int], env: dict[str, str],
                     webhook_url: str | None) -> list[subprocess.Popen]:
    procs = []
    count = len(ports)
    before = sum(1 for c in sandbox.calls if c.method == "setWebhook")
    for port in ports:
        url = f"http://127.0.0.1:{port}/webhook"
        full = dict(os.environ, BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=sandbox.base_url,
                    WEBHOOK_URL=webhook_url or url, WEBHOOK_SECRET=SECRET, WEB_PORT=str(port),
                    LOG_LEVEL="WARNING", FLOOD_BURST="0", **env)
        procs.append(subprocess.Popen(  # noqa: ASYNC220 (returns at once)
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=full))
    deadline = time.monotonic() + 180
    while sum(1 for c in sandbox.calls if c.method == "setWebhook") < before + count:
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            for p in procs:
                p.kill()
            raise RuntimeError("a bot process did not start")
        await asyncio.sleep(0.05)
    return procs


async def stop_bots(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while any(p.poll() is None for p in procs):
        if time.monotonic() > deadline:
            for p in procs:
                p.kill()
            break
        await asyncio.sleep(0.05)


async def drive(sandbox: BotApiSandbox, watcher: EditWatcher, users: int, seconds: float,
                first_id: int) -> dict:
    sims = [sandbox.user(first_id + i, language_code="en") for i in range(users)]
    for sim in sims:
        await sim.send_command("start", wait=False)
    begun = time.monotonic()
    while any(sim.chat.last_bot_message(with_buttons=True) is None for sim in sims):
        if time.monotonic() > begun + 120:
            break
        await asyncio.sleep(0.05)
    greeted = time.monotonic() - begun
    unanswered = sum(sim.chat.last_bot_message(with_buttons=True) is None for sim in sims)
    sims = [sim for sim in sims if sim.chat.last_bot_message(with_buttons=True) is not None]
    calls_before = len(sandbox.calls)
    latencies: list[float] = []
    timeouts = 0
    loop = asyncio.get_running_loop()
    stop_at = time.monotonic() + seconds

    async def run(sim) -> None:
        nonlocal timeouts
        i = 0
        while time.monotonic() < stop_at:
            future = loop.create_future()
            watcher.waiting[sim.id] = future
            sent = time.perf_counter()
            try:
                await sim.press(LABELS[i % 2], wait=False)
                done = await asyncio.wait_for(future, 30)
            except (TimeoutError, ButtonNotFound):  # no screen, or a screen with no buttons
                timeouts += 1
                return  # this user's screen is lost; the others go on
            latencies.append((done - sent) * 1000)
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(run(sim) for sim in sims))
    elapsed = time.perf_counter() - started
    failed_calls = sum(1 for c in sandbox.calls[calls_before:] if c.ok is False)
    notices = sum(1 for sim in sims for text in sim.chat.bot_texts() if ERROR_NOTICE in text)
    return {**asdict(summarise(latencies, elapsed)),
            "errors": timeouts + failed_calls + notices + unanswered, "start": greeted}


async def one_process(sandbox, watcher, tmp: Path, users: int, seconds: float) -> dict:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'one.db'}", "DATA_DIR": str(tmp)}
    procs = await start_bots(sandbox, [free_port()], env, None)
    try:
        return await drive(sandbox, watcher, users, seconds, 100_000)
    finally:
        await stop_bots(procs)


async def two_processes(sandbox, watcher, tmp: Path, users: int, seconds: float) -> dict:
    with pg.postgres_server() as server, redis_server() as redis_url:
        db_url = await fresh_database(server)
        ports = [free_port(), free_port()]
        lb = RoundRobin([f"http://127.0.0.1:{p}/webhook" for p in ports])
        await lb.start()
        try:
            env = {"DATABASE_URL": db_url, "REDIS_URL": redis_url, "DATA_DIR": str(tmp)}
            procs = await start_bots(sandbox, ports, env, lb.url)
            try:
                return await drive(sandbox, watcher, users, seconds, 200_000)
            finally:
                await stop_bots(procs)
        finally:
            await lb.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="belong-bench-workers-"))
    watcher = EditWatcher()
    try:
        async with BotApiSandbox(settle=0) as sandbox:
            sandbox.add_listener(watcher)
            print(f"{args.users} users pressing buttons through the webhook for "
                  f"{args.seconds:.0f} s, no think time\n")
            (tmp / "one").mkdir()
            (tmp / "two").mkdir()
            one = await one_process(sandbox, watcher, tmp / "one", args.users, args.seconds)
            two = await two_processes(sandbox, watcher, tmp / "two", args.users, args.seconds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'':40s}{'errors':>7s}{'presses/s':>11s}{'p50':>10s}{'p99':>10s}"
          f"{'all /start answered':>21s}")
    for name, r in (("1 process, SQLite (embedded default)", one),
                    ("2 processes, PostgreSQL + Redis", two)):
        print(f"{name:40s}{r['errors']:7d}{r['rate']:11.0f}{r['p50']:8.1f}ms{r['p99']:8.1f}ms"
              f"{r['start']:19.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
