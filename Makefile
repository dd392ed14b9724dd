# Two commands for a newcomer:  `make run` (install, index seeds/, start the app)
#                               `make test` (install, lint, type-check, run every test)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

.PHONY: install run index test lint bench clean

install: $(STAMP)

# torch first: 2.13.0 is a CPU wheel on local disk; every later install is pinned to it by
# constraints.txt so nothing pulls the multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/qa prepare --quiet
	touch $(STAMP)

index: install
	$(BIN)/qa index

run: index
	$(BIN)/python app.py

lint: install
	$(BIN)/ruff check qa tests bench app.py
	$(BIN)/mypy qa

test: lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_search.py

clean:
	rm -rf $(VENV) embeddings/CURRENT embeddings/gen-* .pytest_cache .mypy_cache .ruff_cache
