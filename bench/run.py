"""PartnerWiki benchmarks: one ``name: value`` line per figure, each beside its target (``ok``/``ÜBER ZIEL``).

Times are medians of repeated requests through the real app (Flask test client on a temporary instance).  Every
page figure is printed in milliseconds, as a ratio against the plain moin page of the *seed-only* wiki – measured
first in the same run, before any bulk data – and as a ratio against the plain page of the state it was measured
in (``plain now``), so the figures compare across machines and a slow wiki cannot hide behind a slow plain page.
Run with ``make bench`` (``python bench/run.py [section …]``); never part of ``make test``.

Sections:

* ``national`` – the seed wiki grows to national scale (10,000 tools and 11,000 municipality profiles from the
  generators below) and every figure of issue 13 is measured on that one wiki: plain page ≤ 1.5× the seed-only
  plain page; matrix (plain and filtered), a profile page, the network calendar, the directory (by Land and
  unfiltered, 50 a page) and the nationwide heat map ≤ 2×; the search ≤ 3×; the two CSV exports ≤ 1 s; a moin
  revision write ≤ 2× the same write on the seed-only wiki; bulk loading ≤ 20 ms per record into the seed wiki and
  into the national one.  The wiki stays in ``BENCH_INSTANCE`` for ``load``.
* ``load`` – ``partnerwiki gaa-serve`` on that wiki under load (see ``bench/load.py``).
* ``discussions``, ``feed`` – on a seed wiki of their own: a thread of 1,000 posts ≤ 3× plain now, a space of 500
  threads ≤ 2×, a reply ≤ 2× a moin revision write; a feed of 5,000 events built ≤ 1.2× plain icalendar,
  repeated ≤ 1.5× plain now.
* ``notifications`` – bench/notifications.py: at 1,000 accounts and 100,000 notifications the notifications page and
  a plain page with the header badge ≤ 1.5× the seed-only plain page; a digest run for 5,000 people ≤ 60 s.

``BENCH_SCALE`` (e.g. 0.1) scales every generated amount, for trying the bench out; the targets are for 1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from itertools import count
from urllib.parse import quote

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]
os.environ.setdefault("PARTNERWIKI_SECRET_KEY", "bench-secret")
SCRATCH = tempfile.mkdtemp(prefix="partnerwiki-bench-")  # the wikis of discussions and feed; removed at the end
os.environ.setdefault("PARTNERWIKI_INSTANCE", SCRATCH)  # wikiconfig reads it on import; our apps set their own

from conftest import REGISTERED, acting_as, login, make_app, page_token, save_page, seeded_app  # noqa: E402
from icalendar import Calendar  # noqa: E402
from moin.constants.keys import LATEST_META  # noqa: E402

from moin_gaa.calendars.events import event_from_fields, event_from_input  # noqa: E402
from moin_gaa.calendars.ics import FeedEvent, vevents  # noqa: E402
from moin_gaa.core.app_state import partnerwiki  # noqa: E402
from moin_gaa.core.moin_internals import index_searcher  # noqa: E402
from moin_gaa.core.storage import PageSpec, store_pages  # noqa: E402
from moin_gaa.discussions.areas import ONLINE_ACL  # noqa: E402
from moin_gaa.discussions.threads import (  # noqa: E402
    AREA_TEXT,
    ONLINE_PREFIX,
    ONLINE_TYPE,
    POST_CONTENTTYPE,
    POST_TYPE,
    THREAD_TYPE,
    OnlineDiscussion,
    new_post,
    new_thread,
)
from moin_gaa.discussions.views import THREAD_TEXT  # noqa: E402
from moin_gaa.partners.municipalities import profile_from_input  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def scaled(amount: int) -> int:
    return max(1, round(amount * SCALE))


REPEAT = 15
BULK_TOOLS = scaled(10_000)
BULK_PROFILES = scaled(11_000)  # about the number of German Gemeinden
NATIONAL_PROBE = scaled(500)  # records bulk-loaded into the finished national wiki
FEED_EVENTS = scaled(5_000)
DISCUSSION_POSTS = scaled(1_000)
DISCUSSION_THREADS = scaled(500)
PLAIN_PAGE = "Bench/Schlichte Seite"
WRITE_PAGE = "Bench/Schreibtest"
HEAT_MAP_PAGE = "Heatmap bundesweit"
PLAIN_TEXT = "= Eine einfache Seite =\n\n" + "Ein Absatz ohne Makros, wie ihn jede Wikiseite hat. " * 40 + "\n"
NATIONAL_INSTANCE = os.environ.get("BENCH_INSTANCE") or os.path.join(
    tempfile.gettempdir(), f"partnerwiki-bench-national-{SCALE:g}")
OWNED = "bench-instance"  # this file marks a folder the bench made (and may replace)
COMPLETE = "bench-national.json"  # written when the national build is done


class Figures:
    """Prints each figure as ``name: value`` with its ratios and its target, and remembers the verdicts."""

    def __init__(self) -> None:
        self.seed_plain = 0.0  # seconds: the seed-only wiki's plain page
        self.plain_now = 0.0  # seconds: the plain page in the state measured right now
        self.verdicts: list[tuple[str, bool]] = []

    def _target(self, name: str, held: bool, target: str) -> str:
        self.verdicts.append((name, held))
        return f"target {target}: {'ok' if held else 'ÜBER ZIEL'}"

    def page(self, name: str, seconds: float, *, seed: float | None = None, now: float | None = None,
             ms: float | None = None) -> None:
        """A page's median with both ratios; target at most ``seed``× the seed-only plain page, ``now``× the
        plain page now, or ``ms`` milliseconds."""
        parts = [f"{seconds * 1000:.1f} ms", f"{seconds / self.seed_plain:.2f}× seed plain",
                 f"{seconds / self.plain_now:.2f}× plain now"]
        if seed is not None:
            parts.append(self._target(name, seconds <= seed * self.seed_plain, f"≤ {seed:g}× seed plain"))
        if now is not None:
            parts.append(self._target(name, seconds <= now * self.plain_now, f"≤ {now:g}× plain now"))
        if ms is not None:
            parts.append(self._target(name, seconds * 1000 <= ms, f"≤ {ms:g} ms"))
        print(f"{name}: " + " | ".join(parts), flush=True)

    def value(self, name: str, value: float, unit: str = "", *, at_most: float | None = None,
              at_least: float | None = None, note: str = "") -> None:
        parts = [f"{value:.{0 if float(value).is_integer() else 2}f}{' ' + unit if unit else ''}"]
        if note:
            parts.append(note)
        if at_most is not None:
            parts.append(self._target(name, value <= at_most, f"≤ {at_most:g}{' ' + unit if unit else ''}"))
        if at_least is not None:
            parts.append(self._target(name, value >= at_least, f"≥ {at_least:g}{' ' + unit if unit else ''}"))
        print(f"{name}: " + " | ".join(parts), flush=True)

    def plain(self, client, label: str, seed: float | None = None) -> float:
        """The plain page in the current state: the basis of ``plain now``."""
        self.plain_now = median_seconds(get(client, "/" + PLAIN_PAGE))
        self.page(f"plain_page_{label}", self.plain_now, seed=seed)
        return self.plain_now

    def summary(self) -> None:
        failed = [name for name, held in self.verdicts if not held]
        print(f"targets: {len(self.verdicts) - len(failed)} ok, {len(failed)} ÜBER ZIEL"
              + (f" ({', '.join(failed)})" if failed else ""), flush=True)


def loadavg(label: str) -> None:
    print(f"loadavg_{label}: " + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)


def median_seconds(action, repeat: int = REPEAT) -> float:
    action()  # warm caches, as a running wiki has them
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def get(client, path: str):
    def fetch():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()

    return fetch


def per_record_ms(app, specs: list[PageSpec]) -> float:
    """Bulk-load ``specs`` (one store_pages call); milliseconds per record."""
    with acting_as(app, None):
        start = time.perf_counter()
        store_pages(specs)
        return (time.perf_counter() - start) * 1000 / len(specs)


def moin_http_write(client, repeat: int = 9) -> float:
    """Median seconds of one plain revision through moin's own editor form (``client`` logged in)."""
    numbers = count()
    token = page_token(client, "/+modify/" + WRITE_PAGE)

    def edit():
        response = client.post("/+modify/" + WRITE_PAGE, data={
            "csrf_token": token, "content_form_data_text": f"Text {next(numbers)}", "comment": "",
            "meta_form_acl": "None", "meta_form_name": WRITE_PAGE, "meta_form_summary": "", "meta_form_tags": ""})
        assert response.status_code == 302, response.status_code

    return median_seconds(edit, repeat=repeat)


