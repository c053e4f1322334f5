"""Benchmark: button presses through the webhook path, against the sandbox Bot API.

Run from the project root:  python bench/bench_webhook.py  [--presses N] [--users N]

The bot runs as it does in production: its own process (`python -m bot run` in webhook
mode, TELEGRAM_API_BASE pointing at the sandbox), so the sandbox, standing in for Telegram,
does not share the bot's event loop. A press is a callback_query that the sandbox POSTs to
the webhook; the bot answers it and edits the message through the sandbox over HTTP. The
latency of a press is what the user waits for: from the moment the press is sent to the
moment the sandbox receives the edited screen.

The baseline, measured in the same run with the same sandbox, driver and webhook server code,
is a bare aiogram bot (bench/baseline_bot.py) whose handler answers the callback and edits
the text. Belong presses a topic and Home in turn: dialogs, SQLite-backed dialog state
(written on every press) and the FAQ catalog. It runs twice: with the background loops (reply
courier, push scheduler) on the short timers they had before bot/wakeup.py (3 s and 20 s), and
with today's defaults (woken by events, long fallback polls), panel, scheduler and courier in
the same process both times. The flood guard is off: one simulated person presses far faster
than anyone can.
Targets: Belong throughput at least half the baseline's; single-user p99 under 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.fake_telegram import BotApiSandbox, ChatEvent  # noqa: E402
from tests.botenv import free_port  # noqa: E402

TOKEN = "123456789:bench-token"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class LatencySummary:
    presses: int
    rate: float  # presses per second
    p50: float  # ms; nan when nothing was measured
    p99: float


def summarise(latencies: list[float], seconds: float) -> LatencySummary:
    """The figures every press benchmark prints, from the latencies (ms) of `seconds`."""
    if not latencies:
        return LatencySummary(0, 0.0, math.nan, math.nan)
    return LatencySummary(len(latencies), len(latencies) / seconds,
                          statistics.median(latencies), pct(latencies, 99))


class EditWatcher:
    """Resolves a future when the bot edits a message in a given chat."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future] = {}

    def __call__(self, event: ChatEvent) -> None:
        if event.kind != "edited":
            return
        future = self.waiting.pop(event.chat.id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


async def start_process(sandbox: BotApiSandbox, argv: list[str], db: Path,
                        extra: dict[str, str] | None = None) -> subprocess.Popen:
    port = free_port()
    env = dict(os.environ, **(extra or {}), FLOOD_BURST="0", BOT_TOKEN=TOKEN,
               TELEGRAM_API_BASE=sandbox.base_url,
               WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook", WEBHOOK_SECRET="bench-secret",
               WEB_PORT=str(port), DATABASE_URL=f"sqlite+aiosqlite:///{db}", LOG_LEVEL="WARNING")
    before = sum(1 for c in sandbox.calls if c.method == "setWebhook")
    proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env)  # noqa: ASYNC220 (returns at once)
    deadline = time.monotonic() + 120
    while sum(1 for c in sandbox.calls if c.method == "setWebhook") == before:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{argv} did not start (exit code {proc.poll()})")
        await asyncio.sleep(0.05)
    return proc


async def stop_process(proc: subprocess.Popen) -> None:
    # Polled, not proc.wait(): the bot may still call the sandbox, which runs on this loop.
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the bot did not stop within 30 s of SIGTERM")
        await asyncio.sleep(0.05)


async def drive(sandbox: BotApiSandbox, watcher: EditWatcher, users: int, presses: int,
                labels: list[str], first_id: int) -> tuple[float, list[float]]:
    """`users` users press in parallel, `presses` in all; returns (seconds, latencies ms)."""
    sims = [sandbox.user(first_id + i, language_code="en") for i in range(users)]
    for sim in sims:
        await sim.send_command("start", wait=False)
    deadline = time.monotonic() + 30
    while any(sim.chat.last_bot_message(with_buttons=True) is None for sim in sims):
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not answer /start")
        await asyncio.sleep(0.01)
    per_user = presses // users
    latencies: list[float] = []
    loop = asyncio.get_running_loop()

    async def run(sim) -> None:
        for i in range(per_user):
            future = loop.create_future()
            watcher.waiting[sim.id] = future
            sent = time.perf_counter()
            await sim.press(labels[i % len(labels)], wait=False)
            done = await asyncio.wait_for(future, 30)
            latencies.append((done - sent) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(run(sim) for sim in sims))
    return time.perf_counter() - started, latencies


async def measure(sandbox, watcher, argv, db, users, presses, labels, first_id, extra=None):
    proc = await start_process(sandbox, argv, db, extra)
    try:
        await drive(sandbox, watcher, 1, 50, labels, first_id)  # warm-up
        single = await drive(sandbox, watcher, 1, presses // 4, labels, first_id + 1)
        multi = await drive(sandbox, watcher, users, presses, labels, first_id + 100)
    finally:
        await stop_process(proc)
    failed = [c for c in sandbox.calls if c.ok is False]
    assert not failed, f"API calls failed: {failed[:3]}"
    return single, multi


def row(name: str, result) -> tuple[str, float, float, float, float]:
    single, multi = (summarise(latencies, seconds) for seconds, latencies in result)
    return name, multi.rate, single.p50, single.p99, multi.p99


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="belong-bench-"))
    watcher = EditWatcher()
    try:
        async with BotApiSandbox(settle=0) as sandbox:
            sandbox.add_listener(watcher)
            print(f"webhook button presses: {args.presses} by {args.users} users in parallel, "
                  f"{args.presses // 4} by a single user; bot in its own process\n")
            base = row("baseline: bare aiogram handler", await measure(
                sandbox, watcher, ["bench/baseline_bot.py"], tmp / "base.db", args.users,
                args.presses, ["A", "B"], 10_000))
            timers = row("Belong, loops on 3 s/20 s timers", await measure(
                sandbox, watcher, ["-m", "bot", "run"], tmp / "timers.db", args.users,
                args.presses, ["💼 Work", "🏠 Home"], 30_000,
                {"FEEDBACK_POLL_SECONDS": "3", "PUSH_SYNC_SECONDS": "20"}))
            belong = row("Belong: dialogs + SQLite", await measure(
                sandbox, watcher, ["-m", "bot", "run"], tmp / "belong.db", args.users,
                args.presses, ["💼 Work", "🏠 Home"], 20_000))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'':34s}{'presses/s':>10s}{'1-user p50':>12s}{'1-user p99':>12s}"
          f"{f'{args.users}-user p99':>13s}")
    for name, rate, p50, p99, mp99 in (base, timers, belong):
        print(f"{name:34s}{rate:10.0f}{p50:10.2f}ms{p99:10.2f}ms{mp99:11.2f}ms")
    ratio = belong[1] / base[1]
    print(f"\nBelong throughput / baseline: {ratio:.2f} (target >= 0.50): "
          f"{'met' if ratio >= 0.5 else 'MISSED'}")
    print(f"Belong single-user p99: {belong[3]:.2f} ms (target < 10 ms): "
          f"{'met' if belong[3] < 10 else 'MISSED'}")


if __name__ == "__main__":
    asyncio.run(main())
