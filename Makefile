# Two commands are all a user needs:  make book   and   make test
# Both create .venv (pinned requirements + editable dlmath) when it is missing or stale.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with .ci/nbval_sanitize.cfg --nbval-cell-timeout=600
# One torch/OpenMP thread per notebook kernel: kernels run in parallel (oversubscription is 7x slower).
PAR_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYDEVD_DISABLE_FILE_VALIDATION=1 DLMATH_PROGRESS=0
# Assignments are generated and graded at the smoke scale (seconds per notebook); the student
# notebooks set the same default (assignments/README.md).
ASSIGN_ENV := $(PAR_ENV) DLMATH_SCALE=$${DLMATH_SCALE:-smoke}

.PHONY: book test install lint unit nb execute ledger ledger-update build mathcheck assignments \
        assignments-test reader pdf bench clean serve mathjax chapter help determinism

help:
	@echo "make book         install, execute all notebooks (DLMATH_SCALE=default) and build _build/html"
	@echo "make test         install, then lint, unit tests, nbval (smoke), book build, math check, assignments"
	@echo "make serve        serve _build/html on http://localhost:8000"
	@echo "make assignments  generate student notebooks + autograders into assignments/ (smoke scale)"
	@echo "make reader       reader notebooks (plain Markdown, install cell) into _build/reader/ (part of book)"
	@echo "make pdf          optional: a PDF of the book (needs LaTeX; never part of make test)"
	@echo "make bench        run benchmarks/*.py (JSON results in benchmarks/results/)"
	@echo "make chapter CH=03_relu_gate   preview one chapter (executes only its notebooks; _build/chapter-CH)"
	@echo "make ledger-update  accept the verdicts of this build as claims/default.json (review the diff)"
	@echo "make determinism  run every notebook twice and compare outputs and figures"
	@echo "make clean        remove _build, assignments and caches"

$(VENV)/done: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $@

install: $(VENV)/done

lint: $(VENV)/done
	$(BIN)/ruff check dlmath tests benchmarks .ci _ext chapters
	$(BIN)/python .ci/check_notebooks.py

unit: $(VENV)/done
	$(BIN)/pytest tests -q -n $(JOBS) --dist loadfile

nb: $(VENV)/done
	$(PAR_ENV) DLMATH_SCALE=smoke $(BIN)/pytest chapters $(NBVAL) -n $(JOBS) --dist loadfile -q

# Execute every notebook of the toc in parallel into jupyter-cache, then build from the cache.
execute: $(VENV)/done
	$(PAR_ENV) DLMATH_SCALE=$${DLMATH_SCALE:-default} $(BIN)/python .ci/execute.py

# The claims-ledger pages are generated from the executed notebooks; at default scale the
# verdicts must equal claims/default.json (a flip fails here, naming the claim).
ledger: execute
	DLMATH_SCALE=$${DLMATH_SCALE:-default} $(BIN)/python .ci/claims_ledger.py

ledger-update: execute
	DLMATH_SCALE=default $(BIN)/python .ci/claims_ledger.py --update

build: execute ledger
	DLMATH_PROGRESS=0 DLMATH_SCALE=$${DLMATH_SCALE:-default} $(BIN)/jupyter-book build -W -n --keep-going .

book: build
	$(BIN)/python .ci/make_reader.py
	@echo "Open _build/html/index.html in a browser (or: make serve)."

mathcheck:
	.ci/check_math.sh _build/html

# Reader notebooks from the executed pages; they replace the download button's files in _build/html.
reader: $(VENV)/done
	$(BIN)/python .ci/make_reader.py

assignments: $(VENV)/done
	$(ASSIGN_ENV) $(BIN)/python .ci/make_assignments.py

assignments-test: $(VENV)/done
	$(ASSIGN_ENV) $(BIN)/pytest tests/test_assignments.py -m assignments -q -n $(JOBS)

# Optional PDF via LaTeX from the executed cache; never a CI gate.
pdf: execute
	@command -v latexmk >/dev/null || { echo "make pdf needs latexmk and a TeX distribution (e.g. apt-get install latexmk texlive-xetex texlive-fonts-extra)"; exit 1; }
	DLMATH_PROGRESS=0 DLMATH_SCALE=$${DLMATH_SCALE:-default} $(BIN)/jupyter-book build . --builder pdflatex
	@echo "PDF in _build/latex/"

test: lint unit nb build mathcheck assignments-test

# Run every notebook twice (smoke scale) and compare all outputs and figures.
determinism: $(VENV)/done
	$(PAR_ENV) DLMATH_SCALE=$${DLMATH_SCALE:-smoke} $(BIN)/python .ci/check_determinism.py

bench: $(VENV)/done
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

chapter: $(VENV)/done
	@test -n "$(CH)" || { echo "usage: make chapter CH=03_relu_gate"; exit 2; }
	$(BIN)/python .ci/claims_ledger.py --placeholder
	d=$$($(BIN)/python .ci/chapter_toc.py $(CH)) && \
	DLMATH_PROGRESS=0 DLMATH_SCALE=$${DLMATH_SCALE:-smoke} $(BIN)/jupyter-book build -W -n --keep-going . \
	  --toc $$d/_toc.yml --config $$d/_config.yml --path-output $$d

serve:
	cd _build/html && $(PYTHON) -m http.server 8000

# Re-vendor MathJax from the npm registry (the result is committed; builds never fetch it).
mathjax:
	.ci/fetch_mathjax.sh _extra/mathjax

clean:
	rm -rf _build assignments _claims claims_ledger.md benchmarks/results/*.tmp .pytest_cache
	find . -name __pycache__ -not -path "./.venv/*" -prune -exec rm -rf {} +