def item_count(app) -> int:
    with index_searcher(app.storage, LATEST_META) as searcher:
        return searcher.doc_count()


def tool_specs(vocabulary, amount: int, start: int = 0) -> list[PageSpec]:
    """``amount`` published tools (numbered from ``start``) spread over the matrix, with varied kinds, Länder and
    years."""
    phases = [t.key for t in vocabulary.life_phases]
    recs = [t.key for t in vocabulary.recommendations]
    kinds = [t.key for t in vocabulary.material_kinds]
    laender = [t.key for t in vocabulary.laender]
    specs = []
    for i in range(start, start + amount):
        titel = f"Benchwerkzeug {i:05d}"
        fields = {
            "titel": titel,
            "kurzbeschreibung": f"Werkzeug {i} für gesundheitsfördernde Arbeit in Kita und Schule.",
            "lebensphasen": [phases[i % len(phases)], phases[(i * 7) % len(phases)]],
            "empfehlungen": [recs[i % len(recs)]],
            "art": kinds[i % len(kinds)],
            "quelle": "Benchmark",
            "link": "",
            "datei": "",
            "jahr": 2010 + i % 16,
            "kommune": "",
            "land": laender[i % len(laender)],
            "status": "hervorgehoben" if i % 50 == 0 else "geprueft",
            "vorgeschlagen_von": "Benchmark",
            "begruendung": "",
        }
        specs.append(
            PageSpec(
                f"Werkzeugkiste/{titel}",
                f"<<ToolCard>>\n\nAusführlicher Text zu Werkzeug {i}.\n",
                {"gaa_type": "werkzeug", "gaa_fields": fields, "summary": fields["kurzbeschreibung"]},
            )
        )
    return specs


