# Quick start: `make run` (the bot; a terminal chat when BOT_TOKEN is unset) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run chat test lint i18n bench bench-search bench-webhook clean

$(STAMP): pyproject.toml
	$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
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

# Extract UI strings and merge them into the pl/uk/en catalogs (.mo files are compiled at start).
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k T -k TP:1,2 -k t -k gettext_ -k ngettext_:1,2 -k _ \
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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
