# The README's commands. `make demo` serves the product; `make test` passes the tests.
# Both work on a fresh machine: they install what they need first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install demo serve test browser lint typecheck test-sqlite test-postgres services bench bench-sync translations i18n-extract clean

install: $(VENV)/.stamp-install node_modules/.stamp-npm translations

# Core with the first-party plug-ins (plugins/), then the vendor example, installed the way
# a vendor's package is (its one dependency, dala, is the checkout installed just before).
$(VENV)/.stamp-install: pyproject.toml examples/vendor_plugin/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q -e examples/vendor_plugin
	touch $@

node_modules/.stamp-npm: package.json package-lock.json
	command -v npm >/dev/null || scripts/apt-install nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: $(VENV)/.stamp-install
	@$(BIN)/pybabel compile -d dala/translations 2>&1 | grep -v "^compiling catalog" || true
	@$(BIN)/pybabel compile -D acme_warranty -d examples/vendor_plugin/acme_warranty/translations 2>&1 | grep -v "^compiling catalog" || true

# After adding or changing a marked string: re-extract messages.pot, merge it into the ru and kk
# catalogues, then translate the new entries (tests/test_i18n.py fails until every one is).
i18n-extract: $(VENV)/.stamp-install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o dala/translations/messages.pot --project Dala --copyright-holder "Dala contributors" --no-location dala admin_portal plugins
	$(BIN)/pybabel update --ignore-obsolete -i dala/translations/messages.pot -d dala/translations

# --- demo: SQLite under instance/, demo company, server on http://$(HOST):$(PORT) -------------
demo: install
	@scripts/demo-serve $(HOST) $(PORT)

# --- tests: ruff, mypy, then the whole suite on SQLite and on PostgreSQL -------------------------
test: install services browser lint typecheck test-sqlite test-postgres

services:
	@scripts/ensure-services

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
browser:
	test -x /usr/bin/chromium || scripts/apt-install chromium

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

test-sqlite:
	DALA_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider

test-postgres:
	DALA_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider

# BENCH_ARGS, e.g. "--duration 5 --rounds 3" or "--keep-db" (see bench/api.py --help)
bench: install services
	@command -v wrk >/dev/null || scripts/apt-install wrk
	$(BIN)/python bench/api.py $(BENCH_ARGS)
	$(BIN)/python bench/sync.py

# Pushing 1,000 sync mutations and replaying them, on SQLite and PostgreSQL.
bench-sync: install services
	$(BIN)/python bench/sync.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .mypy_cache .ruff_cache
