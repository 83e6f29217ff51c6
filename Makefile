# Bijli Sahayak. `make run` serves the assistant, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.8-3.10: take a 3.10 from pyenv, else from PATH.
PYTHON310 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.10.*/bin/python3.10) $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RASA := $(BIN)/python -m scripts.quiet_rasa

export TF_CPP_MIN_LOG_LEVEL := 3
export TQDM_DISABLE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Library deprecations, by name (our own code's warnings still show). Rasa's commands run
# through scripts/quiet_rasa.py, because sanic's import would put these filters behind its own.
export PYTHONWARNINGS := ignore:pkg_resources is deprecated as an API:DeprecationWarning,$\
ignore:Deprecated call to `pkg_resources.declare_namespace:DeprecationWarning,$\
ignore:jax.xla_computation is deprecated:DeprecationWarning,$\
ignore::DeprecationWarning:matplotlib.fontconfig_pattern,$\
ignore::DeprecationWarning:matplotlib._mathtext,$\
ignore::UserWarning:sklearn.metrics._classification,$\
ignore:distutils Version classes are deprecated:DeprecationWarning,$\
ignore:Calling URL() directly is deprecated:DeprecationWarning
ACTION_PORT ?= 5055
RASA_PORT ?= 5005

.PHONY: FORCE help install db train run shell test validate unit test-postgres stories nlu-gate e2e clean postgres-server mutation mutation-code visualize browser interactive lint dev-only

help:
	@echo "make run    - set up, train if needed, serve on :$(RASA_PORT) (REST) with actions on :$(ACTION_PORT)"
	@echo "make test   - the whole test suite (what CI runs)"
	@echo "make shell  - chat in the terminal (works while make run serves)"
	@echo "make interactive - rasa interactive: explore, correct, save stories"
	@echo "make lint   - ruff and mypy"
	@echo "make mutation - does rasa test notice a deleted or redirected rule? (reports/mutation.md)"
	@echo "make visualize - the stories and rules as a graph (docs/dialogue.png)"
	@echo "make bench  - benchmarks (reports/)"

$(STAMP): requirements.txt requirements.lock pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found (pyenv or PATH); Rasa 3.6 needs 3.8-3.10" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip<24.1" setuptools wheel
	$(BIN)/python -m pip install -q -r requirements.txt -c requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

db: install
	$(BIN)/bijli migrate
	$(BIN)/bijli seed

# Train only when what the model is built from changed (or there is no model);
# `rasa train` then reuses its cache for the parts that did not change.
# The tracker and lock stores live in components/ too but are not part of the model.
TRAIN_INPUTS := config.yml $(wildcard domain/*.yml) $(shell find data -name '*.yml' 2>/dev/null) \
	$(filter-out components/tracker_store.py components/lock_store.py,$(wildcard components/*.py)) \
	bijli/text.py bijli/nlu_rules.py
MODEL_STAMP := models/.trained

$(MODEL_STAMP): $(STAMP) $(TRAIN_INPUTS) $(if $(wildcard models/*.tar.gz),,FORCE)
	$(RASA) train --domain domain --quiet --out models
	touch $@

train: $(MODEL_STAMP)

FORCE:

# In production (BIJLI_ENV=production) refuse before migrating, seeding or training;
# serve.sh checks again, as do both servers (README "Security").
run: install
	$(BIN)/bijli check-config
	$(MAKE) --no-print-directory db train
	ACTION_PORT=$(ACTION_PORT) RASA_PORT=$(RASA_PORT) bash scripts/serve.sh

# Shell and interactive are for development (the terminal channel believes any sender):
# refused in production before migrating, seeding or training, and again by serve.sh.
# Both start their own servers, on other ports when `make run` holds the usual ones.
dev-only: install
	@$(BIN)/python -c 'import sys; from bijli.settings import Settings; \
	  sys.exit("make shell/interactive are for development (BIJLI_ENV=production)" \
	           if Settings.from_env().is_production else 0)'

shell: dev-only
	$(BIN)/bijli check-config
	$(MAKE) --no-print-directory db train
	ACTION_PORT=$(ACTION_PORT) RASA_PORT=$(RASA_PORT) bash scripts/serve.sh shell

interactive: dev-only
	$(BIN)/bijli check-config
	$(MAKE) --no-print-directory db train
	@mkdir -p results/interactive
	@echo "At Export & Quit, answer results/interactive/stories.yml, results/interactive/nlu.yml and"
	@echo "results/interactive/domain.yml: Rasa offers data/ and 'domain' (our domain directory) instead."
	ACTION_PORT=$(ACTION_PORT) RASA_PORT=$(RASA_PORT) bash scripts/serve.sh interactive

# Ruff (pyflakes, pycodestyle, import order, docstrings) and mypy; settings in pyproject.toml.
# Both run, so that one report shows every finding; either failing fails.
lint: install
	@status=0; \
	echo "$(BIN)/ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "$(BIN)/mypy"; $(BIN)/mypy || status=1; \
	exit $$status

validate: install
	$(RASA) data validate --domain domain --fail-on-warnings --quiet

# Unit and action tests on both cores (pytest-xdist): each test has its own database (a copy
# of one migrated per worker), its own tmp_path and free loopback ports. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= 2
unit: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/actions

stories: train
	$(RASA) test core --model models --stories tests/test_stories.yml --fail-on-prediction-errors --out results/core

nlu-gate: train
	rm -rf results/nlu
	@for set in heldout realistic; do \
	  test -f tests/nlu/$$set.yml || { echo "NLU gate FAILED (input): tests/nlu/$$set.yml not found" >&2; exit 2; }; \
	  echo "$(RASA) test nlu ... --nlu tests/nlu/$$set.yml --out results/nlu/$$set"; \
	  $(RASA) test nlu --model models --nlu tests/nlu/$$set.yml --domain domain --successes \
	    --out results/nlu/$$set --quiet || exit $$?; \
	done
	$(BIN)/python scripts/nlu_gate.py results/nlu --sets-dir tests/nlu

# The unit and action tests that use a database (marked `db` by tests/conftest.py from their
# fixtures; tests/unit/test_db_selection.py checks that none is left out) against a throwaway
# PostgreSQL server; the others do not depend on it and ran in `make unit`. Never a silent
# skip: the server is installed when absent, and with_postgres.sh fails without it.
test-postgres: install postgres-server
	bash scripts/with_postgres.sh $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m db tests/unit tests/actions

# PostgreSQL's server from Debian's packages when its binaries are missing (CI runs
# as root on a fresh machine); anyone else is told what to install, and it fails.
postgres-server:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "PostgreSQL server binaries not found: run 'apt-get install postgresql' as root" >&2; exit 1; fi; \
	echo "installing PostgreSQL from Debian's packages"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null

# Dialogue mutation check (not part of `make test`: it retrains once per mutant): delete a
# rule, redirect a rule, delete a story, one at a time in a throwaway copy; `rasa test`
# must fail each time. Writes reports/mutation.md. MUTATION_ARGS="--limit 10" for a quick look.
mutation: train
	$(BIN)/python scripts/dialogue_mutation.py $(MUTATION_ARGS)

# The test stories as a graph: docs/dialogue.dot and docs/dialogue.png (Graphviz from
# Debian's packages when root and missing; otherwise only the .dot is written).
visualize: install
	@command -v dot >/dev/null || [ "$$(id -u)" != 0 ] || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) || true
	$(BIN)/python scripts/visualize.py

# Mutation testing of the money, identity and signature code (not part of `make test`;
# slow). Runs in a copy of the tree, so no mutant is ever visible here; writes
# reports/mutation-code.md.
mutation-code: install
	$(BIN)/python scripts/mutation.py

# Debian's chromium and chromium-driver (and a Devanagari font, for legible screenshots)
# for the web chat page's browser test, when missing. Only root can install them; otherwise,
# or if apt fails, tests/e2e/test_webchat.py skips and says why.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "chromium/chromium-driver not found and not root: the browser test will be skipped" \
	       "(apt-get install chromium chromium-driver fonts-lohit-deva)" >&2; exit 0; fi; \
	echo "installing chromium and chromium-driver from Debian's packages"; \
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-lohit-deva >/dev/null; } || \
	  echo "installing chromium failed: the browser test will be skipped" >&2

# One process, files in order. Two workers (-n 2 --dist loadfile) took 7.8 min against 8.8 on a
# quiet machine, for 1.9 more CPU-minutes (the shared `live` servers start once per worker), and
# which files share those servers would change from run to run.
e2e: train browser
	$(BIN)/python -m pytest -rs tests/e2e

# Each stage in turn, stopping at the first that fails, with what it took (README "Tests" keeps
# the figures of a whole run).
TEST_STAGES := lint validate unit test-postgres stories nlu-gate e2e test-prod
test:
	@for stage in $(TEST_STAGES); do \
	  started=$$(date +%s); \
	  $(MAKE) --no-print-directory $$stage || exit $$?; \
	  echo "== make $$stage: $$(( $$(date +%s) - started )) s"; \
	done
	@echo "all tests passed"

clean:
	rm -rf results .pytest_cache

# Benchmarks (mk/bench.mk) and the production topology (mk/prod.mk).
include mk/bench.mk mk/prod.mk
