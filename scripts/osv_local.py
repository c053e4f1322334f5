"""Serve a checkout of the PyPA advisory database as a local OSV API, so pip-audit runs offline.

The build machines reach PyPI only through a local mirror: neither PyPI's JSON API (pip-audit's
default service) nor api.osv.dev. pip-audit's OSV service POSTs one query per pinned package,
{"package": {"name": <PEP 503 name>, "ecosystem": "PyPI"}, "version": "<version>"}, to the URL
given by --osv-url, and reads back {} or {"vulns": [<OSV records>]}. This server answers those
queries from the YAML/JSON records of a checkout (github.com/pypa/advisory-database), with OSV's
matching rules: a version is affected when an entry lists it in `versions` or when an ECOSYSTEM
range puts it between `introduced` and `fixed` (or up to and including `last_affected`, below
any `limit`); withdrawn records are never returned; versions compare as PEP 440.

    python scripts/osv_local.py ADVISORIES                     serve until interrupted
    python scripts/osv_local.py ADVISORIES -- CMD ... {osv_url} ...
        serve on a free port while CMD runs ({osv_url} is replaced by the query URL),
        then stop and exit with CMD's code (`make audit-offline`)

The answers are only as fresh as the checkout: its commit and date are printed on start.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

QUERY_PATH = "/v1/query"
URL_PLACEHOLDER = "{osv_url}"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader that keeps timestamps as the strings written: PyYAML would turn unquoted
    ones into datetimes, which json.dumps cannot write, and pip-audit parses `published` itself
    from the RFC 3339 string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class _Range:
    events: list[tuple[str, Version]]  # sorted by version; "introduced: 0" first
    limits: list[Version]

    def includes(self, version: Version) -> bool:
        if self.limits and not any(version < limit for limit in self.limits):
            return False
        affected = False
        for kind, at in self.events:
            if kind == "introduced" and version >= at:
                affected = True
            elif kind == "fixed" and version >= at:
                affected = False
            elif kind == "last_affected" and version > at:
                affected = False
        return affected


@dataclass
class _Affected:
    versions: set[Version] = field(default_factory=set)
    ranges: list[_Range] = field(default_factory=list)

    def includes(self, version: Version) -> bool:
        return version in self.versions or any(r.includes(version) for r in self.ranges)


@dataclass
class AdvisoryIndex:
    """Every live PyPI advisory of a checkout, by PEP 503 package name."""

    by_package: dict[str, list[tuple[dict[str, Any], list[_Affected]]]] = field(default_factory=dict)
    records: int = 0
    withdrawn: int = 0
    unparsable: int = 0  # versions PEP 440 cannot read (old "0.7.10p1" styles): left out

    def matching(self, name: str, version: Version) -> list[dict[str, Any]]:
        return [
            record
            for record, affected in self.by_package.get(canonicalize_name(name), [])
            if any(entry.includes(version) for entry in affected)
        ]

    def add(self, record: dict[str, Any]) -> None:
        if record.get("withdrawn"):
            self.withdrawn += 1
            return
        self.records += 1
        per_package: dict[str, list[_Affected]] = {}
        for entry in record.get("affected") or []:
            package = entry.get("package") or {}
            if package.get("ecosystem") != "PyPI" or not package.get("name"):
                continue
            name = canonicalize_name(package["name"])
            # pip-audit reads fix versions only from an entry whose name equals its own
            # normalised name, so the record goes out with normalised names.
            package["name"] = name
            per_package.setdefault(name, []).append(self._compile(entry))
        for name, affected in per_package.items():
            self.by_package.setdefault(name, []).append((record, affected))

    def _compile(self, entry: dict[str, Any]) -> _Affected:
        listed = (self._version(text) for text in entry.get("versions") or [])
        compiled = _Affected(versions={v for v in listed if v is not None})
        for raw in entry.get("ranges") or []:
            if raw.get("type") != "ECOSYSTEM":
                continue  # GIT ranges are resolved into `versions` by the database itself
            events: list[tuple[str, Version]] = []
            limits: list[Version] = []
            for event in raw.get("events") or []:
                for kind in ("introduced", "fixed", "last_affected", "limit"):
                    at = self._version(event[kind]) if kind in event else None
                    if at is not None and kind == "limit":
                        limits.append(at)
                    elif at is not None:
                        events.append((kind, at))
            events.sort(key=lambda e: e[1])
            compiled.ranges.append(_Range(events, limits))
        return compiled

    def _version(self, text: Any) -> Version | None:
        try:
            return Version(str(text))
        except InvalidVersion:
            self.unparsable += 1
            return None


def _record_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if ".git" not in path.parts and path.suffix in {".yaml", ".yml", ".json"} and path.is_file():
            yield path


def load_advisories(root: Path) -> AdvisoryIndex:
    index = AdvisoryIndex()
    for path in _record_files(root):
        text = path.read_text(encoding="utf-8")
        record = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)
        if isinstance(record, dict) and "id" in record:
            index.add(record)
    return index


def describe_checkout(root: Path) -> str:
    """`<commit> of <date>` for a git checkout, so a report says how fresh its data is."""
    result = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%H of %cI"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0 and result.stdout.strip():
        return result.stdout.strip()
    return "not a git checkout (freshness unknown)"


class _QueryHandler(BaseHTTPRequestHandler):
    index: AdvisoryIndex  # set on the subclass made by make_server

    def do_POST(self) -> None:
        if self.path.rstrip("/") != QUERY_PATH:
            self._reply(HTTPStatus.NOT_FOUND, {"message": f"only {QUERY_PATH} is served"})
            return
        try:
            query = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            package = query["package"]
            version = Version(query["version"])
        except (ValueError, KeyError, TypeError, InvalidVersion) as exc:
            self._reply(HTTPStatus.BAD_REQUEST, {"message": f"need package.name and version: {exc}"})
            return
        if package.get("ecosystem") != "PyPI":
            self._reply(HTTPStatus.OK, {})
            return
        vulns = self.index.matching(str(package.get("name", "")), version)
        self._reply(HTTPStatus.OK, {"vulns": vulns} if vulns else {})

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per package would bury pip-audit's own report


def make_server(index: AdvisoryIndex, port: int = 0) -> ThreadingHTTPServer:
    handler = type("QueryHandler", (_QueryHandler,), {"index": index})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("advisories", type=Path, help="advisory-database checkout, or a folder of OSV files")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    if not args.advisories.is_dir():
        parser.error(f"{args.advisories} is not a folder")

    index = load_advisories(args.advisories)
    print(
        f"osv_local: {args.advisories}: {describe_checkout(args.advisories)}; "
        f"{index.records} advisories on {len(index.by_package)} packages, {index.withdrawn} withdrawn "
        f"(ignored), {index.unparsable} versions PEP 440 cannot read (ignored)",
        file=sys.stderr,
        flush=True,
    )
    server = make_server(index, args.port)
    url = f"http://127.0.0.1:{server.server_address[1]}{QUERY_PATH}"
    if not command:
        print(f"osv_local: serving {url}", file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        return subprocess.run([arg.replace(URL_PLACEHOLDER, url) for arg in command], check=False).returncode
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
