# zhanhe-audit: every target bootstraps .venv from pyproject.toml when it is missing or stale.
# Run 'make' or 'make help' for the list.

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUARTER ?= demo-2026Q4
# The demo quarter's filled results form and its as-of date (zhanhe_audit.demo makes both).
ifeq ($(QUARTER),demo-2026Q4)
FILE ?= registers/demo-2026Q4/results-filled.csv
AS_OF ?= 2026-12-31
endif

help: ## list the targets (the default)
	@echo "zhanhe-audit: make TARGET [QUARTER=2026Q1]   (QUARTER defaults to the demo quarter $(QUARTER))"
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "zhanhe-audit needs Python 3.11 or newer; '$(PYTHON)' is older. Run: make PYTHON=python3.12 ..."; exit 1; }
	@echo ">> creating $(VENV) and installing zhanhe-audit with its dependencies (about 40 s, once)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP) ## create .venv and install the package and its dependencies

freeze: $(STAMP) ## freeze QUARTER's registers (hashes, counts) before its seed exists
	$(BIN)/zhanhe-audit freeze $(QUARTER)

draw: $(STAMP) ## draw QUARTER: run the notebooks, export HTML, archive into outputs/QUARTER/ (once); ENGINE=spark ranks on Spark
	$(BIN)/zhanhe-audit draw $(QUARTER) $(if $(ENGINE),--engine $(ENGINE))

verify: $(STAMP) ## re-check QUARTER's archive: every file recomputed or proved, chain, git order (PASS/FAIL); SEED='…' HEAD=… compare the announced values; PAGES=no skips running the notebooks again
	$(BIN)/zhanhe-audit verify $(QUARTER) $(if $(value SEED),--seed '$(subst ','\'',$(value SEED))') $(if $(HEAD),--head '$(HEAD)') $(if $(filter no,$(PAGES)),--no-pages)

calendar: $(STAMP) ## write params/calendar/YEAR.yaml from the State Council's holiday notice: YEAR=2027 NOTICE=notice.txt (or .html)
	@test -n "$(YEAR)" -a -n "$(NOTICE)" || { echo 'usage: make calendar YEAR=2027 NOTICE=国务院办公厅通知.txt'; exit 2; }
	$(BIN)/zhanhe-audit calendar $(YEAR) "$(NOTICE)"

replace: $(STAMP) ## replace a drawn entity found out of scope by the next reserve: QUARTER=… USCC=… REASON="…"
	@test -n "$(USCC)" -a -n "$(REASON)" || { echo 'usage: make replace QUARTER=2027Q1 USCC=9141… REASON="已注销 deregistered"'; exit 2; }
	$(BIN)/zhanhe-audit replace $(QUARTER) $(USCC) --reason "$(REASON)"

results-form: $(STAMP) ## write QUARTER's fill-in results form (.xlsx beside its registers; no grade)
	$(BIN)/zhanhe-audit results-form $(QUARTER)

results: $(STAMP) ## record a filled results form: QUARTER=… FILE=… [AS_OF=2026-12-31]; writes public/QUARTER/
	@test -n "$(FILE)" || { echo 'usage: make results QUARTER=2027Q1 FILE=registers/2027Q1/results-filled.xlsx [AS_OF=2027-04-30]'; exit 2; }
	$(BIN)/zhanhe-audit results $(QUARTER) "$(FILE)" $(if $(AS_OF),--as-of $(AS_OF))

violations: $(STAMP) ## rebuild outputs/violations.csv (QUARTER's series) from every results record
	$(BIN)/zhanhe-audit violations $(QUARTER)

lab: $(STAMP) ## open the notebooks in JupyterLab, on the project's own .venv kernel
	$(BIN)/jupyter lab notebooks/

test: $(STAMP) lint ## run the tests (after lint), with typecheck beside them: its verdict follows theirs
	@$(BIN)/mypy > $(VENV)/typecheck.log 2>&1 & typecheck=$$!; \
	$(BIN)/python -m pytest; tests=$$?; \
	wait $$typecheck; typed=$$?; echo ">> make typecheck, run beside the tests:"; cat $(VENV)/typecheck.log; \
	test $$tests = 0 -a $$typed = 0

lint: $(STAMP) ## ruff on the package, the tests and the benchmarks
	$(BIN)/ruff check zhanhe_audit tests benchmarks

typecheck: $(STAMP) ## mypy on the package
	$(BIN)/mypy

bench: $(STAMP) ## time the draw from 10k to 10M entities beside its floor (C: hashing, sorting, writing) and pandas, and make draw, freeze and verify up to 10M (outputs/bench/)
	$(BIN)/python benchmarks/bench.py

demo-registers: $(STAMP) ## regenerate the synthetic demo registers and the demo's filled results form (byte-identical)
	$(BIN)/python -m zhanhe_audit.demo registers/demo-2026Q4
	$(BIN)/python -m zhanhe_audit.demo --results registers/demo-2026Q4/results-filled.csv

clean-demo: ## delete the demo quarter's archive and public files (demo only: real archives are evidence)
	rm -rf outputs/demo-*/ outputs/demo-violations.csv public/demo-*/

.PHONY: help venv freeze draw verify calendar replace results-form results violations lab test lint typecheck bench demo-registers clean-demo
