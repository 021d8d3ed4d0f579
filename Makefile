# passnum — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install test-deps setup demo lock clean

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

setup: install
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

lock:
	$(BIN)/pip-compile --quiet --extra test --strip-extras -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
