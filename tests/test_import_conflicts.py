"""An .ics import that meets other people's edits (issue 11.4): never a 500, never half-written.

The report names every event as stored (new or updated), unchanged or refused with the German
reason; an event changed since the preview is refused, not overwritten; each event is stored
completely or not at all.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from conftest import ADMIN, MODERATOR, acting_as, login, page_token
from form_support import form_on, post_forms, stored, submit

from moin_gaa.calendars import import_views as calendar_import_views
from moin_gaa.core.items import save_item

YEAR = date.today().year + 1


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\n{body}END:VCALENDAR\r\n"
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def event(uid: str, title: str, day: str, start: str = "100000", end: str = "120000", place: str = "Rathaus") -> str:
    return (f"UID:{uid}@example.org\nDTSTAMP:20260101T000000Z\nSUMMARY:{title}\n"
            f"DTSTART;TZID=Europe/Berlin:{YEAR}{day}T{start}\nDTEND;TZID=Europe/Berlin:{YEAR}{day}T{end}\n"
            f"LOCATION:{place}")


def upload(client, data: bytes):
    """Step 1: the preview page."""
    response = client.post("/+gaa/termine/import", data={
        "csrf_token": page_token(client, "/+gaa/termine/import"), "kalender": ["alle"],
        "datei": (io.BytesIO(data), "termine.ics")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def confirm(client, preview: str):
    """Step 2: „Importieren“ on the preview page, with what that form carries."""
    form = next(f for f in post_forms(preview) if any(name == "schritt" for name, _ in f.fields))
    fields: dict[str, list[str]] = {}
    for name, value in form.fields:
        fields.setdefault(name, []).append(value)
    return client.post(form.action, data=fields)


def import_file(client, data: bytes):
    return confirm(client, upload(client, data))


def row(report: str, title: str) -> str:
    start = report.index(title)
    return report[report.rindex("<tr", 0, start): report.index("</tr>", start)]


def name_of(title: str, day: str) -> str:
    return f"Termine/{YEAR}-{day[:2]}-{day[2:]} {title}"


def test_an_event_changed_after_the_preview_is_refused_and_the_others_are_stored(wiki, client):
    first = ics(event("vorschau-a", "Vorschau A", "0310"), event("vorschau-b", "Vorschau B", "0311"))
    login(client, MODERATOR)
    assert "neu angelegt" in import_file(client, first).get_data(as_text=True)

    changed = ics(event("vorschau-a", "Vorschau A", "0310", start="140000", end="160000", place="Aula"),
                  event("vorschau-b", "Vorschau B", "0311", start="140000", end="160000", place="Aula"),
                  event("vorschau-c", "Vorschau C", "0312"))
    preview = upload(client, changed)
    assert "wird aktualisiert: <strong>2</strong>" in preview and "wird neu angelegt: <strong>1</strong>" in preview

    # meanwhile someone corrects event A through its form
    other = wiki.test_client()
    login(other, ADMIN)
    action, fields = form_on(other, f"/+gaa/termin/bearbeiten/{name_of('Vorschau A', '0310')}")
    assert submit(other, action, fields, ort="Ratssaal, 2. Stock").status_code == 302

    response = confirm(client, preview)
    report = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ergebnis des Imports" in report
    assert "abgelehnt" in row(report, "Vorschau A") and "seit der Vorschau geändert" in row(report, "Vorschau A")
    assert "aktualisiert" in row(report, "Vorschau B") and "neu angelegt" in row(report, "Vorschau C")
    with acting_as(wiki, ADMIN):
        a = stored(name_of("Vorschau A", "0310"))[0]["gaa_fields"]
        b = stored(name_of("Vorschau B", "0311"))[0]["gaa_fields"]
        c = stored(name_of("Vorschau C", "0312"))[0]["gaa_fields"]
    assert a["ort"] == "Ratssaal, 2. Stock" and a["start"].endswith("T10:00:00")  # the correction, untouched
    assert b["ort"] == "Aula" and b["start"].endswith("T14:00:00")
    assert c["uid"] == "vorschau-c@example.org"


@pytest.fixture
def conflict_during_import(monkeypatch):
    """Someone saves ``names`` in the moment the import is about to write them."""
    real = calendar_import_views.save_record
    names: set[str] = set()

    def save_record(name, *args, **kwargs):
        if name in names:
            names.discard(name)
            save_item(name, None, comment="gleichzeitig gespeichert",
                      meta_updates=lambda meta: {"gaa_fields": {**meta["gaa_fields"], "kontakt": "dazwischen"}})
        return real(name, *args, **kwargs)

    monkeypatch.setattr(calendar_import_views, "save_record", save_record)
    return names


def test_a_conflict_in_the_middle_of_an_import_is_reported_not_a_500(wiki, client, conflict_during_import):
    first = ics(*(event(f"mitte-{i}", f"Mitte {i}", f"04{10 + i}") for i in range(3)))
    login(client, MODERATOR)
    import_file(client, first)
    changed = ics(*(event(f"mitte-{i}", f"Mitte {i}", f"04{10 + i}", place="Neuer Ort") for i in range(3)))
    conflict_during_import.add(name_of("Mitte 1", "0411"))

    response = import_file(client, changed)
    report = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ergebnis des Imports" in report
    assert "aktualisiert" in row(report, "Mitte 0") and "aktualisiert" in row(report, "Mitte 2")
    assert "abgelehnt" in row(report, "Mitte 1") and "geändert" in row(report, "Mitte 1")
    with acting_as(wiki, ADMIN):
        fields = [stored(name_of(f"Mitte {i}", f"04{10 + i}"))[0]["gaa_fields"] for i in range(3)]
    assert [f["ort"] for f in fields] == ["Neuer Ort", "Rathaus", "Neuer Ort"]
    assert fields[1]["kontakt"] == "dazwischen"  # the other save is whole, the import's not mixed into it


def test_an_error_while_storing_one_event_is_reported_and_the_rest_stored(wiki, client, monkeypatch):
    real = calendar_import_views.save_record

    def failing(name, *args, **kwargs):
        if name == name_of("Fehler 1", "0511"):
            raise OSError("Datenträger voll")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(calendar_import_views, "save_record", failing)
    login(client, MODERATOR)
    response = import_file(client, ics(*(event(f"fehler-{i}", f"Fehler {i}", f"05{10 + i}") for i in range(3))))
    report = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "abgelehnt" in row(report, "Fehler 1") and "Fehler beim Speichern" in row(report, "Fehler 1")
    assert "neu angelegt" in row(report, "Fehler 0") and "neu angelegt" in row(report, "Fehler 2")
    assert "neu angelegt: <strong>2</strong>" in report and "abgelehnt: <strong>1</strong>" in report
