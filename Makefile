# The few commands a person types. See README.md.
PYTHON ?= $(shell command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint format bench instructions install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else "hubguide needs Python 3.13 (found %s); install it or let pyenv read .python-version" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --group dev
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## run: create the venv, install pinned dependencies, rebuild the database from fixtures, serve on :8000
run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py rebuild_db
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(or $(ADDR),127.0.0.1:8000)

## lint: ruff, Django's checks, and no missing migrations
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

## test: lint, then the whole test suite (SQLite, or DATABASE_URL)
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: pages against a bare view at 10k/100k/500k companies, in-process and under gunicorn;
##        its own SQLite file unless DATABASE_URL is set (BENCH_ARGS="--sizes 10000 --no-gunicorn")
bench: $(STAMP)
	mkdir -p bench-results
	DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/bench-results/bench.sqlite3}" \
		DJANGO_DEBUG=1 $(BIN)/python manage.py bench $(BENCH_ARGS)

## instructions: instructions per request of PAGES under cachegrind, to compare commits
instructions: $(STAMP)
	$(BIN)/python tools/instructions.py $(or $(PAGES),/ /cities/beijing/ /companies/alibaba/)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
