# `make generate` and `make test` work on a fresh machine: they create .venv, install obsgen with
# pinned dependencies, and (for tests) install Prometheus, Alertmanager, promtool and amtool from Debian
# when missing (the end-to-end test, tests/e2e/, runs the servers themselves).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: generate test check setup tools lint bench docs docs-serve clean

generate: setup ## write alerts/, dashboards/, otel/, k8s/ from slos/, the spec schema and its reference page
	$(BIN)/obsgen generate slos --out .
	$(BIN)/obsgen schema > obsgen.schema.json
	$(BIN)/python tools/spec_reference.py docs/reference/spec.md

check: setup ## fail when the committed output (or obsgen.schema.json) is not what slos/ generates
	$(BIN)/obsgen check slos --out .
	$(BIN)/obsgen schema | diff -u obsgen.schema.json - >/dev/null || \
	  { echo "obsgen.schema.json is out of date: run make generate" >&2; exit 1; }

# pytest-xdist: a worker per core and one more, as the end-to-end test spends its minutes waiting
# for alerts; a file's tests stay on one worker (tests/conftest.py's groups: its module fixtures, a
# server or a browser, start once). WORKERS=0 runs in this process. The slowest 15 tests are listed
# at the end: the suite is to stay under 5 minutes (docs/testing.md).
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

# compileall: the suite starts hundreds of obsgen processes (the CLI, `obsgen test`'s workers); with
# PYTHONDONTWRITEBYTECODE set, as CI images often have it, each would compile obsgen's modules again.
test: setup tools lint check ## the whole suite, promtool, amtool and kubectl kustomize included
	$(BIN)/python -m compileall -q obsgen tests bench tools >/dev/null
	$(BIN)/pytest -q -n $(WORKERS) --dist loadgroup --durations=15

lint: setup
	$(BIN)/ruff check .

docs: setup ## redraw the dashboard pictures from the committed dashboards, then build the site into site/
	$(BIN)/python tools/dashboard_picture.py .
	$(BIN)/python tools/spec_reference.py docs/reference/spec.md
	$(BIN)/mkdocs build --strict --site-dir site

docs-serve: setup ## the site on http://127.0.0.1:8000/, rebuilt on every edit
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

bench: setup
	$(BIN)/python bench/bench_generate.py

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

tools:
	@if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null || ! command -v prometheus >/dev/null \
	    || ! command -v prometheus-alertmanager >/dev/null; then \
	  echo "installing Prometheus, promtool, Alertmanager and amtool (Debian packages prometheus, prometheus-alertmanager)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends prometheus prometheus-alertmanager >/dev/null; \
	fi
	@promtool --version | head -1
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing chromium and chromium-driver (Debian) for the preview's browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends chromium chromium-driver >/dev/null; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
