# Quick start: `make demo` runs the whole loop on synthetic returns; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test bench bench-templates clean

demo: $(VENV)/.installed
	$(BIN)/lscb demo --out output/demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/collate_benchmark.py

bench-national: $(VENV)/.installed
	$(BIN)/python benchmarks/collate_benchmark.py --national --work output/bench-national

bench-templates: $(VENV)/.installed
	$(BIN)/python benchmarks/templates_benchmark.py
	$(BIN)/python benchmarks/templates_benchmark.py --collection consultation

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) output/demo build *.egg-info
