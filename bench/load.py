"""Load through the production server: ``partnerwiki gaa-serve`` (gunicorn, default workers) on the national wiki.

1. Reads: for each of the plain page, ``/Matrix``, a profile page and a calendar feed, 16 connections (keep-alive
   HTTP/1.1, as browsers hold them) ask as fast as they are answered for 20 s.  Per URL: requests, non-2xx,
   p50/p99, requests per second and the workers' CPU time per request (from ``/proc``; the load generator runs on
   the same machine, so requests per second alone understate what the server could do).  Targets: 0 non-2xx,
   p99 ≤ 1 s, ``/Matrix`` throughput ≥ 50 % of the plain page's.
2. Mixed: 4 writers (replies to a thread, tool proposals, event saves – registered, logged in, through the forms
   with the session's CSRF token) beside 8 readers for 60 s.  Targets: 0 errors, 0 whoosh ``LockError`` in the
   server's log, and every acknowledged write (302) in storage, in moin's three indexes and in our catalog.
3. Peak memory (VmHWM) of each worker ≤ 400 MB.

``BENCH_LOAD_SECONDS`` shortens the read runs (the mixed run takes three times as long), for trying it out.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import secrets
import string
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from browser_support import BIN, free_port
from conftest import make_app
from moin.constants.keys import ALL_REVS, DATAID, LATEST_META, LATEST_REVS, REVID
from test_concurrency_http import Browser, registration
from test_serve import master_pid, peak_rss_mb, running, stop, tool_form, worker_pids

from moin_gaa.cli import default_workers
from moin_gaa.core import recovery
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.moin_internals import index_searcher

READ_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
MIXED_SECONDS = 3 * READ_SECONDS
CONNECTIONS = 16
READERS = 8
WRITER_KINDS = ("antwort", "werkzeug", "termin", "antwort")
PEAK_RSS_MB = 400
FEED = "/+gaa/calendar/alle.ics"
RUN = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
MARKER_RE = re.compile(rf"last{RUN}w\dn\d{{4}}")


@dataclass
class Tally:
    """What a run of requests got back: seconds per request, statuses (0: no answer) and the failures' kinds."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)

    def add(self, status: int, seconds: float, failure: str = "") -> None:
        self.seconds.append(seconds)
        self.statuses[status] += 1
        if failure:
            self.failures[failure] += 1

    def merge(self, other: Tally) -> None:
        self.seconds += other.seconds
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)

    def outside(self, good: range) -> int:
        return sum(n for status, n in self.statuses.items() if status not in good)

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else 0.0

    def describe(self) -> str:
        failures = f" ({dict(self.failures)})" if self.failures else ""
        return (f"p50 {self.percentile_ms(50):.0f} ms | p99 {self.percentile_ms(99):.0f} ms | "
                f"statuses {dict(sorted(self.statuses.items()))}{failures}")


class KeptConnection:
    """One keep-alive connection; reopened (and the GET asked again once) when the server had closed it."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str, tally: Tally) -> None:
        start = time.perf_counter()
        for attempt in (1, 2):
            reused = self.connection is not None
            if not reused:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                response.read()
            except (http.client.HTTPException, OSError) as error:
                self.connection.close()
                self.connection = None
                if reused and attempt == 1:
                    continue  # a keep-alive connection the server had closed: as a browser does, once more
                tally.add(0, time.perf_counter() - start, type(error).__name__)
                return
            if response.will_close:
                self.connection.close()
                self.connection = None
            tally.add(response.status, time.perf_counter() - start)
            return

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def in_threads(work, amount: int) -> list:
    with ThreadPoolExecutor(max_workers=amount) as pool:
        return [f.result() for f in [pool.submit(work, i) for i in range(amount)]]


def read_for(base: str, paths: list[str], seconds: float, connections: int) -> tuple[Tally, float]:
    """``connections`` connections GET ``paths`` in turn (each starting elsewhere) for ``seconds``; the tally and
    the time it took."""
    deadline = time.monotonic() + seconds

    def reader(no: int) -> Tally:
        tally, connection = Tally(), KeptConnection(base)
        turn = no
        while time.monotonic() < deadline:
            connection.get(paths[turn % len(paths)], tally)
            turn += 1
        connection.close()
        return tally

    start = time.perf_counter()
    total = Tally()
    for tally in in_threads(reader, connections):
        total.merge(tally)
    return total, time.perf_counter() - start


def cpu_seconds(pids: set[int]) -> float:
    """User plus system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # fields from the third (state) on
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def read_figures(figures, base: str, workers: set[int], paths: dict[str, str]) -> None:
    """Phase 1, after every worker has answered a while (a fresh worker's first requests are slow)."""
    read_for(base, list(paths.values()), min(READ_SECONDS, 10), CONNECTIONS)
    throughput, cpu_per_request, worst_p99, bad = {}, {}, 0.0, 0
    for name, path in paths.items():
        cpu_before, generator_before = cpu_seconds(workers), time.process_time()
        tally, elapsed = read_for(base, [path], READ_SECONDS, CONNECTIONS)
        cpu_per_request[name] = (cpu_seconds(workers) - cpu_before) / max(1, len(tally.seconds))
        throughput[name] = len(tally.seconds) / elapsed
        worst_p99, bad = max(worst_p99, tally.percentile_ms(99)), bad + tally.outside(range(200, 300))
        figures.value(f"load_{name}", throughput[name], "req/s", note=(
            f"{len(tally.seconds)} requests | {tally.outside(range(200, 300))} non-2xx | {tally.describe()} | "
            f"server CPU {cpu_per_request[name] * 1000:.1f} ms/request | "
            f"load generator CPU {time.process_time() - generator_before:.1f} s in {elapsed:.1f} s"))
    figures.value("load_non_2xx", bad, at_most=0)
    figures.value("load_p99_worst", worst_p99, "ms", at_most=1000)
    figures.value("load_matrix_vs_plain_throughput", 100 * throughput["matrix"] / throughput["plain_page"], "%",
                  at_least=50)
    cores = len(os.sched_getaffinity(0))
    figures.value("load_plain_page_req_per_s_per_core", throughput["plain_page"] / cores, "req/s",
                  note=f"{cores} cores, shared with the load generator")
    for name in paths:
        figures.value(f"load_{name}_req_per_s_per_server_core", 1 / max(cpu_per_request[name], 1e-6), "req/s",
                      note="one core's second / the workers' CPU time per request")


