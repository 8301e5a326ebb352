# csa-stats: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Build parameters (optional): make book PERIOD_END=2024-03
PERIOD_END ?=
BUILD_ARGS := $(if $(PERIOD_END),--period-end $(PERIOD_END))

.PHONY: help install browser book test lint check-inputs demo geography boundaries bench calibrate clean

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

book: $(STAMP) ## Build the site on the embedded demo data (PERIOD_END=YYYY-MM optional)
	$(BIN)/csa-stats build $(BUILD_ARGS)

browser: ## Install Debian's chromium (site tests, csa-stats pdf) and poppler-utils (PDF tests), if missing (uses apt-get)
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || { echo "installing Debian's chromium and poppler-utils for the browser and PDF tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium poppler-utils >/dev/null; } \
	  || { echo "error: the browser tests need Debian's chromium and poppler-utils: apt-get install chromium poppler-utils"; exit 1; }

test: $(STAMP) browser ## Run every test: lint, types, unit, demo calibration, nbval, site build, browser
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP) ## Lint and type-check only
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

check-inputs: $(STAMP) ## Validate data and parameters without building
	$(BIN)/csa-stats check $(BUILD_ARGS)

demo: $(STAMP) ## Regenerate the embedded demo data (seeded, deterministic)
	$(BIN)/csa-stats make-demo

# Where the third-party ONS lookups are (read only by `make geography`)
ONS_LOOKUPS ?= ../shared/data/real/ons-lookups

geography: $(STAMP) ## Derive data/reference/geography/ (LSOA -> ward -> LAD, Coventry's LSOA 2011 -> 2021) from the ONS lookups
	$(BIN)/python -m csa_stats.reference.geography --source $(ONS_LOOKUPS)

boundaries: $(STAMP) ## Derive the committed ward boundaries from the LSOA polygons in ../shared (data/reference/boundaries)
	$(BIN)/python -m csa_stats.reference.boundaries

bench: $(STAMP) ## Time the build (cold, parallel, unchanged) and print the figures
	$(BIN)/python -m csa_stats.build.bench

calibrate: $(STAMP) ## Calibrate the change test and the projection outside their models; writes data/reference/calibration.json
	$(BIN)/python -m csa_stats.analysis.calibrate

clean: ## Remove build output and caches (keeps .venv)
	rm -rf _build .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
