# Two commands on a fresh machine: `make run` and `make test` (see README).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE := data/insights.duckdb
PORT ?= 8501

.PHONY: run test screenshots build lint bench clean demo

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11（未找到 $(PY)，可用 make PY=python3 指定）"; exit 1; }
	$(PY) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

$(STORE): $(STAMP)
	$(BIN)/python -m analysis build --corpus corpus --store $(STORE)

# 127.0.0.1 without users (single-user local mode), every interface once logins are required.
# `make run PORT=8600` for another port; Ctrl+C stops it. The CJK font is put in static/ first (ui/chrome.py).
run: $(STAMP) $(STORE)
	@$(BIN)/python -m ui.chrome >/dev/null
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.address $$($(BIN)/python -m analysis users address)

build: $(STAMP)
	$(BIN)/python -m analysis build --corpus corpus --store $(STORE)

# -rs: every skipped test says why. Tests never rewrite tracked files (screenshots: `make screenshots`).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -rs

# the README's screenshots (docs/screenshots/*.png), from the browser tests
screenshots: $(STAMP)
	YEAREND_SCREENSHOTS=1 $(BIN)/python -m pytest -q -rs tests/test_browser.py tests/test_browser_insights.py \
		tests/test_browser_upload.py tests/test_browser_report.py

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m analysis bench --docs 2000

demo: $(STAMP)
	$(BIN)/python corpus/generate.py

clean:
	rm -rf $(VENV) data .pytest_cache
