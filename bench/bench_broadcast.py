"""Benchmark: one announcement to 10,000 recipients through the real sender, against the
sandbox Bot API with 40 ms latency per call.

Run from the project root:  python bench/bench_broadcast.py  [--recipients N] [--rates 25,1000]

The sandbox stands in for Telegram in its own process (so it does not share the sender's
event loop or CPU core); the sender runs as the bot runs it: SQLite ledger (claim, send,
record), TelegramTransport over aiogram, global rate limit and per-chat spacing.
The achieved rate is measured at the sandbox, from the first to the last message received.
Targets: at least 97% of the limit at 25/s, at least 500/s at a limit of 1000/s; zero
duplicates and zero missing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456789:bench-token"
FIRST_ID = 1_000_000


# ---------------------------------------------------------------- the sandbox process
async def serve(recipients: int, latency: float) -> None:
    from bot.fake_telegram import BotApiSandbox

    async with BotApiSandbox() as sandbox:
        sandbox.latency = latency
        for i in range(recipients):
            sandbox.user(FIRST_ID + i, language_code="uk")
        print(sandbox.base_url, flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if line == "counts":
                sends = [c for c in sandbox.calls if c.method == "sendMessage" and c.ok]
                counts = Counter(int(c.params["chat_id"]) for c in sends)
                stamps = sorted(c.timestamp for c in sends)
                print(json.dumps({
                    "received": len(sends), "distinct": len(counts),
                    "duplicates": sum(n - 1 for n in counts.values()),
                    "missing": sum(1 for i in range(recipients) if FIRST_ID + i not in counts),
                    "first": stamps[0] if stamps else 0, "last": stamps[-1] if stamps else 0,
                }), flush=True)
            elif line == "reset":
                sandbox.calls.clear()
                print("{}", flush=True)
            else:
                return


# ---------------------------------------------------------------- the sender side
async def prepare_db(path: Path, recipients: int) -> str:
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade_async
    from bot.db.models import TopicSubscription, User, UserContact

    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    today = dt.date.today()
    async with sessions() as session:
        users = [User(language=("pl", "uk", "en")[i % 3],
                      created_on=today, last_seen_on=today) for i in range(recipients)]
        session.add_all(users)
        await session.flush()
        session.add_all(UserContact(channel="telegram", address=str(FIRST_ID + i), user_id=u.id)
                        for i, u in enumerate(users))
        session.add_all(TopicSubscription(user_id=u.id, topic="general") for u in users)
        await session.commit()
    await engine.dispose()
    return url


async def send_once(url: str, api_base: str, rate: float) -> tuple[float, int]:
    from bot.broadcast.setup import build_broadcaster, build_campaign_service
    from bot.channels.telegram.transport import TelegramTransport
    from bot.config import Settings
    from bot.db.engine import create_engine, create_session_factory
    from bot.factory import build_bot

    settings = Settings(_env_file=None, database_url=url, telegram_api_base=api_base,
                        push_rate_limit=rate, push_quiet_hours="", log_level="WARNING")
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    bot = build_bot(settings, TOKEN)
    try:
        service = build_campaign_service(settings, sessions)
        broadcaster = build_broadcaster(settings, service, TelegramTransport(bot))
        campaign = await service.create_announcement(
            f"bench {rate}/s", {"pl": "Komunikat", "uk": "Оголошення", "en": "Announcement"})
        started = time.perf_counter()
        result = await broadcaster.run_campaign(campaign.id)
        elapsed = time.perf_counter() - started
        assert result.status == "done", result
        return elapsed, broadcaster.concurrency
    finally:
        await broadcaster.close()
        await bot.session.close()
        await engine.dispose()


async def ask(proc, command: str) -> dict:
    proc.stdin.write((command + "\n").encode())
    await proc.stdin.drain()
    return json.loads((await proc.stdout.readline()).decode())


async def main_async(args: argparse.Namespace) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", "--recipients", str(args.recipients),
        "--latency", str(args.latency), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    api_base = (await proc.stdout.readline()).decode().strip()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{args.recipients:,} recipients, {args.latency * 1000:.0f} ms API latency, "
              f"sandbox in its own process", flush=True)
        for rate in args.rates:
            url = await prepare_db(Path(tmp) / f"bench-{rate:g}.db", args.recipients)
            await ask(proc, "reset")
            elapsed, concurrency = await send_once(url, api_base, rate)
            counts = await ask(proc, "counts")
            span = counts["last"] - counts["first"]
            achieved = (counts["received"] - 1) / span if span > 0 else float("nan")
            target = 0.97 * rate if rate <= 30 else 500.0
            ok = (achieved >= target and counts["duplicates"] == 0 and counts["missing"] == 0)
            failed += not ok
            print(f"limit {rate:g}/s: achieved {achieved:.1f}/s at the API "
                  f"({args.recipients / elapsed:.1f}/s end to end, {elapsed:.1f} s, "
                  f"{concurrency} in flight); target >= {target:g}/s; "
                  f"duplicates {counts['duplicates']}, missing {counts['missing']} "
                  f"(target 0, 0): {'PASS' if ok else 'FAIL'}", flush=True)
    proc.stdin.write(b"quit\n")
    await proc.stdin.drain()
    await proc.wait()
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rates", default="25,1000", help="limits to measure, comma-separated")
    parser.add_argument("--latency", type=float, default=0.04)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.recipients, args.latency))
        return 0
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
