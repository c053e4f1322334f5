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

Each row gets a sandbox of its own, and the driver (this process) collects its garbage before
the timed presses and not during them: the sandbox keeps every call it served, and a full
collection of this process's heap took 0.3-0.5 s, landing on whichever row was running (the
order of the rows changed their figures). "CPU/press" is the bot process's CPU time (all its
threads) per single-user press, "sandbox" this process's (the sandbox answering the bot,
and the driver): the two share the machine's cores, so both bound the presses per second.
Targets: Belong throughput at least half the baseline's; single-user p99 under 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


@dataclass(frozen=True)
class RowResult:
    single: tuple[float, list[float]]
    multi: tuple[float, list[float]]
    cpu_ms: float  # the bot process's CPU per single-user press
    driver_ms: float  # this process's (the sandbox's, standing in for Telegram)


async def measure(argv, db, users, presses, labels, first_id, extra=None) -> RowResult:
    """One row: a fresh sandbox and bot process, a warm-up, then the timed presses."""
    watcher = EditWatcher()
    async with BotApiSandbox(settle=0) as sandbox:
        sandbox.add_listener(watcher)
        proc = await start_process(sandbox, argv, db, extra)
        try:
            await drive(sandbox, watcher, 1, 50, labels, first_id)  # warm-up
            gc.collect()
            gc.disable()
            try:
                cpu, driver = cpu_seconds(proc.pid), time.process_time()
                single = await drive(sandbox, watcher, 1, presses // 4, labels, first_id + 1)
                cpu, driver = cpu_seconds(proc.pid) - cpu, time.process_time() - driver
                multi = await drive(sandbox, watcher, users, presses, labels, first_id + 100)
            finally:
                gc.enable()
        finally:
            await stop_process(proc)
        failed = [c for c in sandbox.calls if c.ok is False]
        assert not failed, f"API calls failed: {failed[:3]}"
    n = max(1, len(single[1]))
    return RowResult(single, multi, cpu * 1000 / n, driver * 1000 / n)


def row(name: str, result: RowResult) -> tuple[str, float, float, float, float, float, float]:
    single, multi = (summarise(latencies, seconds)
                     for seconds, latencies in (result.single, result.multi))
    return name, multi.rate, single.p50, single.p99, multi.p99, result.cpu_ms, result.driver_ms


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=2000)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="belong-bench-"))
    belong = ["-m", "bot", "run"]
    labels = ["💼 Work", "🏠 Home"]
    print(f"webhook button presses: {args.presses} by {args.users} users in parallel, "
          f"{args.presses // 4} by a single user; bot in its own process\n")
    try:
        base = row("baseline: bare aiogram handler", await measure(
            ["bench/baseline_bot.py"], tmp / "base.db", args.users, args.presses, ["A", "B"],
            10_000))
        timers = row("Belong, loops on 3 s/20 s timers", await measure(
            belong, tmp / "timers.db", args.users, args.presses, labels, 30_000,
            {"FEEDBACK_POLL_SECONDS": "3", "PUSH_SYNC_SECONDS": "20"}))
        events = row("Belong: dialogs + SQLite", await measure(
            belong, tmp / "belong.db", args.users, args.presses, labels, 20_000))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'':34s}{'presses/s':>10s}{'1-user p50':>12s}{'1-user p99':>12s}"
          f"{f'{args.users}-user p99':>13s}{'CPU/press':>11s}{'sandbox':>9s}")
    for name, rate, p50, p99, mp99, cpu, driver in (base, timers, events):
        print(f"{name:34s}{rate:10.0f}{p50:10.2f}ms{p99:10.2f}ms{mp99:11.2f}ms{cpu:9.2f}ms"
              f"{driver:7.2f}ms")
    belong_row = events
    ratio = belong_row[1] / base[1]
    print(f"\nBelong throughput / baseline: {ratio:.2f} (target >= 0.50): "
          f"{'met' if ratio >= 0.5 else 'MISSED'}")
    print(f"Belong single-user p99: {belong_row[3]:.2f} ms (target < 10 ms): "
          f"{'met' if belong_row[3] < 10 else 'MISSED'}")


if __name__ == "__main__":
    asyncio.run(main())
