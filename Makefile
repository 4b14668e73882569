# The two commands: `make run` (demo on SQLite, no server needed) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test install browser lint clean

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	# plugins in this repository install like any third party's: as packages with entry points (and their own dependencies; wuye itself is already installed above)
	for plugin in plugins/*/; do \
	    if [ -f "$$plugin/pyproject.toml" ]; then $(BIN)/pip install --quiet -e "$$plugin" || exit 1; fi; \
	done
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/wuye db upgrade
	$(BIN)/wuye demo
	@echo "控制台 / console: http://127.0.0.1:8000/  (演示账号 / demo logins: $(BIN)/wuye demo --json)"
	@echo "API 文档 / API docs: http://127.0.0.1:8000/api/v1/docs"
	$(BIN)/wuye serve --host 127.0.0.1 --port 8000

# Browser tests drive Debian's chromium (Playwright's own browser download cannot work here).
# As root on a Debian machine without it (CI, a fresh container), install it; elsewhere those tests skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    { apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	      { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null; }; }; } || \
	    echo "chromium 未安装，浏览器测试将跳过 / chromium not installed: browser tests will skip"

test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
