"""PartnerWiki benchmarks: one ``name: value`` line per figure.

Times are medians of repeated requests through the real app (Flask test client on a temporary
instance); every ``…_ratio`` is against a plain moin page rendered in the same run, so the
figures compare across machines.  Run with ``make bench``; never part of ``make test``.

Targets (issues): matrix and filtered matrix with 10,000 published tools ≤ 2× a plain page;
CSV export of all 10,000 ≤ 1 s.  A feed of 5,000 events: cold ≤ 1.2× the raw icalendar
serialisation of the same events, repeated ≤ 1.5× a plain page, 304 without building.  With 11,000 municipality profiles: the directory filtered by
Land and the nationwide heat map ≤ 2× a plain page; the CSV export ≤ 1 s.  Discussions: a thread of 1,000 posts ≤ 3× a
plain page, a space listing 500 threads ≤ 2×, posting a reply ≤ 2× one plain moin revision write.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]
os.environ.setdefault("PARTNERWIKI_SECRET_KEY", "bench-secret")
os.environ.setdefault("PARTNERWIKI_INSTANCE", tempfile.mkdtemp(prefix="partnerwiki-bench-"))

from conftest import CSRF_RE, REGISTERED, acting_as, create_people, login, make_app, save_page  # noqa: E402
from icalendar import Calendar  # noqa: E402

from moin_gaa.calendars.events import event_from_fields, event_from_input  # noqa: E402
from moin_gaa.calendars.ics import FeedEvent, vevents  # noqa: E402
from moin_gaa.cli import SEED_DIR  # noqa: E402
from moin_gaa.core.accounts import ensure_role_groups  # noqa: E402
from moin_gaa.core.app_state import partnerwiki  # noqa: E402
from moin_gaa.core.storage import PageSpec, store_pages  # noqa: E402
from moin_gaa.discussions.areas import ONLINE_ACL  # noqa: E402
from moin_gaa.discussions.threads import (
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
from moin_gaa.discussions.views import THREAD_TEXT
from moin_gaa.partners.municipalities import profile_from_input  # noqa: E402
from moin_gaa.seeding import load_seed_pages  # noqa: E402

REPEAT = 15
BULK_TOOLS = 10_000
BULK_PROFILES = 11_000  # about the number of German Gemeinden
FEED_EVENTS = 5_000
PLAIN_TEXT = "= Eine einfache Seite =\n\n" + "Ein Absatz ohne Makros, wie ihn jede Wikiseite hat. " * 40 + "\n"


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


def emit(name: str, value: float, unit: str = "") -> None:
    print(f"{name}: {value:.3f}{unit}", flush=True)


def tool_specs(vocabulary, count: int) -> list[PageSpec]:
    """``count`` published tools spread over the matrix, with varied kinds, Länder and years."""
    phases = [t.key for t in vocabulary.life_phases]
    recs = [t.key for t in vocabulary.recommendations]
    kinds = [t.key for t in vocabulary.material_kinds]
    laender = [t.key for t in vocabulary.laender]
    specs = []
    for i in range(count):
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


def profile_specs(vocabulary, count: int) -> list[PageSpec]:
    """``count`` municipality profiles over all Länder, kinds and phases, with a few activities each."""
    phases = [t.key for t in vocabulary.life_phases]
    recs = [t.key for t in vocabulary.recommendations]
    laender = [t.key for t in vocabulary.laender]
    kinds = [t.key for t in vocabulary.municipality_kinds]
    lewin = [t.key for t in vocabulary.lewin_phases]
    specs = []
    for i in range(count):
        activities = [
            {"titel": f"Aktivität {i}-{k}", "lebensphasen": [phases[(i + k) % 6]], "empfehlungen": [recs[(i * 3 + k) % 7]]}
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
        specs.append(PageSpec(profile.item_name, "<<MunicipalityProfile>>\n\n<<ChainCoverage>>\n", {"gaa_type": "kommune", "gaa_fields": profile.fields()}))
    return specs


def event_specs(count: int) -> list[PageSpec]:
    """``count`` events in the next year (some weekly series, some cancelled) in one calendar."""
    start = date.today()
    specs = []
    for i in range(count):
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
        specs.append(PageSpec(f"Termine/Benchtermin {i:05d}", "<<EventCard>>\n", {"gaa_type": "termin", "gaa_fields": event.fields()}))
    return specs


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


def feed_figures(app, client) -> None:
    """A feed of FEED_EVENTS events: cold (built) vs. raw icalendar, repeated (cached) and 304 vs. a plain page."""
    specs = event_specs(FEED_EVENTS)
    with acting_as(app, None):
        store_pages(specs)
    plain = plain_page(client, "with_5000_events")
    now = datetime.now(timezone.utc)
    items = [FeedEvent(event_from_fields(s.meta["gaa_fields"]), f"bench{i}", 1, now, f"http://localhost/{s.name}") for i, s in enumerate(specs)]
    raw = median_seconds(lambda: raw_icalendar(items), repeat=3)
    emit("ics_raw_icalendar_5000_seconds", raw)

    def cold():
        app.cache.clear()
        get(client, "/+gaa/calendar/benchfeed.ics")()

    emit("ics_cold_5000_vs_raw_ratio", median_seconds(cold, repeat=3) / raw)
    emit("ics_repeated_5000_ratio", median_seconds(get(client, "/+gaa/calendar/benchfeed.ics")) / plain)
    etag = client.get("/+gaa/calendar/benchfeed.ics").headers["ETag"]

    def not_modified():
        assert client.get("/+gaa/calendar/benchfeed.ics", headers={"If-None-Match": etag}).status_code == 304

    emit("ics_304_ratio", median_seconds(not_modified) / plain)
    emit("ics_5000_feed_megabytes", len(client.get("/+gaa/calendar/benchfeed.ics").get_data()) / 1_000_000)


DISCUSSION_POSTS = 1_000
DISCUSSION_THREADS = 500


def discussion_specs(area: str, threads: int, posts_in_first: int) -> list[PageSpec]:
    """An area with ``threads`` threads; the first one has ``posts_in_first`` posts, every fifth nested."""
    specs = []
    for t in range(threads):
        thread = new_thread(f"Benchthema {t:04d} zur Beteiligung", "Eröffnung mit **Markdown** und einer Liste:\n\n- a\n- b", "Bench Autorin")
        name = f"{area}/{thread.titel}"
        specs.append(PageSpec(name, THREAD_TEXT, {"gaa_type": THREAD_TYPE, "gaa_fields": thread.fields(), "summary": thread.titel}))
        ids: list[str] = []
        for i in range(posts_in_first if t == 0 else 0):
            post = new_post(f"Antwort {i} mit *Betonung* und einem [Link](https://example.org).", f"Person {i % 40}",
                            ids[-1] if i % 5 == 4 else "", ids)
            ids.append(post.id)
            specs.append(PageSpec(f"{name}/{post.id}", post.text, {"gaa_type": POST_TYPE, "gaa_fields": post.fields(),
                                                                   "summary": post.text[:80]}, contenttype=POST_CONTENTTYPE))
    return specs


def plain_page(client, label: str) -> float:
    """The plain page, measured in the state the next figures are measured in (moin slows with its index)."""
    plain = median_seconds(get(client, "/Bench/Schlichte Seite"))
    emit(f"plain_page_{label}_ms", plain * 1000)
    return plain


def discussion_figures(app, client, write_moin: float) -> None:
    """A thread of 1,000 posts and an Online-Diskussion of 500 threads (its page lists them and shows the
    Auswertung) vs. a plain page; posting a reply vs. one plain moin revision write."""
    today = date.today()
    online = OnlineDiscussion("Benchdiskussion", "Eine offene Diskussion für die Messung.", (today - timedelta(days=3)).isoformat(),
                              (today + timedelta(days=30)).isoformat())
    area = ONLINE_PREFIX + online.titel
    with acting_as(app, None):
        store_pages([PageSpec(area, AREA_TEXT, {"gaa_type": ONLINE_TYPE, "gaa_fields": online.fields(), "summary": online.titel,
                                                  "acl": ONLINE_ACL})])
        store_pages(discussion_specs(area, DISCUSSION_THREADS, DISCUSSION_POSTS))
    plain = plain_page(client, "with_discussions")
    thread = f"{area}/Benchthema 0000 zur Beteiligung"
    emit("thread_1000_posts_ratio", median_seconds(get(client, "/" + quote(thread)), repeat=7) / plain)
    emit("space_500_threads_ratio", median_seconds(get(client, "/" + quote(area)), repeat=7) / plain)
    login(client, REGISTERED)
    token = CSRF_RE.search(client.get("/+gaa/kalender-schluessel").get_data(as_text=True)).group(1)
    counter = iter(range(10_000))

    def post_reply():
        response = client.post(f"/+gaa/diskussion/antwort/{quote(thread)}", data={"csrf_token": token, "text": f"Messantwort {next(counter)}"})
        assert response.status_code == 302, response.status_code

    def moin_edit():
        """One plain revision through moin's own editor form – the same way through HTTP as a reply."""
        response = client.post("/+modify/Bench/Schreibtest", data={
            "content_form_data_text": f"Text {next(counter)}", "comment": "", "meta_form_acl": "None",
            "meta_form_name": "Bench/Schreibtest", "meta_form_summary": "", "meta_form_tags": ""})
        assert response.status_code == 302, response.status_code

    reply = median_seconds(post_reply, repeat=9)
    moin_http_write = median_seconds(moin_edit, repeat=9)
    emit("moin_http_revision_write_ms", moin_http_write * 1000)
    emit("reply_ms", reply * 1000)
    emit("reply_vs_moin_http_write_ratio", reply / moin_http_write)
    emit("reply_vs_moin_inprocess_write_ratio", reply / write_moin)
    client.get("/+logout")


