"""Benchmark: from `make run` on a fresh machine to the first menu answered to /start.

Run from the project root:  python bench/bench_startup.py  [--runs N]

End to end: `python -m bot run` (webhook mode, TELEGRAM_API_BASE pointing at the Bot API
sandbox) starts with an empty data dir; the clock runs from the process start until the sandbox
receives the menu (a message with buttons) answering a /start sent as soon as the webhook is
registered. Then the same again on the data dir the first start left (a restart). Median of
`--runs` each.

Where the time goes: the same steps `prepare()` takes, timed one by one in a fresh interpreter
on an empty database: imports, building the app (dispatcher, dialogs), migrations, the bundled
content import, the catalog load and search index build, the first survey wave.

The baseline, in the same run: a bare aiogram bot (bench/baseline_bot.py) started the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.fake_telegram import BotApiSandbox  # noqa: E402
from tests.botenv import free_port  # noqa: E402

TOKEN = "123456789:bench-token"

PHASES = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
import bot.factory, bot.runner
from bot.config import Settings
marks = {"imports": time.perf_counter() - t0}

async def main():
    settings = Settings()
    t = time.perf_counter()
    app = bot.factory.build_app(settings, settings.bot_token.get_secret_value())
    marks["build app (dispatcher, dialogs)"] = time.perf_counter() - t
    t = time.perf_counter()
    await bot.runner.upgrade_async(settings.db_url)
    marks["migrations"] = time.perf_counter() - t
    from bot.content.yaml_io import load_dir
    t = time.perf_counter()
    roots, errors = load_dir(settings.content_dir)
    marks["content: parse YAML"] = time.perf_counter() - t
    t = time.perf_counter()
    await app.content.import_dir(settings.content_dir)
    marks["content: import (parse + write + load + index)"] = time.perf_counter() - t
    t = time.perf_counter()
    await app.content.reload()
    marks["content: load catalog + build index"] = time.perf_counter() - t
    t = time.perf_counter()
    for slug in app.surveys.surveys:
        await app.surveys.ensure_first_wave(slug)
    marks["first survey wave"] = time.perf_counter() - t
    await app.close()

asyncio.run(main())
print(json.dumps(marks))
"""


def env_for(sandbox: BotApiSandbox, data: Path, port: int) -> dict[str, str]:
    return dict(os.environ, BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=sandbox.base_url,
                WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook", WEBHOOK_SECRET="bench-secret",
                WEB_PORT=str(port), DATA_DIR=str(data), DATABASE_URL=f"sqlite+aiosqlite:///{data}/belong.db",
                LOG_LEVEL="WARNING")


async def first_answer(sandbox: BotApiSandbox, argv: list[str], data: Path, user_id: int) -> float:
    """Seconds from process start to the first menu answered to /start."""
    await asyncio.to_thread(data.mkdir, parents=True, exist_ok=True)
    before = sum(1 for c in sandbox.calls if c.method == "setWebhook")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT,  # noqa: ASYNC220
                            env=env_for(sandbox, data, free_port()))
    try:
        deadline = time.monotonic() + 180
        while sum(1 for c in sandbox.calls if c.method == "setWebhook") == before:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not start (exit code {proc.poll()})")
            await asyncio.sleep(0.005)
        sim = sandbox.user(user_id, language_code="en")
        await sim.send_command("start", wait=False)
        while sim.chat.last_bot_message(with_buttons=True) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the bot did not answer /start")
            await asyncio.sleep(0.002)
        return time.perf_counter() - start
    finally:
        proc.terminate()
        stop_by = time.monotonic() + 30
        while proc.poll() is None:  # polled: the bot may still call the sandbox on this loop
            if time.monotonic() > stop_by:
                proc.kill()
            await asyncio.sleep(0.05)


def phases(data: Path) -> dict[str, float]:
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, BOT_TOKEN=TOKEN, DATA_DIR=str(data),
               DATABASE_URL=f"sqlite+aiosqlite:///{data}/belong.db", LOG_LEVEL="WARNING")
    out = subprocess.run([sys.executable, "-c", PHASES], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="belong-start-"))
    results: dict[str, list[float]] = {"baseline: bare aiogram bot": [], "Belong, empty data dir": [],
                                       "Belong, restart (data dir kept)": []}
    try:
        async with BotApiSandbox(settle=0) as sandbox:
            for run in range(args.runs):
                results["baseline: bare aiogram bot"].append(await first_answer(
                    sandbox, ["bench/baseline_bot.py"], tmp / f"base{run}", 10_000 + run))
                data = tmp / f"fresh{run}"
                results["Belong, empty data dir"].append(await first_answer(
                    sandbox, ["-m", "bot", "run"], data, 20_000 + run))
                results["Belong, restart (data dir kept)"].append(await first_answer(
                    sandbox, ["-m", "bot", "run"], data, 30_000 + run))
        steps = [phases(tmp / f"phases{run}") for run in range(args.runs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"process start -> first menu answered to /start (webhook mode, median of {args.runs})\n")
    for name, values in results.items():
        print(f"  {name:34s}{statistics.median(values):8.2f} s   (runs: "
              + ", ".join(f"{v:.2f}" for v in values) + ")")
    print("\nwhere the time goes on an empty database (median, each step in a fresh interpreter):\n")
    for name in steps[0]:
        print(f"  {name:50s}{statistics.median(s[name] for s in steps):8.3f} s")


if __name__ == "__main__":
    asyncio.run(main())