@dataclass
class Writer:
    """One registered, logged-in person who writes one kind of thing again and again."""

    no: int
    kind: str
    browser: Browser
    token: str
    acknowledged: list[str] = field(default_factory=list)  # markers of the writes answered with 302
    tally: Tally = field(default_factory=Tally)
    refused: list[str] = field(default_factory=list)

    def marker(self, n: int) -> str:
        return f"last{RUN}w{self.no}n{n:04d}"

    def form(self, marker: str, n: int, thread: str) -> tuple[str, dict]:
        if self.kind == "antwort":
            return f"/+gaa/diskussion/antwort/{quote(thread)}", {"text": f"Antwort {marker} unter Last.",
                                                                  "antwort_auf": ""}
        if self.kind == "werkzeug":
            return "/+gaa/werkzeug/neu", tool_form(f"Lastwerkzeug {marker}", marker)
        day = date.today() + timedelta(days=1 + n % 300)
        return "/+gaa/termin/neu", {"titel": f"Lasttermin {marker}", "startdatum": f"{day:%d.%m.%Y}",
                                    "startzeit": "10:00", "endzeit": "12:00", "zeitzone": "Europe/Berlin",
                                    "wiederholung": "", "status": "bestaetigt", "kalender": "alle", "ort": "Online",
                                    "beschreibung": f"Geschrieben unter Last: {marker}."}

    def write_until(self, deadline: float, thread: str) -> None:
        n = 0
        while time.monotonic() < deadline:
            marker = self.marker(n)
            path, data = self.form(marker, n, thread)
            start = time.perf_counter()
            try:
                status, page = self.browser.post(path, data, self.token)
            except OSError as error:
                status, page = 0, type(error).__name__
            self.tally.add(status, time.perf_counter() - start)
            if status == 302:
                self.acknowledged.append(marker)
            else:
                self.refused.append(f"{self.kind} {marker}: {status} {page[:200]!r}")
            n += 1


def sign_up(base: str, no: int, kind: str) -> Writer:
    name = f"Last {RUN} Schreiber {no}"
    browser = Browser(base)
    assert browser.post("/+register", registration(name), browser.token("/+register"))[0] == 302, name
    assert browser.login(name) == 302, name
    return Writer(no, kind, browser, browser.token())


def mixed_run(base: str, read_paths: list[str], thread: str) -> tuple[list[Writer], Tally]:
    """Phase 2: the writers beside the readers; the writers (with what they were told) and the readers' tally."""
    writers = [sign_up(base, no, kind) for no, kind in enumerate(WRITER_KINDS)]
    deadline = time.monotonic() + MIXED_SECONDS
    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        writing = [pool.submit(writer.write_until, deadline, thread) for writer in writers]
        reads, _elapsed = read_for(base, read_paths, MIXED_SECONDS, READERS)
        for done in writing:
            done.result()
    return writers, reads


def log_lines(log_dir: str, *needles: str) -> list[str]:
    with open(os.path.join(log_dir, "error.log"), encoding="utf-8", errors="replace") as f:
        return [line for line in f.read().splitlines() if any(needle in line for needle in needles)]


def stored_markers(app, since: float) -> tuple[dict[str, set[tuple[str, str]]], recovery.StorageScan]:
    """marker → {(itemid, revid)} of every revision written since ``since`` whose metadata or data carries it."""
    scan = recovery.scan_storage(app.storage.backend)
    found: dict[str, set[tuple[str, str]]] = {}
    for rev in scan.revisions.values():
        if rev.mtime < since - 2:
            continue
        backend = app.storage.backend.backends[rev.backend]
        meta = recovery.read_meta(backend, rev.revid)
        with backend.data_store[meta[DATAID]] as f:
            text = json.dumps(meta, ensure_ascii=False) + f.read().decode("utf-8", "replace")
        for marker in set(MARKER_RE.findall(text)):
            found.setdefault(marker, set()).add((rev.itemid, rev.revid))
    return found, scan


