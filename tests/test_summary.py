"""Auswertung numbers from threads and posts (plain records, no wiki needed)."""

from moin_gaa.core.records import Record
from moin_gaa.discussions.summary import affiliations_from_profiles, discussion_stats


def record(item, record_type, **fields):
    return Record(itemid=item, revid="r", names=(item,), namespace="", record_type=record_type, fields=fields)


AREA = "Online-Diskussionen/Test"
THREADS = [
    record(f"{AREA}/Eins", "thema", titel="Eins", autor="Anna", erstellt="2026-09-01T08:00:00+00:00"),
    record(f"{AREA}/Zwei", "thema", titel="Zwei", autor="Ben", erstellt="2026-09-02T22:30:00+00:00"),  # 3 Sept. in Berlin
]
POSTS = [
    record(f"{AREA}/Eins/B1", "beitrag", id="B1", autor="Ben", erstellt="2026-09-01T09:00:00+00:00", antwort_auf=""),
    record(f"{AREA}/Eins/B2", "beitrag", id="B2", autor="Cem", erstellt="2026-09-01T10:00:00+00:00", antwort_auf="B1"),
    record(f"{AREA}/Eins/B3", "beitrag", id="B3", autor="Anna", erstellt="2026-09-04T10:00:00+00:00", antwort_auf="B2"),
    record(f"{AREA}/Zwei/B4", "beitrag", id="B4", autor="Anna", erstellt="2026-09-04T11:00:00+00:00", antwort_auf=""),
]


def test_numbers_activity_and_most_active_threads():
    stats = discussion_stats(THREADS, POSTS, {})
    assert (stats.threads, stats.posts, stats.replies) == (2, 6, 2)
    assert stats.participants == ("Anna", "Ben", "Cem")
    assert stats.activity == (("01.09.", 3), ("02.09.", 0), ("03.09.", 1), ("04.09.", 2)) and not stats.per_week
    assert stats.top_threads[0] == (f"{AREA}/Eins", "Eins", 4)


def test_long_spans_are_counted_per_week():
    late = record(f"{AREA}/Zwei/B5", "beitrag", id="B5", autor="Cem", erstellt="2027-01-20T11:00:00+00:00", antwort_auf="")
    stats = discussion_stats(THREADS, [*POSTS, late], {})
    assert stats.per_week and stats.activity[0] == ("KW 36/2026", 6) and stats.activity[-1] == ("KW 3/2027", 1)
    assert sum(n for _w, n in stats.activity) == 7


def test_places_of_participants_come_from_profile_editors():
    profiles = [record("Kommunen/Dortmund", "kommune", name="Dortmund", land="nw", redakteure=["Anna", "Cem"]),
                record("Kommunen/Jena", "kommune", name="Jena", land="th", redakteure=["Ben"])]
    stats = discussion_stats(THREADS, POSTS, affiliations_from_profiles(profiles))
    assert stats.laender == (("nw", 2), ("th", 1))
    assert stats.kommunen == (("Dortmund", 2), ("Jena", 1))
