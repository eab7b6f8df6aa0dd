# Every target creates/updates .venv first; nothing else needs to be installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-smoke bench lint migrate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## make run — embedded Postgres (or $$DATABASE_URL), migrations, 3 services + gateway on :8000
run: $(STAMP)
	$(BIN)/chanjiao up

## make test — the whole suite on a throw-away embedded cluster (or $$TEST_DATABASE_URL)
test: $(STAMP)
	$(BIN)/python -m pytest

test-smoke: $(STAMP)
	$(BIN)/python -m pytest -m smoke

## make bench — gateway vs direct, API key vs no auth, compression's cost, structure as of any date, name search, training figures, enrolment ingestion, learner batches, certificate verification vs the authenticated read, certificate import vs COPY, matching ranking and allocation (docs/benchmarks.md)
bench: $(STAMP)
	$(BIN)/python -m bench.gateway
	$(BIN)/python -m bench.auth
	$(BIN)/python -m bench.compression
	$(BIN)/python -m bench.membership
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.training_stats
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.learner_batch
	$(BIN)/python -m bench.certificate_verify
	$(BIN)/python -m bench.certificate_import
	$(BIN)/python -m bench.matching_rank
	$(BIN)/python -m bench.matching_rank_route
	$(BIN)/python -m bench.matching_allocation

migrate: $(STAMP)
	$(BIN)/chanjiao migrate

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
