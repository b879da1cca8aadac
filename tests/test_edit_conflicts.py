"""Two people save the same tool, profile, event or post (issue 11.2, 11.7): one is saved, the other
gets a German conflict message with their input kept – never a silent overwrite.

First one after the other (both load the form, then both submit), then truly at once: two threads
against the app, with moin's save slowed down so both are past loading before either writes – the
check of the revision and the save must be one step.  The lock behind that is a file lock, so it
holds between processes too (last test).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import pytest
from conftest import ADMIN, MODERATOR, REGISTERED, acting_as, login, page_token
from flask import current_app
from form_support import form_on, stored, submit
from moin.items import Item
from moin.utils.names import split_fqname

from moin_gaa.calendars.event_input import EVENT_TEXT
from moin_gaa.calendars.events import EVENT_TYPE, event_from_input
from moin_gaa.core.items import file_lock, save_record
from moin_gaa.partners.municipalities import PROFILE_TYPE
from moin_gaa.partners.views import PROFILE_TEXT
from moin_gaa.toolbox.tools import TOOL_TYPE, Tool, page_text

CONFLICT = "inzwischen geändert"


def make_tool(wiki, title: str) -> tuple[str, str]:
    with acting_as(wiki, ADMIN):
        from moin_gaa.core.app_state import partnerwiki

        v = partnerwiki().vocabulary
        tool = Tool(title, "Kurz", (v.terms("life_phases")[0].key,), (v.terms("recommendations")[0].key,),
                    v.terms("material_kinds")[0].key)
        save_record(tool.item_name, page_text("Text."), record_type=TOOL_TYPE, fields=tool.fields(),
                    summary=tool.kurzbeschreibung, comment="")
    return tool.item_name, f"/+gaa/werkzeug/bearbeiten/{title}"


def make_profile(wiki, title: str) -> tuple[str, str]:
    fields = {"name": title, "art": "kreisfreie-stadt", "land": "nw", "partner_seit": "2015-01-01",
              "strategiephase": "entwickeln"}
    with acting_as(wiki, ADMIN):
        from moin_gaa.core.app_state import partnerwiki
        from moin_gaa.partners.municipalities import profile_acl, profile_from_input

        v = partnerwiki().vocabulary
        fields["art"] = v.terms("municipality_kinds")[0].key
        fields["strategiephase"] = v.terms("lewin_phases")[0].key
        profile = profile_from_input(fields, v)
        save_record(profile.item_name, PROFILE_TEXT, record_type=PROFILE_TYPE, fields=profile.fields(),
                    summary=f"Profil der Partnerkommune {title}", comment="", acl=profile_acl(profile))
    return profile.item_name, f"/+gaa/kommune/bearbeiten/{title}"


def make_event(wiki, title: str) -> tuple[str, str]:
    day = date.today() + timedelta(days=30)
    event = event_from_input({"titel": title, "startdatum": day.isoformat(), "startzeit": "10:00", "endzeit": "11:00"})
    name = f"Termine/{day.isoformat()} {title}"
    with acting_as(wiki, ADMIN):
        save_record(name, EVENT_TEXT, record_type=EVENT_TYPE, fields=event.fields(), summary=title, comment="")
    return name, f"/+gaa/termin/bearbeiten/{name}"


# (maker, the field both change, A's value, B's value, how the stored field reads A's value)
KINDS = {
    "werkzeug": (make_tool, "quelle", "Quelle von Mona", "Quelle von Adam", "quelle"),
    "profil": (make_profile, "strategie", "Strategie von Mona", "Strategie von Adam", "strategie"),
    "termin": (make_event, "ort", "Ort von Mona", "Ort von Adam", "ort"),
}


@pytest.fixture
def two_people(wiki):
    # no ``with``: a client used as a context manager keeps its last request's context open,
    # and two of them would pop each other's
    mona, adam = wiki.test_client(), wiki.test_client()
    login(mona, MODERATOR)
    login(adam, ADMIN)
    return mona, adam


def revisions(wiki, name: str) -> int:
    with acting_as(wiki, ADMIN):
        return len(list(current_app.storage.get_item(**split_fqname(name).query).iter_revs()))


def stored_field(wiki, name: str, key: str):
    with acting_as(wiki, ADMIN):
        return stored(name)[0]["gaa_fields"].get(key)


@pytest.mark.parametrize("kind", KINDS)
def test_one_after_the_other_the_second_gets_a_conflict_with_its_input(wiki, two_people, kind):
    make, field, mine, theirs, stored_key = KINDS[kind]
    name, path = make(wiki, f"Konflikt nacheinander {kind}")
    mona, adam = two_people
    form_a, form_b = form_on(mona, path), form_on(adam, path)
    assert submit(mona, *form_a, **{field: mine}).status_code == 302
    response = submit(adam, *form_b, **{field: theirs})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and CONFLICT in page
    assert theirs in page  # Adam's input is still in the form
    assert stored_field(wiki, name, stored_key) == mine


@pytest.fixture
def slow_saves(monkeypatch):
    """moin's save takes half a second: long enough for the other request to be past its own check."""
    original = Item._save

    def slow(self, *args, **kwargs):
        time.sleep(0.5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Item, "_save", slow)


