# The two commands of the README: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi.py

.PHONY: run test lint typecheck check translations extract-messages clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d contactbook/translations -D messages --statistics 2>&1 | tail -n 1

## Set up everything on first use, then start Redis (embedded unless REDIS_URL), worker, beat and web.
run: $(STAMP) translations
	$(BIN)/python -m contactbook.devstack

## The whole suite; uses DATABASE_URL / REDIS_URL when set, else SQLite and an embedded Redis.
test: $(STAMP) translations
	$(BIN)/python -m pytest tests -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F contactbook/translations/babel.cfg -k _l -k N_ --no-location --sort-output \
		-o contactbook/translations/messages.pot .
	$(BIN)/pybabel update -i contactbook/translations/messages.pot -d contactbook/translations -D messages --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .mypy_cache .ruff_cache
