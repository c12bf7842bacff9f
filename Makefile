# The two commands of the README. Each sets up .venv/ (Python >= 3.12) on first use.
.PHONY: run test setup bench

run: setup
	@.venv/bin/innovation-sim run baseline

test: setup
	@bash scripts/browser.sh
	@.venv/bin/python -m pytest -n auto -q

setup:
	@bash scripts/bootstrap.sh

bench: setup
	@.venv/bin/python benchmarks/bench_locality.py
	@.venv/bin/python benchmarks/bench_cli.py --heavy
	@.venv/bin/python benchmarks/bench_sweep.py
	@.venv/bin/python benchmarks/bench_region.py
	@.venv/bin/python benchmarks/bench_ema.py
	-@.venv/bin/python benchmarks/compare_engines.py --quick  # differences are expected once the model changes
	@.venv/bin/python -m pytest tests/test_app.py tests/test_workshop.py -m benchmark -q -s
