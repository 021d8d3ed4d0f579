# passnum — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# requirements.lock: what running needs; requirements-test.lock adds the test and lint tools.
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install install-runtime test-deps setup demo lock clean

$(RUNTIME_STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP) requirements-test.lock
	$(BIN)/pip install --quiet -r requirements-test.lock
	touch $(STAMP)

install-runtime: $(RUNTIME_STAMP)

install: $(STAMP)

setup: install-runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_communes --wet-run
	$(BIN)/python manage.py load_demo --wet-run

run: setup
	@echo ""
	@echo "passnum démarre sur http://$(HOST):$(PORT)/ (Ctrl+C pour arrêter)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test-deps:
	bash scripts/install-test-deps.sh

test: install test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.prod SECRET_KEY=ci-check-deploy-key-$$$$-not-used-anywhere-else-0123456789 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The runtime lock is constrained by the test lock: both pin the same versions.
lock:
	$(BIN)/pip-compile --quiet --extra test --strip-extras -o requirements-test.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras -c requirements-test.lock -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
