# The two commands of the README: `make demo` and `make test`.
# Both install what is missing first (Debian packages, then .venv).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEBS := chromium espeak-ng sox fonts-wqy-microhei libsdl2-2.0-0 systemd postgresql redis-server
STAMP := $(VENV)/.installed

.PHONY: demo test debs venv clean

demo: venv
	$(BIN)/hallq demo

test: debs venv
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider tests

debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var build *.egg-info
