# The README's two commands: `make run` (the app) and `make test` (the whole suite).
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
RUN_DEBS  := tesseract-ocr tesseract-ocr-ron fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) openssl fonts-humor-sans fonts-comic-neue fonts-klee fonts-kristi chromium postgresql
PYTEST_ARGS ?=

.PHONY: run test venv bench docs

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	scripts/debian-deps.sh $(RUN_DEBS)
	$(VENV)/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false

test: $(STAMP)
	scripts/debian-deps.sh $(TEST_DEBS)
	scripts/with-postgres.sh $(PY) -m pytest -n auto -q $(PYTEST_ARGS)

bench: $(STAMP)
	scripts/debian-deps.sh $(RUN_DEBS)
	for b in bench/*.py; do $(PY) $$b || exit 1; done
