# gisapp: two commands.
#   make run    set everything up and serve the demo municipality on http://127.0.0.1:8000
#   make test   set everything up and run the whole test suite against a throwaway PostGIS
# Everything else here is a step of those two, or a tool for developers.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WEB_STAMP := node_modules/.installed

.PHONY: run test system venv db db-stop lock demo clean help

help:
	@echo "make run     - install what is missing, start the local PostGIS, load the demo, serve"
	@echo "make test    - the same setup, then the whole test suite"
	@echo "make db-stop - stop the local PostGIS cluster"
	@echo "make lock    - re-resolve requirements.lock from pyproject.toml (developers)"

system:
	@bash scripts/system-packages.sh

# requirements-dev.lock = requirements.lock (what production runs, see Dockerfile) + test tools
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

# JS/CSS libraries (package-lock.json), served by gisapp under /static/vendor/. No install
# scripts: none is needed, and swagger-ui-dist's @scarf/scarf would phone home.
$(WEB_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $(WEB_STAMP)

venv: system $(STAMP) $(WEB_STAMP)

run: venv
	$(BIN)/gisapp serve --demo

# the browser tests need Debian's chromium: the system step installs it for the tests
test: export GISAPP_WITH_BROWSER := 1
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

db: venv
	$(BIN)/gisapp db start

db-stop:
	$(BIN)/gisapp db stop

demo: venv
	$(BIN)/gisapp demo

lock:
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes \
		--python-version 3.11 --python-platform linux -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test -c requirements.lock --generate-hashes \
		--python-version 3.11 --python-platform linux -o requirements-dev.lock

clean: db-stop
	rm -rf $(VENV) node_modules .pytest_cache
