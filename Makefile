# Quick start: `make run` (the bot; a terminal chat when BOT_TOKEN is unset) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run chat test lint audit audit-offline lock i18n bench bench-speed bench-search bench-webhook clean

# Every dependency, the build backend included, comes from requirements-dev.lock (pinned,
# with hashes; `make lock` writes it and the runtime-only requirements.lock the Dockerfile
# uses from pyproject.toml). The project itself is installed on top without resolving more.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m bot run

chat: install
	$(BIN)/python -m bot chat

# One process for every test, browser tests included; -X faulthandler prints every
# thread's stack if the interpreter ever crashes (docs/postmortem-segfault.md).
test: install
	$(BIN)/python -X faulthandler -m pytest -q

lint: install
	$(BIN)/ruff check .

# Known vulnerabilities in the pinned set; exit 1 on any finding. requirements.lock is resolved
# under the dev lock, so every pin it has is audited here too.
AUDIT_REQUIREMENTS ?= requirements-dev.lock
AUDIT := $(BIN)/pip-audit --strict --no-deps --disable-pip --require-hashes -r $(AUDIT_REQUIREMENTS)

# PyPI's advisory data through its per-release JSON API (pypi.org/pypi/NAME/VERSION/json),
# which this project's build machines cannot reach (README, "Dependencies").
audit: install
	$(AUDIT)

# The same audit offline: scripts/osv_local.py serves a checkout of
# github.com/pypa/advisory-database as an OSV API on a free 127.0.0.1 port while pip-audit runs,
# then exits with pip-audit's code. Only as fresh as the checkout (it prints commit and date).
audit-offline: install
	@test -d "$(ADVISORIES)" || { echo "usage: make audit-offline ADVISORIES=/path/to/advisory-database" >&2; exit 2; }
	$(BIN)/python scripts/osv_local.py $(ADVISORIES) -- $(AUDIT) --vulnerability-service osv --osv-url '{osv_url}'

# Re-resolve both locks after a change to pyproject.toml's dependencies (pip-tools in a
# throwaway venv, so the project's own venv keeps exactly the locked set).
LOCK_FLAGS := -q --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links
lock:
	$(PY) -m venv .venv-lock && .venv-lock/bin/pip install -q pip-tools
	.venv-lock/bin/pip-compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml
	.venv-lock/bin/pip-compile $(LOCK_FLAGS) -c requirements-dev.lock -o requirements.lock pyproject.toml
	rm -rf .venv-lock

# Extract UI strings (the bot, its dialogs, the staff panel's code and templates: babel.cfg)
# and merge them into the pl/uk/en catalogs (.mo files are compiled at start).
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k T -k TP:1,2 -k t -k gettext_ -k ngettext_:1,2 -k _ -k lazy -k lazy_plural:1,2 \
		--no-location --sort-output -o locales/bot.pot bot dialogs
	for l in pl uk en; do \
		if [ -f locales/$$l/LC_MESSAGES/bot.po ]; then \
			$(BIN)/pybabel update -D bot -i locales/bot.pot -d locales -l $$l --no-fuzzy-matching; \
		else \
			$(BIN)/pybabel init -D bot -i locales/bot.pot -d locales -l $$l; \
		fi; \
	done

bench: install
	$(BIN)/python bench/run_all.py

# Presses with panel, scheduler and courier in the process; the survey report; start to first answer.
bench-speed: install
	$(BIN)/python bench/run_all.py --speed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
