# `make run` serves the dashboard, `make test` runs every test; `make test-fast` runs the pure and core
# tests only (no browser, no page, nothing marked slow): the quick loop while changing code.
# Both create .venv and install requirements.txt the first time only:
# the stamp file is rebuilt only when requirements.txt changes.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run dashboard/Home.py

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser and not page and not slow" tests

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
