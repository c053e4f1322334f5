"""The core knows no channel: no module of bot/ outside the channel adapters imports aiogram
(or aiogram-dialog), a channel adapter, or the Telegram dialogs.

Every import statement counts, also those inside functions and under TYPE_CHECKING: a lazy
import is still a dependency. Allowed outside bot/channels/ and dialogs/, each for a reason:
- the composition root (factory, runner, __main__): it builds the channels;
- bot/fake_telegram/: the local Telegram Bot API server for tests and previews (a fake Telegram server);
- bot/web/app.py and bot/web/panel/preview_bot.py: the Telegram webhook endpoint and the
  panel's preview, which drives the Telegram dialogs in an in-process bot.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.config import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"
FORBIDDEN = ("aiogram", "aiogram_dialog", "bot.channels", "dialogs")
ALLOWED = {
    "bot/factory.py", "bot/runner.py", "bot/__main__.py",
    "bot/web/app.py", "bot/web/panel/preview_bot.py",
}
ALLOWED_TREES = ("bot/channels/", "bot/fake_telegram/")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def core_modules() -> list[Path]:
    paths = []
    for path in sorted(BOT.rglob("*.py")):
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        if rel in ALLOWED or rel.startswith(ALLOWED_TREES):
            continue
        paths.append(path)
    return paths


def test_the_core_imports_no_channel() -> None:
    core = core_modules()
    assert len(core) > 40  # the walk found the packages (content, surveys, broadcast, ...)
    violations = [f"{path.relative_to(PROJECT_ROOT)}:{line}: imports {module}"
                  for path in core for line, module in _imports(path) if _forbidden(module)]
    assert violations == [], "\n".join(violations)


def test_the_walk_sees_lazy_and_type_checking_imports(tmp_path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from aiogram import Bot\n"
                      "def f():\n    import dialogs.pushes\n    from bot.channels.telegram import x\n")
    modules = [module for _line, module in _imports(sample)]
    assert [m for m in modules if _forbidden(m)] == ["aiogram", "dialogs.pushes",
                                                     "bot.channels.telegram"]