def profile_specs(vocabulary, amount: int) -> list[PageSpec]:
    """``amount`` municipality profiles over all Länder, kinds and phases, with a few activities each."""
    phases = [t.key for t in vocabulary.life_phases]
    recs = [t.key for t in vocabulary.recommendations]
    laender = [t.key for t in vocabulary.laender]
    kinds = [t.key for t in vocabulary.municipality_kinds]
    lewin = [t.key for t in vocabulary.lewin_phases]
    specs = []
    for i in range(amount):
        activities = [
            {"titel": f"Aktivität {i}-{k}", "lebensphasen": [phases[(i + k) % 6]],
             "empfehlungen": [recs[(i * 3 + k) % 7]]}
            for k in range(i % 4)
        ]
        profile = profile_from_input(
            {
                "name": f"Benchgemeinde {i:05d}",
                "art": kinds[i % len(kinds)],
                "land": laender[i % len(laender)],
                "einwohner": str(1000 + i * 37),
                "partner_seit": f"{2012 + i % 13}-03-01",
                "strategiephase": lewin[i % 3],
                "kontakte": [{"name": f"Kontakt {i}", "email": f"k{i}@example.org"}],
                "aktivitaeten": activities,
            },
            vocabulary,
            today=date(2026, 1, 1),
        )
        specs.append(PageSpec(profile.item_name, "<<MunicipalityProfile>>\n\n<<ChainCoverage>>\n",
                              {"gaa_type": "kommune", "gaa_fields": profile.fields()}))
    return specs


def event_specs(amount: int) -> list[PageSpec]:
    """``amount`` events in the next year (some weekly series, some cancelled) in one calendar."""
    start = date.today()
    specs = []
    for i in range(amount):
        day = start + timedelta(days=i % 365)
        event = event_from_input(
            {
                "titel": f"Benchtermin {i:05d} – Austausch über Übergänge und Beteiligung",
                "startdatum": day.isoformat(),
                "startzeit": f"{8 + i % 10:02d}:00",
                "endzeit": f"{9 + i % 10:02d}:30",
                "wiederholung": "woechentlich" if i % 25 == 0 else "",
                "status": "abgesagt" if i % 40 == 0 else "bestaetigt",
                "ort": "Online",
                "beschreibung": "Ein '''Termin''' mit [[Startseite|Link]] und Umlauten: äöü ß. " * 3,
                "kalender": ["benchfeed"],
            }
        )
        specs.append(PageSpec(f"Termine/Benchtermin {i:05d}", "<<EventCard>>\n",
                              {"gaa_type": "termin", "gaa_fields": event.fields()}))
    return specs


