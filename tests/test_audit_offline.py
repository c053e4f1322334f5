"""`make audit-offline`: the real pip-audit against scripts/osv_local.py serving advisories
written here, on a small requirements file cut from the project's lock (pins and hashes), so the
advisories follow the lock whenever it moves."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from packaging.version import Version

from bot.config import PROJECT_ROOT

LOCK = PROJECT_ROOT / "requirements-dev.lock"
PACKAGES = ("jinja2", "pyyaml", "idna")


def _lock_entries() -> dict[str, tuple[str, str]]:
    """name -> (pinned version, the lock's whole entry with its hashes)."""
    entries = {}
    for block in re.split(r"\n(?=\S)", LOCK.read_text()):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match and match[1] in PACKAGES:
            entries[match[1]] = (match[2], "\n".join(line for line in block.splitlines()
                                                     if not line.lstrip().startswith("#")))
    assert set(entries) == set(PACKAGES), f"the lock no longer pins all of {PACKAGES}"
    return entries


PINS = _lock_entries()


def _next(name: str) -> str:
    pinned = Version(PINS[name][0])
    return f"{pinned.major}.{pinned.minor}.{pinned.micro + 1}"


def _affected(name: str, events: list[dict[str, str]] | None = None,
              versions: list[str] | None = None) -> dict:
    entry: dict = {"package": {"name": name, "ecosystem": "PyPI"}}
    if events is not None:
        entry["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        entry["versions"] = versions
    return entry


def _yaml_record(id_: str, affected: dict, extra: str = "") -> str:
    # PYSEC ids as in the PyPA database: pip-audit shows a PYSEC id before its CVE alias.
    # Written by hand so the timestamps stay unquoted, as many records of the real database have them.
    return (f"id: {id_}\nsummary: test advisory {id_}\naliases: [CVE-2026-{id_[-4:]}]\n"
            f"published: 2026-01-02T03:04:05Z\nmodified: 2026-01-02T03:04:05Z\n{extra}"
            f"affected: {json.dumps([affected])}\n")


def _vulnerable_jinja2() -> str:
    # "Jinja2" as the package's own spelling: the query comes with the PEP 503 name.
    return _yaml_record("PYSEC-2026-0001", _affected("Jinja2", [{"introduced": "0"},
                                                               {"fixed": _next("jinja2")}]))


def _pyyaml_fixed_long_ago() -> str:
    return json.dumps({"id": "PYSEC-2026-0002", "summary": "fixed before the pin",
                       "affected": [_affected("PyYAML", [{"introduced": "0"}, {"fixed": "5.4"}],
                                              versions=["5.3", "5.3.1"])]})


def _idna_withdrawn() -> str:
    return _yaml_record("PYSEC-2026-0003", _affected("idna", [{"introduced": "0"}], [PINS["idna"][0]]),
                        extra="withdrawn: 2026-02-01T00:00:00Z\n")


def _audit(tmp_path: Path, records: dict[str, str]) -> tuple[int, str, dict[str, list[str]]]:
    advisories = tmp_path / "advisories"
    advisories.mkdir()
    for filename, text in records.items():
        (advisories / filename).write_text(text)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(entry for _, entry in PINS.values()) + "\n")
    result = subprocess.run(
        ["make", "-s", "audit-offline", f"VENV={sys.prefix}", f"ADVISORIES={advisories}",
         f"AUDIT_REQUIREMENTS={requirements}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
    )
    output = result.stdout + result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()
            if line.split() and line.split()[0] in PACKAGES}
    return result.returncode, output, rows


def test_the_vulnerable_pin_is_reported_with_its_fix_and_the_audit_fails(tmp_path):
    code, output, rows = _audit(tmp_path, {
        "PYSEC-2026-0001.yaml": _vulnerable_jinja2(),
        "PYSEC-2026-0002.json": _pyyaml_fixed_long_ago(),
        "PYSEC-2026-0003.yaml": _idna_withdrawn(),
    })
    assert code != 0 and "audit-offline] Error 1" in output, output  # pip-audit's own code, through make
    assert rows == {"jinja2": [PINS["jinja2"][0], "PYSEC-2026-0001", _next("jinja2")]}, output
    assert "Found 1 known vulnerability in 1 package" in output
    assert "PYSEC-2026-0002" not in output and "PYSEC-2026-0003" not in output
    # The start line names the data used, so a report says how fresh it is.
    assert "2 advisories on 2 packages, 1 withdrawn (ignored)" in output


def test_nothing_matching_passes(tmp_path):
    code, output, rows = _audit(tmp_path, {
        "PYSEC-2026-0002.json": _pyyaml_fixed_long_ago(),
        "PYSEC-2026-0003.yaml": _idna_withdrawn(),
    })
    assert code == 0, output
    assert rows == {}
    assert "No known vulnerabilities found" in output


def test_last_affected_and_listed_versions_match_later_introductions_do_not(tmp_path):
    code, output, rows = _audit(tmp_path, {
        "PYSEC-2026-0004.yaml": _yaml_record("PYSEC-2026-0004", _affected(
            "IDNA", [{"introduced": "1.0"}, {"last_affected": PINS["idna"][0]}])),
        "PYSEC-2026-0005.yaml": _yaml_record("PYSEC-2026-0005", _affected(
            "pyyaml", versions=["5.4", PINS["pyyaml"][0]])),
        "PYSEC-2026-0006.yaml": _yaml_record("PYSEC-2026-0006", _affected(
            "jinja2", [{"introduced": _next("jinja2")}])),
    })
    assert code != 0 and "audit-offline] Error 1" in output, output
    # Neither has a fixed version, so pip-audit shows none.
    assert rows == {"idna": [PINS["idna"][0], "PYSEC-2026-0004"],
                    "pyyaml": [PINS["pyyaml"][0], "PYSEC-2026-0005"]}, output
    assert "PYSEC-2026-0006" not in output
