# Two commands on a fresh machine: `make run` and `make test` (see README).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE := data/insights.duckdb

.PHONY: run test build lint bench clean demo

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11（未找到 $(PY)，可用 make PY=python3 指定）"; exit 1; }
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

$(STORE): $(STAMP)
	$(BIN)/python -m analysis build --corpus corpus --store $(STORE)

# 127.0.0.1 without users (single-user local mode), every interface once logins are required
run: $(STAMP) $(STORE)
	$(BIN)/streamlit run app.py --server.address $$($(BIN)/python -m analysis users address)

build: $(STAMP)
	$(BIN)/python -m analysis build --corpus corpus --store $(STORE)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m analysis bench --docs 2000

demo: $(STAMP)
	$(BIN)/python corpus/generate.py

clean:
	rm -rf $(VENV) data .pytest_cache