def verify_writes(figures, instance: str, acknowledged: list[str], since: float) -> None:
    """Every acknowledged write in storage, in moin's three indexes (the item's current revision) and in our
    catalog; moin's indexes as a whole match storage."""
    app = make_app(instance, create=False)
    try:
        found, scan = stored_markers(app, since)
        current = {itemid: recovery.current_revision(revs).revid for itemid, revs in scan.by_item().items()}
        with app.app_context():
            catalog = partnerwiki(app).catalog.revisions()
        missing = Counter()
        with (index_searcher(app.storage, ALL_REVS) as all_revs, index_searcher(app.storage, LATEST_REVS) as revs,
              index_searcher(app.storage, LATEST_META) as metas):
            for marker in acknowledged:
                places = found.get(marker, set())
                if not places:
                    missing["storage"] += 1
                if any(all_revs.document(revid=revid) is None for _itemid, revid in places):
                    missing[ALL_REVS] += 1
                for index, searcher in ((LATEST_REVS, revs), (LATEST_META, metas)):
                    if any((searcher.document(itemid=itemid) or {}).get(REVID) != current[itemid]
                           for itemid, _revid in places):
                        missing[index] += 1
                if any(catalog.get(itemid) != current[itemid] for itemid, _revid in places):
                    missing["catalog"] += 1
        report = recovery.check(app.storage, scan)
    finally:
        app.deinit_backends()
    for place in ("storage", ALL_REVS, LATEST_REVS, LATEST_META, "catalog"):
        figures.value(f"mixed_writes_missing_in_{place}", missing[place], at_most=0,
                      note=f"of {len(acknowledged)} acknowledged")
    figures.value("mixed_index_check", len(report.unindexed) + len(report.vanished) + len(report.stale_latest),
                  "differences", at_most=0, note=report.summary())


def all_workers(log_dir: str, seconds: float = 300) -> set[int]:
    """The pids of gunicorn's workers, once all of them (its default number) have started."""
    deadline = time.monotonic() + seconds
    while len(workers := worker_pids(log_dir)) < default_workers() and time.monotonic() < deadline:
        time.sleep(0.5)
    return workers


def load_figures(figures, instance: str, *, profile_page: str, thread: str) -> None:
    """Serve ``instance`` with ``partnerwiki gaa-serve`` and measure under load (module docstring)."""
    log_dir = os.path.join(instance, f"bench-log-{time.strftime('%Y%m%d-%H%M%S')}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [BIN, "gaa-serve", "--host", "127.0.0.1", "--port", str(port), "--log-dir", log_dir]
    paths = {"plain_page": "/" + quote("Bench/Schlichte Seite"), "matrix": "/Matrix",
             "profile_page": "/" + quote(profile_page), "feed": FEED}
    started = time.time()
    print("loadavg_before_load: " + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    output = os.path.join(log_dir, "serve.out")
    os.makedirs(log_dir)
    with running(command, instance, output, base + "/+gaa/vocabulary.json") as server:
        workers = all_workers(log_dir)
        figures.value("load_workers", len(workers), note=f"gunicorn on {base}, logs in {log_dir}")
        read_figures(figures, base, workers, paths)
        writers, reads = mixed_run(base, [*paths.values(), "/" + quote(thread), "/Netzwerkkalender"], thread)
        figures.value("mixed_reads", len(reads.seconds), "requests", note=reads.describe())
        for writer in writers:
            figures.value(f"mixed_writer_{writer.no}_{writer.kind}", len(writer.acknowledged), "acknowledged",
                          note=writer.tally.describe())
        refused = [line for writer in writers for line in writer.refused]
        for line in refused[:5]:
            print("  refused:", line, flush=True)
        figures.value("mixed_errors", reads.outside(range(200, 400)) + len(refused), at_most=0)
        alive = {pid for pid in workers if os.path.exists(f"/proc/{pid}")}
        peaks = sorted(peak_rss_mb(pid) for pid in alive)
        figures.value("peak_rss_worker_max", peaks[-1], "MB", at_most=PEAK_RSS_MB,
                      note=f"all: {[round(mb) for mb in peaks]}")
        figures.value("workers_replaced", len(worker_pids(log_dir) - workers), at_most=0)
        stop(server, master_pid(log_dir))
    figures.value("mixed_lock_errors", len(log_lines(log_dir, "LockError")), at_most=0)
    figures.value("server_log_errors", len(log_lines(log_dir, "Traceback", "[ERROR]", "[CRITICAL]")), at_most=0)
    verify_writes(figures, instance, [m for writer in writers for m in writer.acknowledged], started)
