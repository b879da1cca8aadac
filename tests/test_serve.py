"""`make serve`: the production server (gunicorn, several worker processes) on one instance.

Each worker process opens the wiki itself after the fork; what one of them writes, the others serve. Start-up
work that writes (a missing catalog) happens once, before the workers fork. The access log names the worker
(its pid) and, behind a proxy, the client; SIGUSR1 reopens the logs (rotation); SIGTERM stops cleanly.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.error import HTTPError
from urllib.parse import quote
from urllib.request import Request

import pytest
from browser_support import BIN, REPO, free_port, wait_until_up
from test_concurrency_http import Browser, registration

WORKERS = 2
RUN = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
PAGES = ["/Startseite", "/Matrix", "/Werkzeugkiste", "/Partnerverzeichnis", "/Netzwerkkalender",
         "/Online-Diskussionen", "/+search?q=Kita", "/+gaa/export/werkzeugkiste.csv"]
# ACCESS_LOG_FORMAT in moin_gaa/cli.py: the combined format, then „<ms>ms <pid>“
ACCESS_LINE = re.compile(r'^(?P<client>\S+) .*?"(?P<request>[^"]*)" (?P<status>\d{3}) \S+ "[^"]*" "(?P<agent>[^"]*)" '
                         r'\d+ms <(?P<pid>\d+)>$')
PEAK_RSS_MB = 400  # issue 13's limit per worker (at national scale; the seed wiki must stay well below)


def access_lines(log_dir: str, name: str = "access.log") -> list[re.Match]:
    with open(os.path.join(log_dir, name), encoding="utf-8") as f:
        lines = f.read().splitlines()
    matches = [ACCESS_LINE.match(line) for line in lines]
    assert all(matches), f"access log lines not in our format: {[l for l, m in zip(lines, matches) if not m]}"
    return matches


def logged(log_dir: str, wanted, seconds: float = 10) -> re.Match:
    """The access log's one line for which ``wanted(line)`` holds (gunicorn writes it after answering: wait)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [m for m in access_lines(log_dir) if wanted(m)]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, f"{len(found)} access log lines found"
            return found[0]
        time.sleep(0.1)


def served_by(log_dir: str, agent: str) -> re.Match:
    """The access log's line of the request sent with User-Agent ``agent``."""
    return logged(log_dir, lambda m: m["agent"] == agent)


def fetch(browser: Browser, path: str, agent: str, headers: dict | None = None) -> tuple[int, str]:
    """GET with a User-Agent of our choice (it finds the request in the access log), in ``browser``'s session."""
    request = Request(browser.base + path, headers={"User-Agent": agent, **(headers or {})})
    try:
        with browser.opener.open(request, timeout=180) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def fetch_at_once(browser: Browser, paths: list[str], tag: str) -> list[tuple[str, int, str]]:
    """All ``paths`` at the same time; (agent, status, body) each, agent ``<tag>-<number>``."""
    agents = [f"{tag}-{n}" for n in range(len(paths))]
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        answers = list(pool.map(lambda a: fetch(browser, *a), zip(paths, agents)))
    return [(agent, status, body) for agent, (status, body) in zip(agents, answers)]


def master_pid(log_dir: str) -> int:
    with open(os.path.join(log_dir, "error.log"), encoding="utf-8") as f:
        return int(re.search(r"Listening at: \S+ \((\d+)\)", f.read()).group(1))


def worker_pids(log_dir: str) -> set[int]:
    with open(os.path.join(log_dir, "error.log"), encoding="utf-8") as f:
        return {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", f.read())}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024


def stop(process: subprocess.Popen, pid: int) -> int:
    """SIGTERM to gunicorn's master, as systemd stops the service; the exit code of ``process``."""
    os.kill(pid, signal.SIGTERM)
    return process.wait(timeout=60)


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> str:
    """A seeded instance (``gaa-setup``), for the servers below."""
    path = str(tmp_path_factory.mktemp("serve-wiki"))
    subprocess.run([BIN, "gaa-setup"], env=dict(os.environ, PARTNERWIKI_INSTANCE=path), cwd=REPO, check=True,
                   capture_output=True, timeout=300)
    return path


@contextmanager
def running(command: list[str], instance: str, output: str, up: str, **env: str):
    """``command`` started on ``instance`` (its own process group, output into the file ``output``) until ``up``
    answers; killed if the test did not stop it."""
    with open(output, "w") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                   env=dict(os.environ, PARTNERWIKI_INSTANCE=instance, **env))
        try:
            wait_until_up(up, process, seconds=300)
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def make_serve(port: int, log_dir: str) -> list[str]:
    venv = os.path.dirname(os.path.dirname(sys.executable))
    return ["make", "--no-print-directory", f"VENV={venv}", "-o", f"{venv}/.installed", "serve", f"PORT={port}",
            f"WORKERS={WORKERS}", "THREADS=4", f"LOG_DIR={log_dir}"]


def tool_form(title: str, word: str) -> dict:
    return {"titel": title, "kurzbeschreibung": f"Ein Werkzeug aus dem Servertest ({word}).",
            "lebensphasen": "kita", "empfehlungen": "beteiligung", "art": "checkliste", "quelle": "Servertest",
            "link": "https://example.org/servertest", "jahr": "2024", "kommune": "Landeshauptstadt Erfurt", "land": "th",
            "langtext": f"== Worum es geht ==\nGeschrieben von einem Arbeitsprozess: {word}."}


