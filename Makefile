# The two commands: `make demo` and `make test`. Both bootstrap everything they need first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ENV := source .run/env.sh
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: bootstrap demo test stop lint format bench faults

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	@bash scripts/demo.sh $(HOST) $(PORT)

test: bootstrap
	@bash scripts/test.sh $(PYTEST_ARGS)

stop:
	@bash scripts/stop.sh

lint: bootstrap
	@$(ENV); ruff check . && ruff format --check .

format: bootstrap
	@$(ENV); ruff format . && ruff check --fix .

# Every benchmark of the README, in one run; outputs under bench/results/<start time>/.
bench: bootstrap
	@bash scripts/bench.sh

# Real faults (killed worker, Redis down, silent mail server, overlapping ingests, PostgreSQL restarted,
# the web server (uWSGI) killed after a 201, full disk for uploads): expected vs observed.
faults: bootstrap
	@bash scripts/faults.sh
