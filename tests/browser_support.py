"""A live PartnerWiki server and Debian's chromium, for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BIN = os.path.join(os.path.dirname(sys.executable), "partnerwiki")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"wiki server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"wiki server did not answer at {url}")


@contextmanager
def live_wiki(instance_dir: str, extra_seed_dir: str | None = None):
    """``partnerwiki gaa-setup`` (plus extra pages) then ``partnerwiki run`` on a free port; yields the base URL."""
    env = dict(os.environ, PARTNERWIKI_INSTANCE=instance_dir)
    subprocess.run([BIN, "gaa-setup"], env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
    if extra_seed_dir:
        subprocess.run(
            [BIN, "gaa-load-seeds", "--seed-dir", extra_seed_dir], env=env, cwd=REPO, check=True, capture_output=True, timeout=300
        )
    port = free_port()
    log = open(os.path.join(instance_dir, "server.log"), "w")
    process = subprocess.Popen(
        [BIN, "run", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=REPO, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/+gaa/vocabulary.json", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (``playwright install`` cannot download here)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def register_and_login(page, base_url: str, name: str, email: str, password: str) -> None:
    """Register through moin's form, then log in, as a person would."""
    page.goto(base_url + "/+register")
    page.fill("input[name=register_username]", name)
    page.fill("input[name=register_password1]", password)
    page.fill("input[name=register_password2]", password)
    page.fill("input[name=register_email]", email)
    page.locator("form:has(input[name=register_username])").locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(base_url + "/+login")
    page.fill("input[name=login_username]", name)
    page.fill("input[name=login_password]", password)
    page.locator("form:has(input[name=login_username])").locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()
