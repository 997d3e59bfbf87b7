# MDS Workbench. Two commands on a fresh machine with Python 3.11:
#   make run    set up every environment, train the demo models, start the embedded MDS and the app
#   make test   set up the same and run the full test suite (what CI runs)
# and the inner loop:
#   make check  lint plus the tests that need no server (under 2 minutes)
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENVS := .venvs
APP := $(VENVS)/app/bin/python
PIP_QUIET := --quiet --disable-pip-version-check
# The machine's pip config lists local mirrors that lack most packages; their warnings are noise.
FILTER := { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: run test check setup lint bench models clean mds-up mds-down system-deps fuzz

setup: $(VENVS)/app/.ok $(VENVS)/mlserver/.ok $(VENVS)/seldon/.ok $(VENVS)/mlflow/.ok $(VENVS)/triton/.ok $(VENVS)/kserve/.ok

$(VENVS)/app/.ok: requirements.txt constraints.txt pyproject.toml
	rm -rf $(VENVS)/app && $(PYTHON) -m venv $(VENVS)/app
	$(APP) -m pip install $(PIP_QUIET) -r requirements.txt -c constraints.txt 2>&1 | $(FILTER)
	$(APP) -m pip install $(PIP_QUIET) --no-deps -e . 2>&1 | $(FILTER)
	$(APP) -c "import streamlit, mds_client, sklearn, alibi_detect" && touch $@

$(VENVS)/mlserver/.ok: requirements-mlserver.txt requirements-mlserver-nodeps.txt constraints-mlserver.txt
	rm -rf $(VENVS)/mlserver && $(PYTHON) -m venv $(VENVS)/mlserver
	$(VENVS)/mlserver/bin/pip install $(PIP_QUIET) -r requirements-mlserver.txt -c constraints-mlserver.txt 2>&1 | $(FILTER)
	$(VENVS)/mlserver/bin/pip install $(PIP_QUIET) --no-deps -r requirements-mlserver-nodeps.txt 2>&1 | $(FILTER)
	$(VENVS)/mlserver/bin/python -c "import mlserver, mlserver_sklearn, mlserver_mlflow" && touch $@

$(VENVS)/seldon/.ok: requirements-seldon.txt constraints-seldon.txt
	rm -rf $(VENVS)/seldon && $(PYTHON) -m venv $(VENVS)/seldon
	$(VENVS)/seldon/bin/pip install $(PIP_QUIET) -r requirements-seldon.txt -c constraints-seldon.txt 2>&1 | $(FILTER)
	$(VENVS)/seldon/bin/python -c "import seldon_core.wrapper" && touch $@

# KServe 0.21's ModelServer for the tests' own kserve.Model classes (V1 and V2; about 660 MB, 4 min to build).
$(VENVS)/kserve/.ok: requirements-kserve.txt constraints-kserve.txt
	rm -rf $(VENVS)/kserve && $(PYTHON) -m venv $(VENVS)/kserve
	$(VENVS)/kserve/bin/pip install $(PIP_QUIET) -r requirements-kserve.txt -c constraints-kserve.txt 2>&1 | $(FILTER)
	$(VENVS)/kserve/bin/python -c "import kserve, sklearn" && touch $@

# MLflow's tracking server and Model Registry (optional server of the embedded MDS; about 850 MB).
$(VENVS)/mlflow/.ok: requirements-mlflow.txt constraints-mlflow.txt
	rm -rf $(VENVS)/mlflow && $(PYTHON) -m venv $(VENVS)/mlflow
	$(VENVS)/mlflow/bin/pip install $(PIP_QUIET) -r requirements-mlflow.txt -c constraints-mlflow.txt 2>&1 | $(FILTER)
	$(VENVS)/mlflow/bin/python -c "import mlflow, sklearn" && touch $@

# NVIDIA Triton (nvidia-pytriton bundles tritonserver 2.51; CPU): the embedded MDS's Triton demo model and the tests' Triton models (about 370 MB; only the binary is used).
$(VENVS)/triton/.ok: requirements-triton.txt constraints-triton.txt
	rm -rf $(VENVS)/triton && $(PYTHON) -m venv $(VENVS)/triton
	$(VENVS)/triton/bin/pip install $(PIP_QUIET) -r requirements-triton.txt -c constraints-triton.txt 2>&1 | $(FILTER)
	$(VENVS)/triton/bin/python -c "import pathlib, pytriton.triton as t; \
	  assert (pathlib.Path(t.__file__).parent / 'tritonserver/bin/tritonserver').exists()" && touch $@

models: setup
	$(APP) -m embedded_mds.demo_models --home $${WORKBENCH_HOME:-.mds}

# Prometheus and Alertmanager for the embedded MDS (Debian's packages); best effort: without Prometheus Monitor
# falls back to the log, without Alertmanager alerts reach no one.
system-deps:
	@command -v prometheus >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; } || \
	  echo "prometheus could not be installed: Monitor will read service metrics from the request log instead"
	@command -v prometheus-alertmanager >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager >/dev/null; } || \
	  echo "prometheus-alertmanager could not be installed: alerts show on the Health page but reach no one"

run: setup models system-deps
	$(APP) -m workbench.launch

mds-up: setup
	$(VENVS)/app/bin/mds local up

mds-down:
	$(VENVS)/app/bin/mds local down

# Both cores: each pytest-xdist worker starts its own servers. --dist worksteal hands each worker one half of
# the tests in file order, then an idle worker takes tests from the end of the other's queue: a file is
# split (its module fixtures run twice) only where stealing happens. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)

test: setup
	$(APP) -m ruff check .
	$(APP) -m pytest -q $(XDIST) --durations=25 $(PYTEST_ARGS)

check: setup
	$(APP) -m ruff check .
	$(APP) -m pytest -q $(XDIST) -m "not server and not e2e and not slow" --durations=10 $(PYTEST_ARGS)

# New random examples for the fuzz tests (the suite runs a fixed set): ROUNDS runs of FUZZ_EXAMPLES each.
ROUNDS ?= 5
FUZZ_EXAMPLES ?= 500
fuzz: setup
	for i in $$(seq $(ROUNDS)); do MDS_FUZZ_RANDOM=1 MDS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(APP) -m pytest -q $(XDIST) tests/fuzz -p no:cacheprovider || exit 1; done

lint: setup
	$(APP) -m ruff check .

bench: setup
	for b in bench/[a-z]*.py; do echo "== $$b"; PYTHONPATH=$(CURDIR) $(APP) $$b; done

clean:
	rm -rf $(VENVS) .mds