SECTIONS = ("tools", "feed", "discussions", "profiles")


def main(sections: tuple[str, ...] = SECTIONS) -> None:
    """``python bench/run.py [tools|feed|discussions|profiles …]`` – all sections without arguments."""
    app = make_app(os.path.join(os.environ["PARTNERWIKI_INSTANCE"], "instance"))
    create_people(app)
    with acting_as(app, None):
        ensure_role_groups()
        start = time.perf_counter()
        load_seed_pages(SEED_DIR)
        emit("seed_load_seconds", time.perf_counter() - start)
    with acting_as(app, REGISTERED):
        save_page("Bench/Schlichte Seite", PLAIN_TEXT)
        save_page("Heatmap bundesweit", "<<ChainCoverage(bundesweit=ja)>>\n")
        write_moin = median_seconds(
            lambda: save_page("Bench/Schreibtest", f"Text {time.perf_counter()}"), repeat=7
        )
    emit("moin_revision_write_ms", write_moin * 1000)

    vocabulary = partnerwiki(app).vocabulary
    with app.test_client() as client:
        plain = median_seconds(get(client, "/Bench/Schlichte Seite"))
        emit("plain_page_ms", plain * 1000)
        emit("start_page_ratio", median_seconds(get(client, "/Startseite")) / plain)
        if "discussions" in sections:
            discussion_figures(app, client, write_moin)
        if "feed" in sections:
            feed_figures(app, client)
    if "tools" in sections:
        with acting_as(app, None):
            start = time.perf_counter()
            store_pages(tool_specs(vocabulary, BULK_TOOLS))
            bulk = (time.perf_counter() - start) / BULK_TOOLS
        emit("bulk_write_per_record_ms", bulk * 1000)
        emit("bulk_vs_moin_write_ratio", bulk / write_moin)
        with app.test_client() as client:
            plain = median_seconds(get(client, "/Bench/Schlichte Seite"))
            emit("plain_page_with_10000_tools_ms", plain * 1000)
            emit("matrix_10000_ratio", median_seconds(get(client, "/Matrix")) / plain)
            emit("matrix_10000_filtered_ratio", median_seconds(get(client, "/Matrix?art=leitfaden&land=nw&jahr_von=2015")) / plain)
            emit("matrix_10000_cell_list_ratio", median_seconds(get(client, "/Matrix?lebensphase=kita&empfehlung=beteiligung")) / plain)
            emit("matrix_10000_fulltext_ratio", median_seconds(get(client, "/Matrix?q=Gesundheitsförderung")) / plain)
            export = median_seconds(get(client, "/+gaa/export/werkzeugkiste.csv"), repeat=5)
            emit("export_csv_10000_seconds", export)
            rows = client.get("/+gaa/export/werkzeugkiste.csv").get_data(as_text=True).count("\n") - 1
            emit("export_csv_rows", rows)
    if "profiles" in sections:
        with acting_as(app, None):
            store_pages(profile_specs(vocabulary, BULK_PROFILES))
        with app.test_client() as client:
            plain = median_seconds(get(client, "/Bench/Schlichte Seite"))
            emit("plain_page_with_21000_records_ms", plain * 1000)
            emit("directory_11000_by_land_ratio", median_seconds(get(client, "/Partnerverzeichnis?land=nw")) / plain)
            emit("heat_map_11000_ratio", median_seconds(get(client, "/Heatmap bundesweit")) / plain)
            emit("profile_page_ratio", median_seconds(get(client, "/Kommunen/Benchgemeinde 00042")) / plain)
            emit("export_kommunen_csv_11000_seconds", median_seconds(get(client, "/+gaa/export/kommunen.csv"), repeat=5))
    app.deinit_backends()


if __name__ == "__main__":
    unknown = set(sys.argv[1:]) - set(SECTIONS)
    if unknown:
        sys.exit(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    main(tuple(sys.argv[1:]) or SECTIONS)
