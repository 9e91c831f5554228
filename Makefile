# Two commands for everyone: `make run` and `make test`. The rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Settings from .env (see .env.example) reach every command started here.
ifneq (,$(wildcard .env))
include .env
export
endif

PY310 = $(shell scripts/find-python310.sh)
UV_VERSION := 0.13.9
VENV := .venv
RASA_VENV := .venv-rasa
UV := $(VENV)/bin/uv
RASA := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
	PYTHONWARNINGS=ignore $(RASA_VENV)/bin/rasa
MODEL := models/companion.tar.gz
RASA_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

.PHONY: help install model db run test test-python validate test-rasa eval bench load lint lock clean

help:
	@echo "make run    start the companion on loopback (sets up whatever is missing)"
	@echo "make test   run every test: unit, Rasa data and stories, integration, end-to-end"
	@echo "make eval   measure care quality;  make bench  measure speed;  make load  load run"

install: $(VENV)/.installed $(RASA_VENV)/.installed

$(VENV)/.installed: requirements/app.lock pyproject.toml
	@test -n "$(PY310)" || exit 1
	test -x $(VENV)/bin/python || $(PY310) -m venv $(VENV)
	test -x $(UV) || $(VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV) pip sync --quiet --python $(VENV)/bin/python requirements/app.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps -e .
	touch $@

# setuptools stays at the version the lock pins: rasa imports pkg_resources.
$(RASA_VENV)/.installed: requirements/rasa.lock $(VENV)/.installed
	test -x $(RASA_VENV)/bin/python || $(UV) venv --quiet --python $(PY310) $(RASA_VENV)
	$(UV) pip sync --quiet --python $(RASA_VENV)/bin/python requirements/rasa.lock
	touch $@

model: $(MODEL)

$(MODEL): $(RASA_VENV)/.installed $(RASA_INPUTS)
	$(RASA) train --fixed-model-name companion --out models

db: $(VENV)/.installed
	$(VENV)/bin/companion migrate

run: install model db
	$(VENV)/bin/companion run

test: install model lint test-python validate test-rasa
	@echo "all tests passed"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot actions tests scripts

test-python: $(VENV)/.installed $(MODEL)
	$(VENV)/bin/pytest

validate: $(RASA_VENV)/.installed
	$(RASA) data validate --domain domain.yml --data data

test-rasa: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/rasa --fail-on-prediction-errors --out results

eval: install model
	$(VENV)/bin/python scripts/eval_nlu.py
	$(VENV)/bin/python scripts/eval_safety.py
	$(VENV)/bin/python scripts/cv_reader.py
	$(VENV)/bin/python scripts/eval_values.py
	$(VENV)/bin/python scripts/eval_anonymise.py
	$(VENV)/bin/python scripts/eval_care.py

bench: install model
	$(VENV)/bin/python scripts/bench.py

.PHONY: bench-alerts
bench-alerts: install
	$(VENV)/bin/python scripts/bench_alerts.py
# 200 web conversations at once on two of each server, PostgreSQL and Redis (about 3 minutes).
load: install model
	$(VENV)/bin/python scripts/load.py

lock:
	$(UV) pip compile --quiet --python $(PY310) --python-version 3.10 requirements/app.in -o requirements/app.lock
	$(UV) pip compile --quiet --python $(PY310) --python-version 3.10 requirements/rasa.in -o requirements/rasa.lock

clean:
	rm -rf models results reports var/log .rasa
