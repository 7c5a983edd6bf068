# K-AI Arena. `make demo` runs the whole site; `make test` runs the whole suite;
# `make test-fast` runs it without the live stack and the browser, on every core.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-fast bench lint clean openapi

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/python manage.py demo $(DEMO_ARGS)

test: install
	$(BIN)/python -m tests.stack $(PYTEST_ARGS)

# Each xdist worker has its own test database (pytest-django suffixes its name) and its own
# Redis key prefix (tests/conftest.py RUN_ID), so workers never see each other's data.
test-fast: install
	$(BIN)/python -m tests.stack -m "not live and not browser" -n auto --timeout 60 $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/ratings.py

lint: install
	$(BIN)/ruff check --select F,E9 core stats contest arena voting expert console config devservers ops tests benchmarks
	# The layers between the apps (.importlinter): a lower one never imports a higher one.
	$(BIN)/lint-imports --no-cache --no-logo

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache

# Rewrites docs/openapi.json from the code (a test fails while it is out of date).
openapi: install
	$(BIN)/python manage.py export_openapi_schema --api config.api.api --indent 2 --sorted --output docs/openapi.json