def online_area_specs(title: str, threads: int, posts_in_first: int) -> tuple[str, list[PageSpec]]:
    """An Online-Diskussion (open since three days for a month) with ``threads`` threads; the first one has
    ``posts_in_first`` posts, every fifth nested.  Its item name and the specs."""
    today = date.today()
    online = OnlineDiscussion(title, "Eine offene Diskussion für die Messung.",
                              (today - timedelta(days=3)).isoformat(), (today + timedelta(days=30)).isoformat())
    area = ONLINE_PREFIX + online.titel
    specs = [PageSpec(area, AREA_TEXT, {"gaa_type": ONLINE_TYPE, "gaa_fields": online.fields(),
                                        "summary": online.titel, "acl": ONLINE_ACL})]
    for t in range(threads):
        thread = new_thread(f"Benchthema {t:04d} zur Beteiligung",
                            "Eröffnung mit **Markdown** und einer Liste:\n\n- a\n- b", "Bench Autorin")
        name = f"{area}/{thread.titel}"
        specs.append(PageSpec(name, THREAD_TEXT, {"gaa_type": THREAD_TYPE, "gaa_fields": thread.fields(),
                                                  "summary": thread.titel}))
        ids: list[str] = []
        for i in range(posts_in_first if t == 0 else 0):
            post = new_post(f"Antwort {i} mit *Betonung* und einem [Link](https://example.org).", f"Person {i % 40}",
                            ids[-1] if i % 5 == 4 else "", ids)
            ids.append(post.id)
            specs.append(PageSpec(f"{name}/{post.id}", post.text, {"gaa_type": POST_TYPE, "gaa_fields": post.fields(),
                                                                   "summary": post.text[:80]},
                                  contenttype=POST_CONTENTTYPE))
    return area, specs


def raw_icalendar(items: list[FeedEvent]) -> bytes:
    """The baseline: the same VEVENTs serialised the plain icalendar way, with no wiki around them."""
    cal = Calendar()
    cal.add("prodid", "-//bench//DE")
    cal.add("version", "2.0")
    stamp = datetime.now(timezone.utc)
    for item in items:
        for component in vevents(item, stamp):
            cal.add_component(component)
    cal.add_missing_timezones()
    return cal.to_ical()


# --- The sections ----------------------------------------------------------------------------------------------


def seed_wiki(instance_dir: str, figures: Figures, label: str):
    """A new wiki with the seed pages, the three test people, the plain page, the heat map and a page to edit."""
    start = time.perf_counter()
    app = seeded_app(instance_dir)
    with acting_as(app, REGISTERED):
        save_page(PLAIN_PAGE, PLAIN_TEXT)
        save_page(HEAT_MAP_PAGE, "<<ChainCoverage(bundesweit=ja)>>\n")
        save_page(WRITE_PAGE, "Text")  # moin's editor form below edits an existing item
    figures.value(f"seed_load_{label}", time.perf_counter() - start, "s")
    return app


def seed_baseline(app, figures: Figures) -> tuple[float, float]:
    """The seed-only plain page (every ``seed plain`` ratio's basis) and one revision write, through moin's editor
    and in-process; the two write times in seconds."""
    with app.test_client() as client:
        figures.seed_plain = figures.plain_now = median_seconds(get(client, "/" + PLAIN_PAGE))
        figures.page("plain_page_seed_only", figures.seed_plain)
        figures.page("start_page_seed_only", median_seconds(get(client, "/Startseite")))
        login(client, REGISTERED)
        http_write = moin_http_write(client)
    numbers = count()
    with acting_as(app, REGISTERED):
        inprocess = median_seconds(lambda: save_page(WRITE_PAGE, f"Im Prozess {next(numbers)}"), repeat=7)
    figures.value("moin_http_write_seed_only", http_write * 1000, "ms")
    figures.value("moin_inprocess_write_seed_only", inprocess * 1000, "ms")
    return http_write, inprocess


NATIONAL_PAGES = (  # figure, path, target: at most this many times the seed-only plain page (None: no target)
    ("matrix", "/Matrix", 2),
    ("matrix_filtered", "/Matrix?art=leitfaden&land=nw&jahr_von=2015", 2),
    ("matrix_cell_list", "/Matrix?lebensphase=kita&empfehlung=beteiligung", None),
    ("matrix_fulltext", "/Matrix?q=Gesundheitsförderung", None),
    ("profile_page", None, 2),  # filled in with a generated profile
    ("netzwerkkalender", "/Netzwerkkalender", 2),
    ("directory_by_land", "/Partnerverzeichnis?land=nw", 2),
    ("directory_unfiltered", "/Partnerverzeichnis", 2),
    ("heat_map_nationwide", "/" + HEAT_MAP_PAGE, 2),
    ("search", "/+search?q=Familienzentrum", 3),
)
EXPORTS = (("export_werkzeugkiste_csv", "/+gaa/export/werkzeugkiste.csv"),
           ("export_kommunen_csv", "/+gaa/export/kommunen.csv"))


