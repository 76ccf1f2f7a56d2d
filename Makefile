# Every target creates the project's virtual environment first (python3 -m venv + pip),
# so `make train` and `make test` work on a fresh machine with nothing prepared.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: train test lint bench clean

$(BIN)/.glassnet-installed: pyproject.toml
	PYTHON=$(PYTHON) bash tools/system-packages.sh --venv-only
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

train: $(BIN)/.glassnet-installed
	$(BIN)/glassnet train

# one BLAS thread per pytest worker: two workers with two BLAS threads each on two cores
# spin-wait against each other and run the suite several times slower
test: $(BIN)/.glassnet-installed
	PYTHON=$(PYTHON) bash tools/system-packages.sh
	$(BIN)/ruff check .
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -q

lint: $(BIN)/.glassnet-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.glassnet-installed
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
