"""Run every benchmark in turn (`make bench`); each prints its figures and its baseline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The speed set (`make bench-speed`): presses with every loop in the process, the survey report,
# the first answer after start.
SPEED = ["bench_webhook.py", "bench_survey_report.py", "bench_startup.py"]
BENCHES = ["bench_crisis.py", "bench_search.py", *SPEED, "bench_broadcast.py", "bench_workers.py"]


def main() -> int:
    failed = 0
    for name in SPEED if sys.argv[1:] == ["--speed"] else BENCHES:
        path = ROOT / "bench" / name
        if not path.exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        failed += subprocess.run([sys.executable, str(path)], cwd=ROOT).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
