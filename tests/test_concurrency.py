"""Objects shared between requests stay correct when the threaded server runs requests at the same time.

Each call carries a unique marker; an output must hold its own marker and no other call's – a check that
only looks for the expected text (as the older end-to-end test does) cannot see text copied between posts.
"""

from __future__ import annotations

import re
import threading

from whoosh.analysis import LanguageAnalyzer
from whoosh.query import And, Term

from moin_gaa.core.catalog import Catalog, word_variants
from moin_gaa.core.records import Record
from moin_gaa.core.sanitize import clean_html, render_post
from moin_gaa.discussions.threads import POST_TYPE

THREADS = 8
CALLS = 150
MARKER = re.compile(r"Marke-\d+-\d+-")


def run_in_threads(work, threads: int = THREADS) -> list[str]:
    """``work(thread_no)`` in ``threads`` threads started together; the errors they raised, as text."""
    start = threading.Barrier(threads)
    errors: list[str] = []

    def worker(no: int) -> None:
        start.wait()
        try:
            work(no)
        except Exception as error:  # noqa: BLE001 – collected and asserted below
            errors.append(repr(error))

    workers = [threading.Thread(target=worker, args=(no,)) for no in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return errors


def post_source(own: str) -> str:
    """Long enough, with links, a list and a quote, to keep bleach's tokenizer and linkifier busy for a while."""
    return (f"**{own}** Beitrag mit https://example.org/{own} und *Betonung*\n\n"
            f"- {own}eins\n- {own}zwei\n\n> {own}Zitat\n\n" + f"{own}Text " * 20)


def html_source(own: str) -> str:
    return f'<p onclick="x">{own}<span>{own}</span> <a href="https://x.de/{own}">{own}</a></p>' * 5


def check_in_threads(function, source) -> None:
    """``function(source(marker))`` in 8 threads × 150 calls gives what the same call gives alone, and no
    output holds another call's marker."""
    markers = [[f"Marke-{no}-{call}-" for call in range(CALLS)] for no in range(THREADS)]
    alone = {own: function(source(own)) for row in markers for own in row}  # one thread: the reference
    assert all(set(MARKER.findall(html)) == {own} for own, html in alone.items())
    wrong: list[str] = []
    errors: list[str] = []

    def many(no: int) -> None:
        for own in markers[no]:
            try:
                html = function(source(own))
            except Exception as error:  # noqa: BLE001 – a 500 in the server
                errors.append(f"{own}: {error!r}")
                continue
            if html != alone[own]:
                wrong.append(f"{own} → {sorted(set(MARKER.findall(html)))[:4]}: {html[:100]!r}")

    errors += run_in_threads(many)
    assert (errors, wrong) == ([], []), (f"{len(errors)} calls raised: {errors[:3]}; "
                                         f"{len(wrong)} of {THREADS * CALLS} outputs differ (foreign text?): {wrong[:3]}")


def test_render_post_keeps_every_post_to_itself():
    check_in_threads(render_post, post_source)


def test_clean_html_keeps_every_document_to_itself():
    check_in_threads(clean_html, html_source)


def post(itemid: str, author: str) -> Record:
    return Record(itemid=itemid, revid=f"rev-{itemid}", names=(f"Raum/Thema/{itemid}",), namespace="",
                  record_type=POST_TYPE, fields={"id": itemid, "autor": author}, mtime=1)


def test_a_fingerprint_names_the_catalog_state_its_reader_saw(tmp_path):
    """Cached thread skeletons hold document numbers under ``fingerprint()``: a request whose searcher
    was opened before another request's commit must not file its numbers under the newer state, where
    the same numbers can mean other posts."""
    catalog = Catalog(str(tmp_path / "catalog"))
    catalog.create()
    catalog.upsert([post("a", "Anna")])
    query = And([Term("record_type", POST_TYPE), Term("ancestors", "Raum/Thema")])
    with catalog.reader(lambda record: True) as before:
        catalog.upsert([post("b", "Berta")], new_itemids=["b"])  # other requests, meanwhile: a post added,
        catalog.delete(["a"])  # one removed (moved, say),
        catalog.ix.optimize()  # and segments merged (whoosh's commits merge as segments add up): b is now doc 0
        old_docs = before.docs(query)
        old = (before.fingerprint(old_docs, "Raum/Thema"), [r.fields["autor"] for r in before.records(old_docs)])
    with catalog.reader(lambda record: True) as after:
        new_docs = after.docs(query)
        new = (after.fingerprint(new_docs, "Raum/Thema"), [r.fields["autor"] for r in after.records(new_docs)])
    assert old[1] == ["Anna"] and new[1] == ["Berta"]
    assert old_docs == new_docs  # the situation this test is about: the same numbers, other posts
    assert old[0] != new[0], "the same cache key for different posts"


def test_catalog_queries_in_many_threads(tmp_path):
    """``Catalog.parse`` stems the query words; whoosh's stemming cache (50,000 words, then it evicts)
    is not thread-safe, so a shared analyzer breaks searches once a long-running server has seen enough
    words.  8 threads × 7,000 new words each fill it and make it evict."""
    catalog = Catalog(str(tmp_path / "catalog"))
    fresh = LanguageAnalyzer("de")  # the reference: an analyzer of its own, used in this thread only
    texts = {(no, chunk): " ".join(f"gesundheitsförderung{no}x{chunk}x{i}" for i in range(100))
             for no in range(THREADS) for chunk in range(70)}
    expected = {key: {v for token in fresh(text) for v in word_variants(token.text)} for key, text in texts.items()}
    wrong: list[str] = []

    def search_many(no: int) -> None:
        for chunk in range(70):
            if {leaf.text for leaf in catalog.parse(texts[no, chunk]).leaves()} != expected[no, chunk]:
                wrong.append(f"{no}/{chunk}")

    errors = run_in_threads(search_many)
    assert (errors, wrong) == ([], []), (errors[:3], wrong[:3])
