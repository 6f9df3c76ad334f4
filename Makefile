# sentence-workbench: `make app` runs the app, `make test` runs the tests. Both set everything up themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8866
# The CPU build of torch that lies on this machine's disk; any other spec may pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: setup app test test-fast e2e quality bench lint chromium clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e '.[test]'
	# The Training settings facts of this environment, for every workbench home (a new home's first page paints
	# without a child process importing torch beside it); the app reads them in a child if this fails.
	-$(PY) -m workbench.session.facts --seed
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then echo "chromium: $(CHROMIUM) present"; else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
	  && echo "chromium: installed"; fi

app: setup
	$(VENV)/bin/workbench app --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check workbench tests bench
	$(VENV)/bin/ruff format --check workbench tests bench

# Unit, engine, notebook and browser tests (real-data quality runs are `make quality`).
test: setup chromium lint
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q -m "not slow" $(PYTEST_ARGS)

test-fast: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q -m "not slow and not e2e" $(PYTEST_ARGS)

# Real-data quality checks on ../shared/data (minutes); writes bench/quality.json.
quality: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) bench/quality.py
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) bench/quality_distill.py

# Benchmarks against the raw sentence-transformers script, side by side; writes bench/results.json.
bench: setup chromium
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) bench/run_bench.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts runs