def test_make_serve_runs_workers_that_share_one_wiki_and_stops_cleanly(instance, tmp_path):
    log_dir = str(tmp_path / "logs")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(make_serve(port, log_dir), instance, str(tmp_path / "make.out"), base + "/+gaa/vocabulary.json",
                 PARTNERWIKI_BEHIND_PROXY="1") as process:
        workers = worker_pids(log_dir)
        assert len(workers) == WORKERS

        # Many pages at once, first requests of fresh workers among them: all answered, by more than one worker.
        reader = Browser(base)
        answers = []
        for round_no in range(10):
            answers += fetch_at_once(reader, PAGES * 2, f"read{round_no}")
            if len({int(served_by(log_dir, agent)["pid"]) for agent, _, _ in answers}) == WORKERS:
                break
        assert [(agent, status) for agent, status, _ in answers if status != 200] == []
        assert {int(served_by(log_dir, agent)["pid"]) for agent, _, _ in answers} == workers

        # Register, log in, propose a tool through the form (the page's CSRF token), all on whichever worker.
        word = f"servertest{RUN}"
        title = f"Servertest {RUN}"
        writer = Browser(base)
        name = f"Servertest {RUN}"
        assert writer.post("/+register", registration(name), writer.token("/+register"))[0] == 302
        assert writer.login(name) == 302
        status, _ = writer.post("/+gaa/werkzeug/neu", tool_form(title, word), writer.token("/+gaa/werkzeug/neu"))
        assert status == 302
        post = logged(log_dir, lambda m: m["request"].startswith("POST /+gaa/werkzeug/neu "))
        assert post["status"] == "302"
        wrote = int(post["pid"])

        # The other worker serves the new tool: its page, moin's search and our catalog.
        paths = [f"/Werkzeugkiste/{quote(title)}", f"/+search?q={word}", f"/+gaa/records.json?typ=werkzeug&q={word}"]
        for path in paths:
            for round_no in range(20):
                others = [(agent, status, body)
                          for agent, status, body in fetch_at_once(writer, [path] * 4, f"after{round_no}{path}")
                          if int(served_by(log_dir, agent)["pid"]) != wrote]
                if others:
                    break
            assert others, f"{path}: every answer came from the worker that wrote"
            assert all(status == 200 and word in body for _agent, status, body in others), path

        # Behind the proxy (PARTNERWIKI_BEHIND_PROXY=1) the access log names the client, not the proxy.
        fetch(reader, "/Startseite", "proxied", {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
        assert served_by(log_dir, "proxied")["client"] == "203.0.113.9"
        assert served_by(log_dir, "read0-0")["client"] == "127.0.0.1"

        # Log rotation: the logs are moved away, SIGUSR1 makes gunicorn write new ones.
        master = master_pid(log_dir)
        os.rename(os.path.join(log_dir, "access.log"), os.path.join(log_dir, "access.log.1"))
        os.kill(master, signal.SIGUSR1)
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(log_dir, "access.log")) and time.monotonic() < deadline:
            time.sleep(0.1)
        for round_no in range(20):  # each worker reopens on its own signal: ask until both wrote to the new file
            fetch_at_once(reader, PAGES[:4], f"rotated{round_no}")
            if {int(m["pid"]) for m in access_lines(log_dir)} == workers:
                break
        assert {int(m["pid"]) for m in access_lines(log_dir)} == workers
        assert all(not m["agent"].startswith("rotated") for m in access_lines(log_dir, "access.log.1"))

        peaks = {pid: peak_rss_mb(pid) for pid in workers}
        print("peak RSS per worker (MB):", {pid: round(mb) for pid, mb in peaks.items()})
        assert max(peaks.values()) < PEAK_RSS_MB

        assert stop(process, master) == 0  # make serve ends with gunicorn, without an error
    with open(os.path.join(log_dir, "error.log"), encoding="utf-8") as f:
        errors = f.read()
    assert "Traceback" not in errors and "[ERROR]" not in errors and "[CRITICAL]" not in errors, errors
    assert errors.count("Worker exiting") == WORKERS and "Shutting down: Master" in errors
    every_request = access_lines(log_dir, "access.log.1") + access_lines(log_dir)
    assert [m.group(0) for m in every_request if not m["status"].startswith(("2", "3"))] == []


def test_a_missing_catalog_is_built_once_before_the_workers_start(instance, tmp_path):
    catalog = os.path.join(instance, "gaa-catalog")
    shutil.rmtree(catalog)
    log_dir = str(tmp_path / "logs")
    output = str(tmp_path / "serve.out")
    port = free_port()
    command = [BIN, "gaa-serve", "--port", str(port), "--workers", "3", "--threads", "2", "--log-dir", log_dir]
    with running(command, instance, output, f"http://127.0.0.1:{port}/Startseite") as process:
        assert stop(process, process.pid) == 0
    with open(output, encoding="utf-8") as f:
        before_fork = f.read()
    with open(os.path.join(log_dir, "error.log"), encoding="utf-8") as f:
        workers = f.read()
    assert before_fork.count("Katalog fehlt – aufbauen") >= 1 and before_fork.count("100%") == 1, before_fork
    assert "Katalog" not in workers and "Traceback" not in workers, workers
    check = subprocess.run([BIN, "gaa-catalog-check"], env=dict(os.environ, PARTNERWIKI_INSTANCE=instance), cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and "Katalog ist aktuell." in check.stdout, check.stdout + check.stderr


def test_serve_without_an_instance_says_what_to_do(tmp_path):
    result = subprocess.run([BIN, "gaa-serve", "--port", str(free_port())], cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, PARTNERWIKI_INSTANCE=str(tmp_path / "leer")), timeout=120)
    assert result.returncode == 1 and "bitte zuerst `make setup`" in result.stderr, result.stderr
