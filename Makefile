# The two commands: `make run` (a working portal on http://127.0.0.1:8000/) and
# `make test` (the whole suite). Both set up what they need on a machine with Python 3.11.
# `make check` lints and checks the production configuration; `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py
# pip runs again only when pyproject.toml changed since the last install.
INSTALLED := $(VENV)/.installed
STATIC_MANIFEST := var/staticfiles/staticfiles.json
# Extra pytest arguments: make test ARGS="-k audit"
ARGS ?=

.PHONY: help setup run test check bench messages clean

help:
	@echo "make run       set up, migrate, load demo data, serve http://127.0.0.1:8000/"
	@echo "make test      set up, run the whole test suite (pytest -n auto \$$ARGS)"
	@echo "make check     ruff, missing migrations, production settings (check --deploy)"
	@echo "make bench     run the benchmarks (python -m benchmarks)"
	@echo "make messages  update and compile the translations in locale/"
	@echo "make clean     remove the virtualenv and var/ (keeps .env)"

$(PYTHON):
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev,ai,biometrics]'
	touch $@

# Fresh keys for development; never overwritten, because data encrypted with the old
# keys could not be read any more.
.env: | $(INSTALLED)
	$(PYTHON) -m kyc_portal.envfile > .env.new
	chmod 600 .env.new
	mv .env.new .env
	@echo "Wrote .env with new development keys."

setup: $(INSTALLED) .env

# Only when static/ changed (or nothing was collected yet).
$(STATIC_MANIFEST): $(shell find static -type f 2>/dev/null) | setup
	$(MANAGE) collectstatic --noinput --verbosity 0

run: setup $(STATIC_MANIFEST)
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data
	$(MANAGE) runserver 127.0.0.1:8000

test: setup
	$(VENV)/bin/pytest -n auto $(ARGS)

check: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	set -a && eval "$$($(PYTHON) -m kyc_portal.envfile --production)" && set +a && \
	DJANGO_SETTINGS_MODULE=kyc_portal.settings.production ALLOWED_HOSTS=kyc.example.com \
	$(MANAGE) check --deploy --fail-level WARNING

bench: setup
	$(PYTHON) -m benchmarks $(ARGS)

messages: setup
	$(MANAGE) makemessages --locale zh_Hans --ignore .venv --ignore var --no-obsolete
	$(MANAGE) compilemessages --locale zh_Hans --ignore .venv

clean:
	rm -rf $(VENV) var
