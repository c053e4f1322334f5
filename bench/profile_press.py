"""Where a button press's time goes: CPU and SQL per press of `python -m bot run`.

Run from the project root:  python bench/profile_press.py  [--presses N] [--profile FILE]

Wall-clock latency on a shared machine says as much about the neighbours as about the code;
CPU time per press does not. This starts the bot as bench/bench_webhook.py does (webhook mode,
its own process, the sandbox over real HTTP), through a small probe that counts every SQLite
statement the process runs (both the SQLAlchemy engine and the dialog-state connection) and,
with --profile, records a cProfile of the measured presses only (not start-up). One user
(or --users in parallel) presses a topic and Home in turn; the figures are per press, over
the whole process (every thread: the event loop, the SQLite threads, the collector).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pstats
import shutil
import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_webhook import (  # noqa: E402
    EditWatcher,
    cpu_seconds,
    drive,
    pct,
    start_process,
    stop_process,
)
from bot.fake_telegram import BotApiSandbox  # noqa: E402

# Runs inside the bot process: counts statements, starts/stops the profiler on signals.
PROBE = r"""
import cProfile, gc, json, os, signal, sqlite3, sys, threading, time
from collections import Counter
counts, lock, state = Counter(), threading.Lock(), {"on": False, "prof": None, "t0": 0.0}
def collected(phase, info):
    if not state["on"]:
        return
    if phase == "start":
        state["t0"] = time.perf_counter()
    else:
        with lock:
            counts[f"gc{info['generation']}"] += 1
            counts[f"gc{info['generation']}_ms"] += (time.perf_counter() - state["t0"]) * 1000
gc.callbacks.append(collected)
def note(sql):
    if state["on"]:
        word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        with lock:
            counts[word] += 1
connect = sqlite3.connect
def traced(*args, **kwargs):
    conn = connect(*args, **kwargs)
    conn.set_trace_callback(note)
    return conn
sqlite3.connect = traced
def begin(*_):
    counts.clear()
    state["on"] = True
    if os.environ.get("PROBE_PROFILE"):
        state["prof"] = cProfile.Profile()
        state["prof"].enable()
def end(*_):
    state["on"] = False
    if state["prof"] is not None:
        state["prof"].disable()
        state["prof"].dump_stats(os.environ["PROBE_PROFILE"])
    with open(os.environ["PROBE_COUNTS"], "w") as f:
        json.dump(dict(counts), f)
signal.signal(signal.SIGUSR1, begin)
signal.signal(signal.SIGUSR2, end)
if os.environ.get("PROBE_BASELINE"):
    import runpy
    sys.argv = ["bench/baseline_bot.py"]
    runpy.run_path("bench/baseline_bot.py", run_name="__main__")
else:
    sys.argv = ["bot", "run"]
    from bot.__main__ import main
    sys.exit(main())
"""

LABELS = ["💼 Work", "🏠 Home"]


def written(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


async def wait_for(path: Path) -> None:
    for _ in range(200):
        if written(path):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the probe wrote no {path.name}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the presses here")
    parser.add_argument("--users", type=int, default=1, help="users pressing in parallel")
    parser.add_argument("--baseline", action="store_true",
                        help="measure the bare aiogram bot (bench/baseline_bot.py) instead")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="belong-profile-"))
    counts_file = tmp / "counts.json"
    extra = {"PROBE_COUNTS": str(counts_file)}
    if args.profile:
        extra["PROBE_PROFILE"] = str(args.profile.resolve())
    labels = LABELS
    if args.baseline:
        extra["PROBE_BASELINE"] = "1"
        labels = ["A", "B"]
    watcher = EditWatcher()
    try:
        async with BotApiSandbox(settle=0) as sandbox:
            sandbox.add_listener(watcher)
            proc = await start_process(sandbox, ["-c", PROBE], tmp / "belong.db", extra)
            try:
                await drive(sandbox, watcher, 1, 100, labels, 50_000)  # warm-up
                calls_before = len(sandbox.calls)
                cpu = cpu_seconds(proc.pid)
                proc.send_signal(signal.SIGUSR1)
                await asyncio.sleep(0.2)
                seconds, latencies = await drive(sandbox, watcher, args.users, args.presses,
                                                 labels, 50_001)
                await asyncio.sleep(0.2)
                proc.send_signal(signal.SIGUSR2)
                await wait_for(counts_file)
                cpu = cpu_seconds(proc.pid) - cpu
                api = Counter(c.method for c in sandbox.calls[calls_before:])
            finally:
                await stop_process(proc)
    finally:
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
        shutil.rmtree(tmp, ignore_errors=True)
    n = len(latencies)
    print(f"{n} presses by {args.users} user(s) in {seconds:.1f} s; latency p50 {pct(latencies, 50):.2f} ms, "
          f"p99 {pct(latencies, 99):.2f} ms")
    print(f"CPU of the bot process: {cpu * 1000 / n:.2f} ms per press (all threads)")
    gcs = {k: counts.pop(k) for k in [k for k in counts if k.startswith("gc")]}
    print("SQLite statements per press: "
          + (", ".join(f"{k} {v / n:.2f}" for k, v in sorted(counts.items())) or "none"))
    print("Garbage collections: " + (", ".join(
        f"generation {g}: {gcs.get(f'gc{g}', 0):.0f} taking {gcs.get(f'gc{g}_ms', 0):.0f} ms"
        for g in range(3))))
    print("Bot API calls per press: " + ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(api.items())))
    if args.profile:
        calls = pstats.Stats(str(args.profile)).total_calls  # type: ignore[attr-defined]
        print(f"Python function calls per press (cProfile, on the loop's thread): {calls / n:.0f}")
        print(f"profile: {args.profile} (python -m pstats, or snakeviz)")


if __name__ == "__main__":
    asyncio.run(main())