def fresh_national_dir() -> str:
    """``NATIONAL_INSTANCE``, emptied – only if the bench made it (or it is empty)."""
    path = NATIONAL_INSTANCE
    if os.path.isdir(path) and os.listdir(path):
        if not os.path.exists(os.path.join(path, OWNED)):
            sys.exit(f"BENCH_INSTANCE {path} is not empty and was not made by the bench: not replacing it")
        shutil.rmtree(path)
    os.makedirs(path, exist_ok=True)
    open(os.path.join(path, OWNED), "w").close()
    return path


def national_wiki() -> dict | None:
    """What the national build recorded, if ``NATIONAL_INSTANCE`` holds a finished one of this scale."""
    try:
        with open(os.path.join(NATIONAL_INSTANCE, COMPLETE), encoding="utf-8") as f:
            built = json.load(f)
    except FileNotFoundError:
        return None
    return built if (built["tools"], built["profiles"]) == (BULK_TOOLS, BULK_PROFILES) else None


def national_figures(app, figures: Figures, seed_write: float) -> None:
    """Grow the seed wiki to national scale and measure every page of issue 13 on it."""
    vocabulary = partnerwiki(app).vocabulary
    figures.value("bulk_load_tools_into_seed_wiki", per_record_ms(app, tool_specs(vocabulary, BULK_TOOLS)),
                  "ms/record", at_most=20, note=f"{BULK_TOOLS} tools")
    profiles = profile_specs(vocabulary, BULK_PROFILES)
    figures.value("bulk_load_profiles_into_tools_wiki", per_record_ms(app, profiles), "ms/record", at_most=20,
                  note=f"{BULK_PROFILES} profiles")
    figures.value("national_items", item_count(app))
    profile = profiles[min(42, len(profiles) - 1)].name
    with app.test_client() as client:
        figures.plain(client, "national", seed=1.5)
        for name, path, target in NATIONAL_PAGES:
            figures.page(name, median_seconds(get(client, path or "/" + profile)), seed=target)
        for name, path in EXPORTS:
            figures.page(name, median_seconds(get(client, path), repeat=5), ms=1000)
            text = client.get(path).get_data(as_text=True)
            figures.value(name.replace("_csv", "_rows"), len(list(csv.reader(io.StringIO(text)))) - 1)
        login(client, REGISTERED)
        write = moin_http_write(client)
    figures.value("moin_http_write_national", write / seed_write, "× seed-only write", at_most=2,
                  note=f"{write * 1000:.1f} ms")
    probe = tool_specs(vocabulary, NATIONAL_PROBE, start=BULK_TOOLS)
    figures.value("bulk_load_into_national_wiki", per_record_ms(app, probe), "ms/record", at_most=20,
                  note=f"{NATIONAL_PROBE} more tools")
    with open(os.path.join(NATIONAL_INSTANCE, COMPLETE), "w", encoding="utf-8") as f:
        json.dump({"tools": BULK_TOOLS, "profiles": BULK_PROFILES, "profile_page": profile}, f, ensure_ascii=False)


def feed_figures(app, client, figures: Figures) -> None:
    """A feed of FEED_EVENTS events: cold (built) vs. raw icalendar, repeated (cached) and 304 vs. a plain page."""
    specs = event_specs(FEED_EVENTS)
    with acting_as(app, None):
        store_pages(specs)
    figures.plain(client, "with_events")
    now = datetime.now(timezone.utc)
    items = [FeedEvent(event_from_fields(s.meta["gaa_fields"]), f"bench{i}", 1, now, f"http://localhost/{s.name}")
             for i, s in enumerate(specs)]
    raw = median_seconds(lambda: raw_icalendar(items), repeat=3)
    figures.value("ics_raw_icalendar", raw * 1000, "ms", note=f"{FEED_EVENTS} events")

    def cold():
        app.cache.clear()
        get(client, "/+gaa/calendar/benchfeed.ics")()

    cold_seconds = median_seconds(cold, repeat=3)
    figures.page("ics_cold", cold_seconds)
    figures.value("ics_cold_vs_raw", cold_seconds / raw, "× raw icalendar", at_most=1.2)
    figures.page("ics_repeated", median_seconds(get(client, "/+gaa/calendar/benchfeed.ics")), now=1.5)
    etag = client.get("/+gaa/calendar/benchfeed.ics").headers["ETag"]

    def not_modified():
        assert client.get("/+gaa/calendar/benchfeed.ics", headers={"If-None-Match": etag}).status_code == 304

    figures.page("ics_304", median_seconds(not_modified))
    figures.value("ics_feed_size", len(client.get("/+gaa/calendar/benchfeed.ics").get_data()) / 1_000_000, "MB")


