# Two commands do all the set-up on a fresh machine:  make demo  and  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_STAMP := node_modules/.installed

.PHONY: demo test install clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# gift-pegjs, which the tests use to parse the GIFT export back (package-lock.json pins it).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Debian's Chromium for the browser tests (Playwright drives it; nothing downloads a browser) and LibreOffice
# Calc for the spreadsheet tests (it opens and saves response sheets as a person's spreadsheet does).
# Installed when make runs as root with apt, as CI does; elsewhere those tests say they were skipped.
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice
DEBIAN_TOOLS := chromium libreoffice-calc-nogui
$(CHROMIUM) $(SOFFICE) &:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEBIAN_TOOLS) >/dev/null; \
	else echo "note: $@ missing: its tests will be skipped (apt-get install $(DEBIAN_TOOLS))"; fi

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/quizgen generate banks/convolucion-seed.es.yaml --seed 2024 --versions 2 --format markdown,html,json --out out/demo
	@echo "Wrote out/demo: open out/demo/handout/v1/problems.md and out/demo/keys/v1/key.md"

test: $(STAMP) $(NODE_STAMP) $(CHROMIUM) $(SOFFICE)
	$(BIN)/python -m pytest -q -n auto

clean:
	rm -rf $(VENV) out node_modules
