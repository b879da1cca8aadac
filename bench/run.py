"""PartnerWiki benchmarks: one ``name: value`` line per figure.

Times are medians of repeated requests through the real app (Flask test client on a temporary
instance); every ``…_ratio`` is against a plain moin page rendered in the same run, so the
figures compare across machines.  Run with ``make bench``; never part of ``make test``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]
os.environ.setdefault("PARTNERWIKI_SECRET_KEY", "bench-secret")
os.environ.setdefault("PARTNERWIKI_INSTANCE", tempfile.mkdtemp(prefix="partnerwiki-bench-"))

from conftest import REGISTERED, acting_as, create_people, make_app, save_page  # noqa: E402
from moin_gaa.access import ReadRights  # noqa: E402
from moin_gaa.accounts import ensure_role_groups  # noqa: E402
from moin_gaa.app import partnerwiki  # noqa: E402
from moin_gaa.cli import SEED_DIR  # noqa: E402
from moin_gaa.seeding import load_seed_pages  # noqa: E402
from moin_gaa.storage import PageSpec, store_pages  # noqa: E402

REPEAT = 15
BULK_RECORDS = 2000
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


def main() -> None:
    app = make_app(os.path.join(os.environ["PARTNERWIKI_INSTANCE"], "instance"))
    create_people(app)
    with acting_as(app, None):
        ensure_role_groups()
        start = time.perf_counter()
        load_seed_pages(SEED_DIR)
        emit("seed_load_seconds", time.perf_counter() - start)
    with acting_as(app, REGISTERED):
        save_page("Bench/Schlichte Seite", PLAIN_TEXT)
        write_moin = median_seconds(
            lambda: save_page("Bench/Schreibtest", f"Text {time.perf_counter()}"), repeat=7
        )
    emit("moin_revision_write_ms", write_moin * 1000)

    specs = [
        PageSpec(
            f"Bench/Datensatz {i:05d}",
            f"Werkzeug {i} für die Kita und die Gesundheitsförderung.",
            {"gaa_type": "werkzeug", "gaa_fields": {"titel": f"Werkzeug {i}", "lebensphasen": ["kita"]}},
        )
        for i in range(BULK_RECORDS)
    ]
    with acting_as(app, None):
        start = time.perf_counter()
        store_pages(specs)
        bulk = (time.perf_counter() - start) / BULK_RECORDS
    emit("bulk_write_per_record_ms", bulk * 1000)
    emit("bulk_vs_moin_write_ratio", bulk / write_moin)

    with app.test_client() as client:
        plain = median_seconds(get(client, "/Bench/Schlichte Seite"))
        emit("plain_page_ms", plain * 1000)
        emit("start_page_ratio", median_seconds(get(client, "/Startseite")) / plain)
        emit("records_json_2000_ratio", median_seconds(get(client, "/+gaa/records.json?typ=werkzeug&limit=50")) / plain)
    with acting_as(app, None):
        catalog = partnerwiki(app).catalog
        search = median_seconds(lambda: catalog.search(ReadRights(), record_type="werkzeug", facets={"lebensphasen": "kita"}))
    emit("catalog_filtered_search_2000_ms", search * 1000)
    app.deinit_backends()


if __name__ == "__main__":
    main()
