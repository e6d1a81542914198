# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest bench docs clean browser softhsm
# The browser tests drive Debian's chromium with its chromedriver (tests/browser.py).
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed  ## run the whole demo on a fresh SQLite database under ./demo/
	$(BIN)/inspect-engine demo --dir demo

test: lint typecheck pytest  ## lint, type-check and run every test

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev browser softhsm  ## every test, the slow ones too
	$(BIN)/pytest --run-slow

# Liberation 2 draws every Vietnamese letter; Debian's Liberation 1.07 (chromium's own
# dependency) lacks some (ụ, ự...), which chromium then takes from DejaVu Sans.
LIBERATION2 := /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf

browser:  ## Debian's chromium, chromedriver and Liberation 2 fonts for the browser tests, installed when missing
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ] || [ ! -e $(LIBERATION2) ]; then \
	  echo "installing chromium, chromium-driver and fonts-liberation2 (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-liberation2; \
	fi

softhsm:  ## Debian's SoftHSM: the token the PKCS#11 signing test signs with, installed when missing
	@if [ ! -e /usr/lib/softhsm/libsofthsm2.so ]; then \
	  echo "installing softhsm2 (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2; \
	fi

bench: $(VENV)/.installed-dev  ## every script in bench/, one table of figures, bench/results.json
	$(BIN)/python bench/run_all.py

docs: $(VENV)/.installed-dev  ## regenerate the CLI reference in docs/cli.md and docs/calendar.md
	$(BIN)/python -m inspect_engine.cli.reference --write docs/cli.md --calendar docs/calendar.md

clean:
	rm -rf $(VENV) demo build dist .pytest_cache .mypy_cache .ruff_cache
