# Two commands on a fresh machine with python3: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tfimg demo $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not gpu and not network" --nbmake -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/python -m flake8 tfimg tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/input_pipeline.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
