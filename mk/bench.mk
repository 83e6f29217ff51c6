# Benchmarks: reports/ (figures are measured here, never asserted in tests).
bench: bench-nlu bench-e2e bench-adversarial

# Trains four NLU pipelines (~8 min of both cores). Models, predictions and bench.json stay in
# results/bench-nlu: `scripts/bench_nlu.py --from-json results/bench-nlu/bench.json` re-renders reports/nlu.md.
bench-nlu: install
	$(BIN)/python scripts/bench_nlu.py --keep results/bench-nlu

bench-e2e: train
	$(BIN)/python scripts/bench_e2e.py

# The worst adversarial 4,096-character message in the NLU rule layer, and another consumer's
# "Hi" during a flood of them (reports/adversarial.md; issue 18).
bench-adversarial: train
	$(BIN)/python scripts/bench_adversarial.py

