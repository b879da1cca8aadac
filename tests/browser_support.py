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

SKIP_VARIABLE = "PARTNERWIKI_SKIP_BROWSER_TESTS"
# Browser tests are part of `make test`: a missing Playwright or Chromium is an error, never a silent skip.
# Whoever cannot run them says so: PARTNERWIKI_SKIP_BROWSER_TESTS=1 (the skips are then listed by -ra).
SKIP_KNOWINGLY = os.environ.get(SKIP_VARIABLE) == "1"
try:
    from playwright import sync_api
except ImportError as error:
    if not SKIP_KNOWINGLY:
        raise ImportError(
            "Playwright is missing, so the browser tests cannot run: `make test` installs it "
            f"(pip install -e '.[test]'). To skip the browser tests knowingly, set {SKIP_VARIABLE}=1."
        ) from error
    sync_api = None

expect = sync_api.expect if sync_api is not None else None
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
def live_wiki(instance_dir: str, extra_seed_dir: str | None = None, admin: tuple[str, str, str] | None = None):
    """``partnerwiki gaa-setup`` (plus extra pages, plus an administrator ``(name, email, password)``), then
    ``partnerwiki run`` on a free port; yields the base URL."""
    env = dict(os.environ, PARTNERWIKI_INSTANCE=instance_dir)
    subprocess.run([BIN, "gaa-setup"], env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
    if extra_seed_dir:
        subprocess.run(
            [BIN, "gaa-load-seeds", "--seed-dir", extra_seed_dir], env=env, cwd=REPO, check=True, capture_output=True, timeout=300
        )
    if admin:
        name, email, password = admin
        subprocess.run([BIN, "gaa-create-admin", "--name", name, "--email", email], cwd=REPO, check=True,
                       capture_output=True, env=dict(env, PARTNERWIKI_ADMIN_PASSWORD=password), timeout=300)
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
    if SKIP_KNOWINGLY:
        pytest.skip(f"browser tests skipped on request ({SKIP_VARIABLE}=1)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing ({CHROMIUM}): `make system-deps` installs it "
                    f"(or set {SKIP_VARIABLE}=1 to skip the browser tests knowingly).")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every element or attribute in the page that came from a payload carrying ``mark``: an event handler, a
# javascript:/data: URL, an <svg>/<img>/<iframe>/<script> with the mark in an attribute, or a script with it.
# It looks at the DOM, so it finds injections whether or not the Content-Security-Policy stops them from running.
FIND_INJECTED = """mark => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        for (const attr of el.attributes) {
            const hostile = attr.name.includes(mark) || attr.value.includes(mark);
            if (hostile && (attr.name.startsWith('on') || /^\\s*(javascript|data):/i.test(attr.value)
                            || ['svg', 'img', 'iframe', 'script'].includes(tag))) {
                found.push(`<${tag} ${attr.name}="${attr.value}">`);
            }
        }
        if (tag === 'script' && el.textContent.includes(mark)) found.push(`<script>${el.textContent}</script>`);
    }
    return found;
}"""


def injected(page, mark: str) -> list[str]:
    """See :data:`FIND_INJECTED`."""
    return page.evaluate(FIND_INJECTED, mark)


def login(page, base_url: str, name: str, password: str) -> None:
    page.goto(base_url + "/+login")
    page.fill("input[name=login_username]", name)
    page.fill("input[name=login_password]", password)
    form = page.locator("form:has(input[name=login_username])")
    form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()


def register_and_login(page, base_url: str, name: str, email: str, password: str) -> None:
    """Register through moin's form, then log in, as a person would."""
    page.goto(base_url + "/+register")
    page.fill("input[name=register_username]", name)
    page.fill("input[name=register_password1]", password)
    page.fill("input[name=register_password2]", password)
    page.fill("input[name=register_email]", email)
    page.check("input[name=register_consent]")
    page.locator("form:has(input[name=register_username])").locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(base_url + "/+login")
    page.fill("input[name=login_username]", name)
    page.fill("input[name=login_password]", password)
    page.locator("form:has(input[name=login_username])").locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()


TABS_AT_MOST = 40  # skip link, header, navigation … then the page's own fields


def tab_to(page, element_id: str, presses: int = TABS_AT_MOST) -> None:
    """Press Tab until ``#element_id`` has the focus, as a keyboard user gets there; fail if it never does."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} is not reached with {presses} presses of Tab")


def no_horizontal_scroll(page, width: int) -> None:
    """The page fits the viewport's width (WCAG 1.4.10): nothing to scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"wider than {width} px: {page.url}"