def discussion_figures(app, client, figures: Figures, inprocess_write: float) -> None:
    """A thread of 1,000 posts and an Online-Diskussion of 500 threads (its page lists them and shows the
    Auswertung) vs. a plain page; posting a reply vs. one plain moin revision write."""
    area, specs = online_area_specs("Benchdiskussion", DISCUSSION_THREADS, DISCUSSION_POSTS)
    with acting_as(app, None):
        store_pages(specs)
    figures.plain(client, "with_discussions")
    thread = f"{area}/Benchthema 0000 zur Beteiligung"
    figures.page("thread", median_seconds(get(client, "/" + quote(thread)), repeat=7), now=3)
    figures.page("space", median_seconds(get(client, "/" + quote(area)), repeat=7), now=2)
    login(client, REGISTERED)
    token = page_token(client)
    numbers = count()

    def post_reply():
        response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}",
                               data={"csrf_token": token, "text": f"Messantwort {next(numbers)}"})
        assert response.status_code == 302, response.status_code

    reply = median_seconds(post_reply, repeat=9)
    http_write = moin_http_write(client)
    figures.value("moin_http_write_with_discussions", http_write * 1000, "ms")
    figures.value("reply", reply / http_write, "× moin http write", at_most=2, note=f"{reply * 1000:.1f} ms")
    figures.value("reply_vs_moin_inprocess_write", reply / inprocess_write, "× seed-only in-process write")
    client.get("/+logout")


def load_section(figures: Figures) -> None:
    """``partnerwiki gaa-serve`` on the national wiki under load (bench/load.py), with a thread for the replies."""
    from load import load_figures

    built = national_wiki()
    app = make_app(NATIONAL_INSTANCE, create=False)
    area, specs = online_area_specs(f"Lasttest {time.strftime('%Y%m%d-%H%M%S')}", 1, 0)
    with acting_as(app, None):
        store_pages(specs)
    app.deinit_backends()
    load_figures(figures, NATIONAL_INSTANCE, profile_page=built["profile_page"], thread=specs[1].name)


SECTIONS = ("national", "discussions", "feed", "notifications", "load")


def main(sections: tuple[str, ...] = SECTIONS) -> None:
    """``python bench/run.py [national|discussions|feed|load …]`` – all sections without arguments."""
    figures = Figures()
    loadavg("start")
    print(f"scale: {SCALE:g} – {BULK_TOOLS} tools, {BULK_PROFILES} profiles, {FEED_EVENTS} feed events, "
          f"{DISCUSSION_THREADS} threads, {DISCUSSION_POSTS} posts in one", flush=True)
    if "load" in sections and "national" not in sections and national_wiki() is None:
        print(f"load: no national wiki of this scale in {NATIONAL_INSTANCE} – building it first", flush=True)
        sections = ("national", *sections)
    national = "national" in sections
    app = seed_wiki(fresh_national_dir() if national else os.path.join(SCRATCH, "first"), figures, "first")
    seed_write, inprocess_write = seed_baseline(app, figures)
    if national:
        national_figures(app, figures, seed_write)
    if {"discussions", "feed", "notifications"} & set(sections):
        if national:  # the national wiki stays as it is, for `load`
            app.deinit_backends()
            app = seed_wiki(os.path.join(SCRATCH, "side"), figures, "side")
        with app.test_client() as client:
            if "discussions" in sections:
                discussion_figures(app, client, figures, inprocess_write)
            if "feed" in sections:
                feed_figures(app, client, figures)
        if "notifications" in sections:  # bench/notifications.py imports this module as `run`: not a second copy
            sys.modules.setdefault("run", sys.modules[__name__])
            from notifications import notification_figures

            notification_figures(app, figures)
    app.deinit_backends()
    shutil.rmtree(SCRATCH)
    if "load" in sections:
        load_section(figures)
    loadavg("end")
    figures.summary()


if __name__ == "__main__":
    unknown = set(sys.argv[1:]) - set(SECTIONS)
    if unknown:
        sys.exit(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    main(tuple(sys.argv[1:]) or SECTIONS)
