"""Real Chromium for page tests (Debian's /usr/bin/chromium through Playwright).

Import the `browser` fixture into a test module (`from browser import browser, page`);
tests/conftest.py belongs to the hub's fixtures."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


class CuttableLink:
    """A TCP proxy in front of the hub: `cut()` drops every connection and
    refuses new ones (a board losing the network while the hub runs on),
    `restore()` lets connections through again."""

    def __init__(self, target_port):
        import socket
        import threading

        self.target = ("127.0.0.1", target_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.open = True
        self.sockets = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        import threading

        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:  # a connection accepted while cut() ran must not slip through
                if not self.open:
                    client.close()
                    upstream.close()
                    continue
                self.sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _hang_up(source)
            _hang_up(sink)

    def cut(self):
        with self.lock:
            self.open = False
            for s in self.sockets:
                _hang_up(s)
            self.sockets.clear()

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self.server.close()


def _hang_up(sock):
    """shutdown() before close(): a bare close() while the other pipe thread
    is blocked in recv() on the same socket sends no FIN, and the browser
    would never learn that the link is down."""
    import socket

    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
