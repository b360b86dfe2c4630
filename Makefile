# The two commands: `make run` and `make test`. Both build .venv first.
# Python: 3.13, then 3.12 (the FTMS interop client needs >= 3.12), then 3.11.
# Each candidate is probed with `-c pass`: a pyenv shim can exist and still fail.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

run: $(STAMP)
	$(VENV)/bin/treadbench run scenarios --out reports

# -n auto: one pytest worker per core; the library's Monte Carlo scenarios dominate the time.
test: lint
	$(PY) -m pytest -n auto

lint: $(STAMP)
	$(VENV)/bin/ruff check sim drivers tests benchmarks scripts
	$(VENV)/bin/ruff format --check sim drivers tests benchmarks scripts

bench: $(STAMP)
	$(PY) benchmarks/bench_session.py

$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  root=$$(pyenv root 2>/dev/null || true); \
	  for c in python3.13 python3.12 \
	           $${root:+$$root/versions/3.13*/bin/python3} $${root:+$$root/versions/3.12*/bin/python3} \
	           python3.11 $${root:+$$root/versions/3.11*/bin/python3} python3; do \
	    for p in $$c; do \
	      if command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys, venv; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null; then \
	        echo "using $$p ($$("$$p" -c 'import sys; print(sys.version.split()[0])'))"; \
	        "$$p" -m venv $(VENV); break 2; \
	      fi; \
	    done; \
	  done; \
	  [ -x $(PY) ] || { echo "no Python 3.11-3.13 found" >&2; exit 1; }; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,interop]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
