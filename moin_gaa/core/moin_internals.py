"""The one place where the PartnerWiki reaches into moin's internals (beyond its documented API).

Each use says what it stands in for upstream, so it can go when moin has it.

**Index writers that wait for the lock** – stands in for moin commit b95eb5e9 (moinwiki/moin pull request
#2356, „Fix unhandled LockError from concurrent index writes“, after 2.0.0b5): moin 2.0.0b5's
``IndexingMiddleware`` opens whoosh writers that give up at once when another writer holds the index:

* ``index_revision(…, async_=False)`` – every save with ``overwrite=True``, i.e. every ``User.save()``
  (registration, each login, settings) – calls ``ix.writer()``: ``LockError``, a 500;
* new revisions use whoosh's ``AsyncWriter``: when the lock is held it keeps the document in memory and
  writes it from a background thread that polls the lock every 0.25 s against every other writer.
  moin then waits up to 20 s (``get_document(retry=True)``) for the revision to appear in its index and
  else raises „Server overload may have corrupted the index; rebuild it.“ – a 500, though the revision
  is stored; and should the process end before the background thread got the lock, the index lacks
  that revision until the index is repaired (``gaa-setup`` does so at start-up).

:func:`install` wraps the indexes moin opened (``app.storage.ix``) in :class:`~.index_writers.WaitingIndex`,
so every writer moin asks for – the synchronous ones and the ones ``AsyncWriter`` tries first – waits its
turn (first come, first served within the process; whoosh's file lock between processes) for up to
``WRITE_WAIT`` seconds (wikiconfig: ``gaa_index_write_wait``).  ``AsyncWriter`` therefore always gets its
writer at once and writes synchronously: the revision is in moin's index when ``store_revision`` returns,
and moin's „Server overload“ path is not reached.  After the wait a German 503 answers
(:class:`~.index_writers.IndexBusy`), never a 500; the revision is stored then but not yet indexed, which
the index repair at start-up (``gaa-setup``) completes.  moin's ``open()`` (after its index commands) is
wrapped so reopened indexes wait as well.  No moin code is changed.

**One registration at a time** – no upstream fix yet: moin's ``register`` view checks that the name (and
e-mail address) is free, then stores the new profile; two people who register the same name at the same
moment both pass the check and get two accounts of one name.  :func:`one_registration_at_a_time` runs the
view's POSTs one after the other (a file lock below the instance: threads and processes); with the waiting
writers above the profile is in moin's index before the next check runs.
"""

from __future__ import annotations

import logging
import os
from functools import wraps
from typing import Any

from flask import Flask, Response, request
from flask import g as flaskg
from moin.themes import render_template

from moin_gaa.core.index_writers import WRITE_WAIT, IndexBusy, WaitingIndex
from moin_gaa.core.items import ItemBusy, file_lock

log = logging.getLogger(__name__)

RETRY_AFTER = "30"  # seconds, for the 503's Retry-After
REGISTRATION_LOCK = ("locks", "registration")  # below the instance directory
REGISTRATION_WAIT = 60.0  # seconds a registration waits for the ones before it
REGISTRATION_BUSY = ("Gerade melden sich sehr viele Menschen gleichzeitig an. Bitte versuchen Sie es in einer Minute "
                     "noch einmal.")


def install(app: Flask) -> None:
    """Make the writers of moin's indexes in ``app`` wait for the write lock; answer :class:`IndexBusy` with a 503."""
    indexer = getattr(app, "storage", None)  # moin's IndexingMiddleware (not there for some moin commands)
    if indexer is not None and not getattr(indexer, "gaa_waiting_writers", False):
        wait_for_index_locks(indexer, float(getattr(app.cfg, "gaa_index_write_wait", WRITE_WAIT)))
    app.register_error_handler(IndexBusy, index_busy)
    one_registration_at_a_time(app)


def wait_for_index_locks(indexer: Any, wait: float = WRITE_WAIT) -> None:
    """Wrap ``indexer.ix`` (moin's whoosh indexes by name) now and whenever moin opens them again."""
    moin_open = indexer.open

    def wrap() -> None:
        indexer.ix = {name: ix if isinstance(ix, WaitingIndex) else WaitingIndex(ix, wait)
                      for name, ix in indexer.ix.items()}

    def open_and_wrap() -> None:
        moin_open()
        wrap()

    indexer.open = open_and_wrap
    indexer.gaa_waiting_writers = True
    wrap()


def one_registration_at_a_time(app: Flask) -> None:
    """Serialise the POSTs of moin's ``register`` view (see the module docstring)."""
    view = app.view_functions.get("frontend.register")
    if view is None:
        return
    directory = os.path.join(app.cfg.instance_dir, *REGISTRATION_LOCK[:-1])

    @wraps(view)
    def register(**kwargs):
        if request.method != "POST":
            return view(**kwargs)
        try:
            with file_lock(directory, REGISTRATION_LOCK[-1], timeout=REGISTRATION_WAIT):
                return view(**kwargs)
        except ItemBusy:
            log.warning("503 for a registration: the ones before it took longer than %.0f s", REGISTRATION_WAIT)
            return busy_page(REGISTRATION_BUSY)

    app.view_functions["frontend.register"] = register


def index_busy(error: IndexBusy):
    log.warning("503 for a write: %s", error)
    return busy_page(IndexBusy.message)


def busy_page(message: str) -> Response:
    """A German 503 that says when to try again."""
    headers = {"Retry-After": RETRY_AFTER}
    if getattr(flaskg, "clock", None) is None:  # moin's request set-up did not run: no themed page
        return Response(message, 503, headers, mimetype="text/plain")
    page = render_template("error.html", title="Gerade ausgelastet", description=message, item_name="")
    return Response(page, 503, headers, mimetype="text/html")
