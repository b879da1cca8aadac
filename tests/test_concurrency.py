"""Objects shared between requests stay correct when the threaded server runs requests at the same time.

Each call carries a unique marker; an output must hold its own marker and no other call's – a check that
only looks for the expected text (as the older end-to-end test does) cannot see text copied between posts.
"""

from __future__ import annotations

import re
import threading

from moin_gaa.sanitize import clean_html, render_post

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