def at_once(*calls):
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.parametrize("kind", KINDS)
def test_at_the_same_moment_one_is_saved_and_one_gets_a_conflict(wiki, two_people, slow_saves, kind):
    make, field, mine, theirs, stored_key = KINDS[kind]
    name, path = make(wiki, f"Konflikt gleichzeitig {kind}")
    mona, adam = two_people
    form_a, form_b = form_on(mona, path), form_on(adam, path)
    before = revisions(wiki, name)
    a, b = at_once(lambda: submit(mona, *form_a, **{field: mine}), lambda: submit(adam, *form_b, **{field: theirs}))
    assert sorted([a.status_code, b.status_code]) == [302, 400]
    loser, winner_value = (b, mine) if a.status_code == 302 else (a, theirs)
    page = loser.get_data(as_text=True)
    assert CONFLICT in page and (theirs if loser is b else mine) in page
    assert stored_field(wiki, name, stored_key) == winner_value
    assert revisions(wiki, name) == before + 1  # one save, not two on the same parent


def write_post(wiki, client, area_title: str) -> str:
    login(client, MODERATOR)
    today = date.today()
    client.post("/+gaa/online-diskussion/neu", data={
        "titel": area_title, "einleitung": "Worum es geht.", "beginn": today.strftime("%d.%m.%Y"),
        "ende": (today + timedelta(days=7)).strftime("%d.%m.%Y"), "csrf_token": page_token(client)})
    area = f"Online-Diskussionen/{area_title}"
    login(client, REGISTERED)
    client.post(f"/+gaa/diskussion/thema/{area}", data={"titel": "Thema", "text": "Start.",
                                                         "csrf_token": page_token(client)})
    response = client.post(f"/+gaa/diskussion/antwort/{area}/Thema",
                           data={"text": "Erste Fassung.", "csrf_token": page_token(client)})
    return f"{area}/Thema/" + response.headers["Location"].rsplit("#", 1)[1]


def test_a_post_edited_in_two_windows_keeps_the_first_and_tells_the_second(wiki):
    window_a, window_b = wiki.test_client(), wiki.test_client()
    name = write_post(wiki, window_a, "Konflikt Beitrag")
    login(window_b, REGISTERED)
    path = f"/+gaa/diskussion/bearbeiten/{name}"
    form_a, form_b = form_on(window_a, path), form_on(window_b, path)
    assert submit(window_a, *form_a, text="Fassung aus Fenster A.").status_code == 302
    response = submit(window_b, *form_b, text="Fassung aus Fenster B.")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "inzwischen geändert" in page and "Fassung aus Fenster B." in page
    with acting_as(wiki, ADMIN):
        meta, text = stored(name)
    assert text == "Fassung aus Fenster A." and meta["gaa_fields"]["text"] == "Fassung aus Fenster A."


