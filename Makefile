# impactlab: the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# manage.py, WSGI and ASGI default to the production settings, which refuse to start without secrets: the
# laptop targets ask for development explicitly (DEBUG, a random per-checkout key in var/, SQLite).
DEV := IMPACTLAB_DEVELOPMENT=1 DJANGO_SETTINGS_MODULE=impactlab_web.settings
MANAGE := $(DEV) $(BIN)/python manage.py
# A database name of its own per run, so that runs side by side (developers, CI) never share a test database.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/impactlab_test_$(shell date +%s%N | tail -c 9)
COMPILE_MESSAGES := cd src/impactlab_web && ../../$(BIN)/python ../../manage.py compilemessages -v0
# Tests run on two workers (pytest-xdist; CI has 2 cores): `make test XDIST=` runs them in one process. Web test
# files stay whole on one worker (--dist loadfile): a file's fixtures, live server and browser share a process.
XDIST ?= -n 2
WEB_TESTS := $(DEV) $(BIN)/python -m pytest tests_web --ds=impactlab_web.settings $(XDIST) $(if $(XDIST),--dist loadfile)

.PHONY: setup web run test test-web chromium lint bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m impactlab.deidentify  # deduce's lookup tables, built once (about 2 minutes), offline
	touch $(STAMP)

setup: $(STAMP)

# The web app: migrate, compile the translations, seed the demo workspace (idempotent), serve.
web: setup
	$(MANAGE) migrate --noinput -v0
	$(COMPILE_MESSAGES)

run: web
	$(MANAGE) seed_demo
	@echo ""
	@echo "impactlab runs at http://127.0.0.1:8000 -- log in with one of the demo logins above (Ctrl+C stops)."
	@$(MANAGE) run_jobs & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(MANAGE) runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .

test: setup lint chromium
	$(BIN)/python -m pytest $(XDIST)
	$(MAKE) --no-print-directory test-web

# The web tests run twice: on SQLite, then on PostgreSQL (PG_TEST_URL; the test database is made and dropped).
test-web: setup chromium
	$(COMPILE_MESSAGES)
	$(WEB_TESTS)
	DATABASE_URL=$(PG_TEST_URL) $(WEB_TESTS)

# Browser tests drive Debian's chromium (never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
