"""The catalog's per-process memo: never stale after a write, a delete or a rebuild, and really kept.

The answers are compared with a catalog opened without any memo (a second ``Catalog`` on the same folder sees the
same index; its memo starts empty), after every change.
"""

import threading

from whoosh.query import Every, Term

from moin_gaa.core.catalog import Catalog, document_to_record
from moin_gaa.core.records import Record

TOOLS = Term("record_type", "werkzeug")


def tool(number: int, title: str, phase: str = "kita") -> Record:
    return Record(itemid=f"id{number:04d}", revid=f"rev{number:04d}-{title}", names=(f"Werkzeugkiste/W{number:04d}",),
                  namespace="", record_type="werkzeug", fields={"titel": title, "lebensphasen": [phase]},
                  mtime=number)


def answers(catalog: Catalog) -> dict:
    """What the pages ask: facet documents, a full-text query, an order – as names, so two catalogs compare."""
    with catalog.reader(lambda record: True) as reader:
        def named(docnums):
            return [r.name for r in reader.records(docnums)]

        kita = reader.facet_docs("lebensphasen", "kita")
        return {
            "kita": sorted(named(kita)),
            "text": sorted(named(reader.docs(catalog.parse("Elternabend")))),
            "order": named(reader.ordered(reader.docs(TOOLS), TOOLS, "title", lambda r: r.title.casefold())),
            "kita_order": named(reader.ordered(kita, TOOLS, "title", lambda r: r.title.casefold())),
        }


def fresh_answers(path: str) -> dict:
    unmemoized = Catalog(path)
    try:
        return answers(unmemoized)
    finally:
        unmemoized.close()


def test_answers_follow_every_change_as_an_unmemoized_catalog_sees_it(tmp_path):
    path = str(tmp_path / "catalog")
    catalog = Catalog(path)
    catalog.replace_all([tool(n, f"Werkzeug {n:03d}", "kita" if n % 2 else "grundschule") for n in range(40)])
    steps = [
        lambda: catalog.upsert([tool(7, "Aaa Elternabend zuerst")]),  # renamed: moves to the front, found by text
        lambda: catalog.upsert([tool(100, "Neu Elternabend", "kita")], new_itemids=["id0100"]),
        lambda: catalog.delete(["id0003", "id0100"]),
        lambda: catalog.upsert([tool(8, "Zzz ans Ende", "kita")]),  # now in the kita facet, last
        lambda: catalog.replace_all([tool(n, f"Neu gebaut {n}", "kita") for n in range(5)]),  # generation from 0
        lambda: catalog.replace_all([tool(n, f"Noch einmal {n}", "kita") for n in range(4)]),  # the same generation
        lambda: catalog.upsert([tool(1, "Elternabend nach dem Neubau")]),
    ]
    assert answers(catalog) == fresh_answers(path)
    for step in steps:
        before = answers(catalog)
        step()
        after = answers(catalog)
        assert after == fresh_answers(path)
        assert after != before
    catalog.close()


def test_values_are_kept_per_segment_so_a_write_reads_only_what_is_new(tmp_path):
    catalog = Catalog(str(tmp_path / "catalog"))
    catalog.replace_all([tool(n, f"Werkzeug {n:03d}") for n in range(300)])
    computed = []

    def key(record: Record) -> str:
        computed.append(record.name)
        return record.title

    def order() -> list[str]:
        with catalog.reader(lambda record: True) as reader:
            return [r.title for r in reader.records(reader.ordered(reader.docs(TOOLS), TOOLS, "counted", key))]

    first = order()
    assert len(computed) == 300 and first == sorted(first)
    assert order() == first and len(computed) == 300  # same state: nothing read again
    catalog.upsert([tool(301, "Werkzeug 000a")], new_itemids=["id0301"])
    second = order()
    assert second[:2] == ["Werkzeug 000", "Werkzeug 000a"] and len(second) == 301
    assert len(computed) < 300 + 300  # the big segment's keys were kept; only the new (merged) small part was read


def test_threads_reading_while_another_writes_see_whole_states(tmp_path):
    """Readers never see a half-memoized state: each answer equals some committed state's answer."""
    path = str(tmp_path / "catalog")
    catalog = Catalog(path)
    catalog.replace_all([tool(n, f"Werkzeug {n:03d}") for n in range(50)])
    counts: list[int] = []
    problems: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                with catalog.reader(lambda record: True) as reader:
                    kita = reader.facet_docs("lebensphasen", "kita")
                    ordered = reader.ordered(kita, TOOLS, "title", lambda r: r.title)
                    assert sorted(ordered) == sorted(kita)
                    counts.append(len(kita))
        except BaseException as e:  # noqa: BLE001 – handed to the test thread
            problems.append(e)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    for n in range(50, 70):
        catalog.upsert([tool(n, f"Werkzeug {n:03d}")], new_itemids=[f"id{n:04d}"])
    stop.set()
    for thread in readers:
        thread.join()
    assert not problems, problems
    assert set(counts) <= set(range(50, 71)) and max(counts) == 70
    with catalog.reader(lambda record: True) as reader:
        assert len(reader.docs(Every())) == 70
        assert {document_to_record(reader.searcher.stored_fields(n)).title for n in reader.docs(TOOLS)} == {
            f"Werkzeug {n:03d}" for n in range(70)}
    catalog.close()


def test_remembered_results_never_cross_read_rights(tmp_path):
    """Two people on the same catalog state: each gets the result built from what they may read."""
    catalog = Catalog(str(tmp_path / "catalog"))
    private = Record(itemid="secret", revid="r1", names=("Gruppen/Geheim/Werkzeug",), namespace="",
                     record_type="werkzeug", fields={"titel": "Geheimes Werkzeug", "lebensphasen": ["kita"]},
                     acl="Geheim:read All:")
    catalog.replace_all([tool(n, f"Werkzeug {n}") for n in range(5)] + [private])
    built = []

    def titles(may_read) -> list[str]:
        with catalog.reader(may_read) as reader:
            kita = reader.facet_docs("lebensphasen", "kita")

            def compute():
                built.append(1)
                return sorted(r.title for r in reader.records(kita))

            return reader.remembered("kita titles", kita, compute)

    outsider = titles(lambda record: record.acl is None)
    member = titles(lambda record: True)
    assert "Geheimes Werkzeug" in member and "Geheimes Werkzeug" not in outsider
    assert titles(lambda record: record.acl is None) == outsider and len(built) == 2  # kept, per readable set
    catalog.close()


def test_an_empty_catalog_answers_with_nothing(tmp_path):
    """No ACL key at all is not „too many keys“ (that path reads a column an empty index does not have)."""
    catalog = Catalog(str(tmp_path / "catalog"))
    catalog.create()
    with catalog.reader(lambda record: True) as reader:
        assert reader.docs(TOOLS) == set() and reader.facet_docs("lebensphasen", "kita") == set()
    catalog.close()