def test_a_post_hidden_while_its_author_edits_stays_hidden(wiki):
    author, moderation = wiki.test_client(), wiki.test_client()
    name = write_post(wiki, author, "Konflikt Ausblenden")
    form = form_on(author, f"/+gaa/diskussion/bearbeiten/{name}")
    login(moderation, MODERATOR)
    response = moderation.post(f"/+gaa/diskussion/moderation/{name}", data={
        "aktion": "verbergen", "grund": "Persönliche Daten", "csrf_token": page_token(moderation)})
    assert response.status_code == 302
    response = submit(author, *form, text="Nachträglich geändert.")
    assert response.status_code in (400, 403) and "Nachträglich geändert." not in stored_text(wiki, name)
    with acting_as(wiki, ADMIN):
        meta = stored(name)[0]
    assert meta["gaa_fields"]["versteckt"] is True and meta["acl"].startswith("Moderatoren")


def stored_text(wiki, name: str) -> str:
    with acting_as(wiki, ADMIN):
        return stored(name)[1]


def test_an_edit_and_a_moderation_of_one_post_at_once_lose_nothing(wiki, slow_saves):
    """The author corrects the post while the moderation hides it: the post ends up hidden, and the
    correction is either in it (saved first) or refused (it came second) – never acknowledged and lost."""
    author, moderation = wiki.test_client(), wiki.test_client()
    name = write_post(wiki, author, "Gleichzeitig Ausblenden")
    form = form_on(author, f"/+gaa/diskussion/bearbeiten/{name}")
    login(moderation, MODERATOR)
    token = page_token(moderation)
    edit, hide = at_once(
        lambda: submit(author, *form, text="Korrigiert."),
        lambda: moderation.post(f"/+gaa/diskussion/moderation/{name}",
                                data={"aktion": "verbergen", "grund": "Prüfen", "csrf_token": token}),
    )
    assert hide.status_code == 302 and edit.status_code in (302, 400, 403)
    with acting_as(wiki, ADMIN):
        meta, text = stored(name)
    assert meta["gaa_fields"]["versteckt"] is True and meta["gaa_fields"]["grund"] == "Prüfen"
    expected = "Korrigiert." if edit.status_code == 302 else "Erste Fassung."
    assert text == expected and meta["gaa_fields"]["text"] == expected


def test_two_join_requests_at_once_are_both_kept(wiki, slow_saves):
    mona = wiki.test_client()
    login(mona, MODERATOR)
    response = mona.post("/+gaa/gruppe/neu", data={
        "name": "Gleichzeitige Anfragen", "beschreibung": "", "sichtbarkeit": "offen", "beitritt": "anfrage",
        "moderatoren": MODERATOR.name, "csrf_token": page_token(mona)})
    assert response.status_code == 302
    rita, adam = wiki.test_client(), wiki.test_client()
    login(rita, REGISTERED)
    login(adam, ADMIN)
    tokens = page_token(rita), page_token(adam)
    path = "/+gaa/gruppe/Gleichzeitige Anfragen/beitreten"
    results = at_once(lambda: rita.post(path, data={"csrf_token": tokens[0]}),
                      lambda: adam.post(path, data={"csrf_token": tokens[1]}))
    assert [r.status_code for r in results] == [302, 302]
    with acting_as(wiki, ADMIN):
        assert sorted(stored("Gruppen/Gleichzeitige Anfragen")[0]["gaa_fields"]["anfragen"]) == sorted(
            [REGISTERED.name, ADMIN.name])


HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from moin_gaa.core.items import file_lock
with file_lock({directory!r}, "Werkzeugkiste/Zwei Prozesse"):
    print("gesperrt", flush=True)
    time.sleep(1.5)
"""


def test_the_item_lock_holds_between_processes(tmp_path):
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=root, directory=str(tmp_path))],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "gesperrt"
        started = time.monotonic()
        with file_lock(str(tmp_path), "Werkzeugkiste/Andere Seite"):
            assert time.monotonic() - started < 0.5  # another item: no waiting
        with file_lock(str(tmp_path), "Werkzeugkiste/Zwei Prozesse"):
            waited = time.monotonic() - started
        assert waited > 0.8  # waited for the other process to let go
    finally:
        holder.wait(10)
