# Benchmarks: reports/ (figures are measured here, never asserted in tests).
# `make bench` (without bench-nlu: ~15 min on 2 cores) writes reports/bench.md, reports/bench-long.png
# and the numbers of docs/deploy.md; bench-nlu and bench-adversarial write their own reports.
.PHONY: bench bench-nlu bench-load bench-data bench-train bench-adversarial

bench: bench-nlu bench-data bench-load bench-adversarial

BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
# Locust in its own venv: its pins (gevent, Flask, requests...) clash with Rasa's. It is only a
# client, so any Python 3.10+ does: the Makefile's PYTHON310, else python3.
$(BENCH_STAMP): requirements-bench.txt
	test -x $(BENCH_VENV)/bin/python || $(or $(PYTHON310),python3) -m venv $(BENCH_VENV)
	echo '*' > $(BENCH_VENV)/.gitignore
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade "pip<24.1"
	$(BENCH_VENV)/bin/python -m pip install -q -r requirements-bench.txt
	touch $@

# The walk-through under Locust against the embedded servers (`make run`'s), the production
# topology (`make prod`, its own directory and ports) and Rasa's `rasa init` assistant, side by side:
# results/bench/load.json, then reports/bench.md. BENCH_ARGS: e.g. --quick, --rate 5.
bench-load: train $(BENCH_STAMP)
	$(BIN)/python -m scripts.bench.run $(BENCH_ARGS)

# 1,000,000 consumers x 6 bills on a throwaway PostgreSQL: bill-lookup latency and the importer's
# rate (results/bench/data.json, then reports/bench.md). BENCH_DATA_ARGS: e.g. --consumers 100000.
bench-data: install postgres-server
	$(BIN)/python -m scripts.bench.data $(BENCH_DATA_ARGS)

# The time of `rasa train --force` of our assistant, into a temp directory (not in `make bench`:
# minutes of both cores); results/bench/training.json, then reports/bench.md.
bench-train: install
	$(BIN)/python -m scripts.bench.training

# Trains four NLU pipelines (~8 min of both cores). Models, predictions and bench.json stay in
# results/bench-nlu: `scripts/bench_nlu.py --from-json results/bench-nlu/bench.json` re-renders reports/nlu.md.
bench-nlu: install
	$(BIN)/python scripts/bench_nlu.py --keep results/bench-nlu

# The worst adversarial 4,096-character message in the NLU rule layer, and another consumer's
# "Hi" during a flood of them (reports/adversarial.md; issue 18).
bench-adversarial: train
	$(BIN)/python scripts/bench_adversarial.py
