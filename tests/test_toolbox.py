"""The Werkzeugkiste through HTTP: proposing, curating, the matrix, exports and read rights."""

import csv
import io
import re
import time

import pytest
from conftest import ADMIN, CSRF_RE, MODERATOR, REGISTERED, acting_as, login, logout, page_token, save_page

from moin_gaa.toolbox.tools import page_text


def text(response):
    return response.get_data(as_text=True)


def token(client, path="/+gaa/werkzeug/neu"):
    return CSRF_RE.search(text(client.get(path))).group(1)


def proposal(titel, **changes):
    data = {
        "titel": titel,
        "kurzbeschreibung": "Ein Werkzeug für den Test.",
        "lebensphasen": ["kita"],
        "empfehlungen": ["beteiligung"],
        "art": "checkliste",
        "jahr": "2020",
        "langtext": "== Worum es geht ==\nTesttext.",
    }
    data.update(changes)
    return data


def tool_meta(wiki, name):
    item = wiki.storage.get_item(name_exact=name, namespace="")
    return dict(item["current"].meta) if item else None


def put_tool(wiki, name, titel, word, status="geprueft", phases=("kita",), recs=("beteiligung",), **fields):
    """A tool saved through moin as a user would have it after curation; ``word`` makes it findable."""
    with acting_as(wiki, ADMIN):
        save_page(
            name,
            page_text(f"Ausführlich über {word}."),
            gaa_type="werkzeug",
            gaa_fields={
                "titel": titel,
                "kurzbeschreibung": f"Kurz: {word}",
                "lebensphasen": list(phases),
                "empfehlungen": list(recs),
                "art": fields.pop("art", "leitfaden"),
                "status": status,
                **fields,
            },
        )


def csv_titles(client, query):
    body = text(client.get("/+gaa/export/werkzeugkiste.csv?" + query)).lstrip("\ufeff")
    return sorted(row["Titel"] for row in csv.DictReader(io.StringIO(body), delimiter=";"))


def test_anonymous_visitors_are_sent_to_the_login_first(client, wiki):
    response = client.get("/+gaa/werkzeug/neu?lebensphase=kita")
    assert response.status_code == 302 and "/+login" in response.headers["Location"]
    assert "Bitte melden Sie sich an" in text(client.get(response.headers["Location"]))
    response = client.post("/+gaa/werkzeug/neu", data={**proposal("Anonym versucht"), "csrf_token": page_token(client)})
    assert response.status_code == 302 and "/+login" in response.headers["Location"]
    assert tool_meta(wiki, "Werkzeugkiste/Anonym versucht") is None


def test_a_registered_user_proposes_and_the_moderation_decides(client, wiki):
    login(client, REGISTERED)
    form = text(client.get("/+gaa/werkzeug/neu?lebensphase=grundschule&empfehlung=ehrenamt"))
    assert 'value="grundschule"\n        checked' in form or re.search(r'value="grundschule"\s+checked', form)
    response = client.post("/+gaa/werkzeug/neu", data={**proposal("Lesepaten im Stadtteil"), "csrf_token": token(client)})
    assert response.status_code == 302
    meta = tool_meta(wiki, "Werkzeugkiste/Lesepaten im Stadtteil")
    assert meta["gaa_fields"]["status"] == "vorgeschlagen"
    assert meta["gaa_fields"]["vorgeschlagen_von"] == REGISTERED.name
    page = text(client.get("/Werkzeugkiste/Lesepaten im Stadtteil"))
    assert "Status: vorgeschlagen" in page and "Testtext." in page
    # the proposer is subscribed, so moin mails them the decision where mail is configured
    with acting_as(wiki, REGISTERED):
        from flask import g as flaskg
        from moin.items import Item

        assert flaskg.user.is_subscribed_to(Item.create("Werkzeugkiste/Lesepaten im Stadtteil"))

    # not in the matrix for the public …
    assert "Lesepaten im Stadtteil" not in csv_titles(client, "q=Werkzeug+Test")
    # … a non-moderator cannot publish it …
    assert CSRF_RE.search(page) is None  # no moderation forms for registered users
    refused = client.post(
        "/+gaa/werkzeug/status/Lesepaten im Stadtteil", data={"aktion": "veroeffentlichen", "csrf_token": token(client)}
    )
    assert refused.status_code == 403
    assert tool_meta(wiki, "Werkzeugkiste/Lesepaten im Stadtteil")["gaa_fields"]["status"] == "vorgeschlagen"

    # … the moderator sees it in the queue and rejects it without a reason: refused, nothing changed
    login(client, MODERATOR)
    queue = text(client.get("/+gaa/werkzeugkiste/pruefen"))
    assert "Lesepaten im Stadtteil" in queue
    t = CSRF_RE.search(queue).group(1)
    response = client.post(
        "/+gaa/werkzeug/status/Lesepaten im Stadtteil", data={"aktion": "ablehnen", "begruendung": " ", "csrf_token": t}
    )
    assert response.status_code == 302
    assert tool_meta(wiki, "Werkzeugkiste/Lesepaten im Stadtteil")["gaa_fields"]["status"] == "vorgeschlagen"
    # with a reason the proposer sees the decision on the entry
    client.post(
        "/+gaa/werkzeug/status/Lesepaten im Stadtteil",
        data={"aktion": "ablehnen", "begruendung": "Bitte Quelle ergänzen", "csrf_token": t},
    )
    login(client, REGISTERED)
    page = text(client.get("/Werkzeugkiste/Lesepaten im Stadtteil"))
    assert "Abgelehnt: </strong>Bitte Quelle ergänzen" in page
    # published, it counts in the public matrix and export
    login(client, MODERATOR)  # a new session: a new token
    published = client.post("/+gaa/werkzeug/status/Lesepaten im Stadtteil",
                            data={"aktion": "veroeffentlichen", "csrf_token": page_token(client)})
    assert published.status_code == 302
    login(client, REGISTERED)
    assert "Lesepaten im Stadtteil" in csv_titles(client, "q=Werkzeug+Test")


def test_status_changes_need_the_csrf_token(as_moderator, wiki):
    put_tool(wiki, "Werkzeugkiste/Ohne Token", "Ohne Token", "Tokenlos", status="vorgeschlagen")
    response = as_moderator.post("/+gaa/werkzeug/status/Ohne Token", data={"aktion": "veroeffentlichen"})
    assert response.status_code == 400
    assert tool_meta(wiki, "Werkzeugkiste/Ohne Token")["gaa_fields"]["status"] == "vorgeschlagen"


@pytest.mark.parametrize(
    "changes, field_message",
    [
        ({"lebensphasen": ["kita", "rente"]}, "„rente“ ist kein gültiger Wert für Lebensphasen"),
        ({"empfehlungen": []}, "Bitte mindestens eine Handlungsempfehlung wählen."),
        ({"art": "podcast"}, "„podcast“ ist kein gültiger Wert für Materialarten"),
        ({"link": "javascript:alert(1)"}, "http:// oder https://"),
        ({"jahr": "nächstes"}, "Das Jahr muss eine Zahl"),
        ({"titel": "A/B"}, "keine Schrägstriche"),
        ({"langtext": "x" * 50_001}, "höchstens 50.000 Zeichen"),
    ],
)
def test_bad_input_gets_a_german_message_and_nothing_is_stored(as_registered, wiki, changes, field_message):
    titel = "Fehlertest " + next(iter(changes))  # one title per case, the same in every run
    data = {**proposal(titel), **changes, "csrf_token": token(as_registered)}
    response = as_registered.post("/+gaa/werkzeug/neu", data=data)
    body = text(response)
    assert response.status_code == 400
    assert field_message in body and "Bitte prüfen Sie Ihre Angaben" in body
    assert tool_meta(wiki, "Werkzeugkiste/" + changes.get("titel", titel)) is None
    assert "Ein Werkzeug für den Test." in body  # what the user typed is kept


def test_a_duplicate_title_is_refused(as_registered, wiki):
    put_tool(wiki, "Werkzeugkiste/Schon da", "Schon da", "Doppelt")
    response = as_registered.post("/+gaa/werkzeug/neu", data={**proposal("Schon da"), "csrf_token": token(as_registered)})
    assert response.status_code == 400 and "gibt es schon" in text(response)
    assert tool_meta(wiki, "Werkzeugkiste/Schon da")["gaa_fields"]["kurzbeschreibung"] == "Kurz: Doppelt"


def test_editing_keeps_the_workflow_and_detects_conflicts(as_registered, wiki):
    put_tool(wiki, "Werkzeugkiste/Bearbeitbar", "Bearbeitbar", "Bearbeitung", status="hervorgehoben")
    form = text(as_registered.get("/+gaa/werkzeug/bearbeiten/Bearbeitbar"))
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    assert "Ausführlich über Bearbeitung." in form and "&lt;&lt;ToolCard&gt;&gt;" not in form
    data = {**proposal("Bearbeitbar", kurzbeschreibung="Neu beschrieben"), "revid": revid, "csrf_token": token(as_registered)}
    assert as_registered.post("/+gaa/werkzeug/bearbeiten/Bearbeitbar", data=data).status_code == 302
    fields = tool_meta(wiki, "Werkzeugkiste/Bearbeitbar")["gaa_fields"]
    assert fields["kurzbeschreibung"] == "Neu beschrieben" and fields["status"] == "hervorgehoben"
    # the same form again, now based on an old revision: refused, nothing lost
    data["kurzbeschreibung"] = "Überschreibt fremde Änderung"
    response = as_registered.post("/+gaa/werkzeug/bearbeiten/Bearbeitbar", data=data)
    assert response.status_code == 400 and "inzwischen geändert" in text(response)
    assert tool_meta(wiki, "Werkzeugkiste/Bearbeitbar")["gaa_fields"]["kurzbeschreibung"] == "Neu beschrieben"


def test_matrix_counts_gaps_and_highlights(client, wiki):
    put_tool(wiki, "Werkzeugkiste/Zebrafink A", "Zebrafink A", "Zebrafink", status="hervorgehoben")
    put_tool(wiki, "Werkzeugkiste/Zebrafink B", "Zebrafink B", "Zebrafink", phases=("kita", "grundschule"))
    put_tool(wiki, "Werkzeugkiste/Zebrafink C", "Zebrafink C", "Zebrafink", status="vorgeschlagen")
    body = text(client.get("/Matrix?q=Zebrafink"))
    assert "2 Werkzeuge, 40 Lücken" in body
    cell = re.search(r'lebensphase=kita&amp;empfehlung=beteiligung&amp;q=Zebrafink#werkzeugliste"><span class="gaa-count">([^<]+)', body)
    assert cell.group(1) == "2 Werkzeuge"
    assert "<li>★ Zebrafink A</li>" in body
    assert "/+gaa/werkzeug/neu?lebensphase=geburt&amp;empfehlung=beteiligung" in body  # a gap links to a proposal
    listing = text(client.get("/Matrix?q=Zebrafink&lebensphase=kita&empfehlung=beteiligung"))
    assert listing.index("Zebrafink A") < listing.index("Zebrafink B")  # highlighted first
    assert "2 Werkzeuge: Beteiligung" in listing


def test_export_is_exactly_the_filtered_set(client, wiki):
    put_tool(wiki, "Werkzeugkiste/Exportwal 1", "Exportwal 1", "Exportwal", art="video", land="hb", jahr=2015)
    put_tool(wiki, "Werkzeugkiste/Exportwal 2", "Exportwal 2", "Exportwal", art="video", jahr=2021)
    put_tool(wiki, "Werkzeugkiste/Exportwal 3", "Exportwal 3", "Exportwal", art="vorlage", jahr=2021)
    assert csv_titles(client, "q=Exportwal") == ["Exportwal 1", "Exportwal 2", "Exportwal 3"]
    assert csv_titles(client, "q=Exportwal&art=video") == ["Exportwal 1", "Exportwal 2"]
    assert csv_titles(client, "q=Exportwal&art=video&land=hb") == ["Exportwal 1"]
    assert csv_titles(client, "q=Exportwal&jahr_von=2020") == ["Exportwal 2", "Exportwal 3"]
    data = client.get("/+gaa/export/werkzeugkiste.json?q=Exportwal&art=vorlage").get_json()
    assert [row["titel"] for row in data] == ["Exportwal 3"] and data[0]["art"] == "Vorlage"
    assert data[0]["seite"] == "http://localhost:8080/Werkzeugkiste/Exportwal%203"
    assert client.get("/+gaa/export/werkzeugkiste.csv?art=podcast").status_code == 400


def test_spreadsheet_formulas_in_fields_are_defused(client, wiki):
    put_tool(wiki, "Werkzeugkiste/Formelwal", "Formelwal", "Formelwal", quelle="=HYPERLINK(\"http://böse\")")
    body = text(client.get("/+gaa/export/werkzeugkiste.csv?q=Formelwal"))
    assert "\"'=HYPERLINK(" in body and ";=HYPERLINK" not in body


def test_a_tool_in_a_private_group_space_never_reaches_outsiders(client, wiki):
    with acting_as(wiki, ADMIN):
        save_page("Gruppen/Tresor", "privat", acl="Moderatoren:read,write,create All:")
    # directly below the group page: moin's hierarchic ACLs only follow parents that exist as items
    put_tool(wiki, "Gruppen/Tresor/Geheimwerkzeug", "Geheimwerkzeug", "Tresorwort")
    for person in (None, REGISTERED):
        if person:
            login(client, person)
        assert "Geheimwerkzeug" not in text(client.get("/Matrix?q=Tresorwort"))
        assert "0 Werkzeuge, 42 Lücken" in text(client.get("/Matrix?q=Tresorwort"))
        assert csv_titles(client, "q=Tresorwort") == []
        assert "Geheimwerkzeug" not in text(client.get("/+gaa/records.json?q=Tresorwort"))
        assert "Geheimwerkzeug" not in text(client.get("/+search?q=Tresorwort"))
    login(client, MODERATOR)
    assert csv_titles(client, "q=Tresorwort") == ["Geheimwerkzeug"]


def test_script_in_fields_is_shown_as_text(client, wiki):
    put_tool(wiki, "Werkzeugkiste/Skriptwal", "Skriptwal", "<script>alert('x')</script> Skriptwal")
    for path in ("/Werkzeugkiste/Skriptwal", "/Matrix?q=Skriptwal&lebensphase=kita&empfehlung=beteiligung"):
        body = text(client.get(path))
        assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body


def test_matrix_and_toolbox_macros_refuse_bad_arguments(wiki, client):
    with acting_as(wiki, REGISTERED):
        save_page(
            "Makrotest Werkzeuge",
            "<<LifePhaseMatrix(zeile=alles)>>\n\n<<ToolBox(limit=viele)>>\n\n<<ToolBox(farbe=rot)>>\n\nDanach.\n",
        )
    body = text(client.get("/Makrotest Werkzeuge"))
    assert "„alles“ ist kein gültiger Wert für „zeile“" in body
    assert "„limit“ muss eine Zahl zwischen 1 und 100 sein" in body
    assert "unbekannter Parameter „farbe“" in body
    assert "Danach." in body


def test_a_matrix_slice_and_an_empty_toolbox(wiki, client):
    put_tool(wiki, "Werkzeugkiste/Scheibenwal", "Scheibenwal", "Scheibenwal", phases=("geburt",), recs=("ehrenamt",))
    with acting_as(wiki, REGISTERED):
        save_page(
            "Makrotest Scheibe",
            "<<LifePhaseMatrix(zeile=ehrenamt, spalte=geburt, filter=nein)>>\n\n<<ToolBox(lebensphase=geburt, empfehlung=ehrenamt, art=website)>>\n",
        )
    body = text(client.get("/Makrotest Scheibe"))
    assert body.count('scope="row"') == 1 and body.count('<th scope="col">') == 2
    assert "gaa-matrix-filters" not in body
    assert "Hier gibt es noch keine passenden Werkzeuge." in body


def test_a_file_is_attached_below_the_tool(as_registered, wiki):
    from io import BytesIO

    data = {**proposal("Mit Anhang"), "csrf_token": token(as_registered)}
    data["datei_upload"] = (BytesIO(b"%PDF-1.4 Test"), "../../Leit faden<script>.PDF")
    response = as_registered.post("/+gaa/werkzeug/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    fields = tool_meta(wiki, "Werkzeugkiste/Mit Anhang")["gaa_fields"]
    assert fields["datei"] == "Werkzeugkiste/Mit Anhang/Leit faden_script_.pdf"
    attachment = tool_meta(wiki, fields["datei"])
    assert attachment["contenttype"] == "application/pdf"
    card = text(as_registered.get("/Werkzeugkiste/Mit Anhang"))
    assert "herunterladen" in card and "Leit faden_script_.pdf" in card


def test_the_download_is_named_after_the_file(as_registered, wiki):
    """Not after the whole item path („Werkzeugkiste_Mit Download_Leitfaden.pdf“)."""
    from io import BytesIO

    data = {**proposal("Mit Download"), "csrf_token": token(as_registered)}
    data["datei_upload"] = (BytesIO(b"%PDF-1.4 Test"), "Leitfaden Ü.pdf")
    assert as_registered.post("/+gaa/werkzeug/neu", data=data, content_type="multipart/form-data").status_code == 302
    for view in ("+download", "+get"):
        path = f"/{view}/Werkzeugkiste/Mit Download/Leitfaden Ü.pdf"
        response = as_registered.get(path)
        assert response.status_code == 200 and response.data == b"%PDF-1.4 Test"
        assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''Leitfaden%20%C3%9C.pdf", path


@pytest.mark.parametrize(
    "upload, message",
    [
        ((b"MZ...", "programm.exe"), "„.exe“ sind nicht erlaubt"),
        ((b"", "leer.pdf"), "Die Datei ist leer."),
        (("Gemüse".encode("latin-1"), "alt.txt"), "UTF-8"),
    ],
)
def test_a_bad_upload_stores_nothing(as_registered, wiki, upload, message):
    from io import BytesIO

    titel = "Anhangfehler " + upload[1]
    data = {**proposal(titel.replace(".", " ")), "csrf_token": token(as_registered)}
    data["datei_upload"] = (BytesIO(upload[0]), upload[1])
    response = as_registered.post("/+gaa/werkzeug/neu", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and message in text(response)
    assert tool_meta(wiki, "Werkzeugkiste/" + titel.replace(".", " ")) is None


def test_a_tool_with_an_unreachable_link_still_renders(client, wiki):
    put_tool(wiki, "Werkzeugkiste/Toter Link", "Toter Link", "Linkwal", link="https://nicht-erreichbar.invalid/x")
    body = text(client.get("/Werkzeugkiste/Toter Link"))
    assert 'href="https://nicht-erreichbar.invalid/x"' in body and 'rel="nofollow noopener"' in body


def test_two_tools_with_the_same_text_show_their_own_cards(client, wiki):
    """Regression: moin caches the page DOM by content hash, page URL included."""
    put_tool(wiki, "Werkzeugkiste/Zwilling Eins", "Zwilling Eins", "Zwilling", art="video")
    with acting_as(wiki, ADMIN):
        save_page(
            "Werkzeugkiste/Zwilling Zwei",
            page_text("Ausführlich über Zwilling."),
            gaa_type="werkzeug",
            gaa_fields={
                "titel": "Zwilling Zwei",
                "kurzbeschreibung": "Der zweite",
                "lebensphasen": ["kita"],
                "empfehlungen": ["beteiligung"],
                "art": "vorlage",
                "status": "geprueft",
            },
        )
    assert "<dd>Video</dd>" in text(client.get("/Werkzeugkiste/Zwilling Eins"))
    second = text(client.get("/Werkzeugkiste/Zwilling Zwei"))
    assert "<dd>Vorlage</dd>" in second and "Der zweite" in second


def test_the_kommune_comes_from_the_partnerverzeichnis(as_registered, wiki):
    from test_profiles import put_profile

    put_profile(wiki, "Kommunenwahl Stadt", land="sn")
    form = text(as_registered.get("/+gaa/werkzeug/neu"))
    assert 'list="kommunen-liste"' in form and '<option value="Kommunenwahl Stadt">' in form
    response = as_registered.post("/+gaa/werkzeug/neu", data={
        **proposal("Mit erfundener Kommune", kommune="Kommunenwahl Stat"), "csrf_token": token(as_registered)})
    assert response.status_code == 400
    assert "„Kommunenwahl Stat“ steht nicht im Partnerverzeichnis" in text(response)
    assert tool_meta(wiki, "Werkzeugkiste/Mit erfundener Kommune") is None
    for titel, kommune in (("Mit echter Kommune", "Kommunenwahl Stadt"), ("Ohne Kommune", "")):
        data = {**proposal(titel, kommune=kommune), "csrf_token": token(as_registered)}
        assert as_registered.post("/+gaa/werkzeug/neu", data=data).status_code == 302
        assert tool_meta(wiki, "Werkzeugkiste/" + titel)["gaa_fields"]["kommune"] == kommune
    # a Kommune stored before (no profile of that name) may stay when the tool is edited, but not be typed anew
    put_tool(wiki, "Werkzeugkiste/Alte Kommune", "Alte Kommune", "Altkommune", kommune="Bezirk Irgendwo")
    form = text(as_registered.get("/+gaa/werkzeug/bearbeiten/Alte Kommune"))
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    data = {**proposal("Alte Kommune", kommune="Bezirk Irgendwo"), "revid": revid, "csrf_token": token(as_registered)}
    assert as_registered.post("/+gaa/werkzeug/bearbeiten/Alte Kommune", data=data).status_code == 302
    form = text(as_registered.get("/+gaa/werkzeug/bearbeiten/Alte Kommune"))
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    data.update(kommune="Bezirk Anderswo", revid=revid)
    response = as_registered.post("/+gaa/werkzeug/bearbeiten/Alte Kommune", data=data)
    assert response.status_code == 400 and "„Bezirk Anderswo“ steht nicht im Partnerverzeichnis" in text(response)


def pending_files(wiki):
    import os

    folder = os.path.join(wiki.cfg.instance_dir, "uploads-pending")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_a_chosen_file_stays_when_the_form_comes_back(as_registered, wiki):
    from io import BytesIO

    data = {**proposal(""), "csrf_token": token(as_registered)}  # no title: the form comes back
    data["datei_upload"] = (BytesIO(b"%PDF-1.4 Bleibt"), "Bleibt.pdf")
    response = as_registered.post("/+gaa/werkzeug/neu", data=data, content_type="multipart/form-data")
    body = text(response)
    assert response.status_code == 400 and "Bitte einen Titel angeben." in body
    assert "Gewählte Datei: Bleibt.pdf" in body and "müssen sie nicht erneut auswählen" in body
    reference = re.search(r'name="datei_vorgemerkt" value="([^"]+)"', body).group(1)
    kept = pending_files(wiki)
    assert len(kept) >= 2
    # someone else cannot take it: the reference is bound to the person
    login(as_registered, MODERATOR)
    other = {**proposal("Fremde Datei"), "datei_vorgemerkt": reference, "csrf_token": token(as_registered)}
    response = as_registered.post("/+gaa/werkzeug/neu", data=other)
    assert response.status_code == 400 and "Bitte wählen Sie die Datei erneut aus." in text(response)
    assert tool_meta(wiki, "Werkzeugkiste/Fremde Datei") is None
    # the proposer sends the form again without choosing the file: it is saved with the tool
    login(as_registered, REGISTERED)
    again = {**proposal("Datei bleibt"), "datei_vorgemerkt": reference, "csrf_token": token(as_registered)}
    assert as_registered.post("/+gaa/werkzeug/neu", data=again).status_code == 302
    fields = tool_meta(wiki, "Werkzeugkiste/Datei bleibt")["gaa_fields"]
    assert fields["datei"] == "Werkzeugkiste/Datei bleibt/Bleibt.pdf"
    assert as_registered.get("/+download/" + fields["datei"]).data == b"%PDF-1.4 Bleibt"
    assert len(set(kept) - set(pending_files(wiki))) == 2  # the kept file and its note: removed after saving
    # a reference serves the field it was made for: a kept PDF never becomes a profile's logo
    data = {**proposal(""), "csrf_token": token(as_registered)}
    data["datei_upload"] = (BytesIO(b"%PDF-1.4 Kein Logo"), "KeinLogo.pdf")
    body = text(as_registered.post("/+gaa/werkzeug/neu", data=data, content_type="multipart/form-data"))
    pdf = re.search(r'name="datei_vorgemerkt" value="([^"]+)"', body).group(1)
    login(as_registered, MODERATOR)
    body = text(as_registered.post("/+gaa/kommune/neu", data={"logo_vorgemerkt": pdf, "zeile": "kontakte-neu",
                                                              "csrf_token": token(as_registered, "/+gaa/kommune/neu")}))
    assert "Bitte wählen Sie die Datei erneut aus." in body and "KeinLogo.pdf" not in body
    forged = {**proposal("Gefälschte Datei"), "datei_vorgemerkt": reference[:-2] + "xx",
              "csrf_token": token(as_registered)}
    response = as_registered.post("/+gaa/werkzeug/neu", data=forged)
    assert response.status_code == 400 and "Bitte wählen Sie die Datei erneut aus." in text(response)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def queue_entry(client, titel):
    """The review queue's entry of ``titel`` (its list item's HTML)."""
    queue = text(client.get("/+gaa/werkzeugkiste/pruefen"))
    start = queue.index(f">{titel}</a></h2>")
    end = queue.find('<li class="gaa-queue-item">', start)
    return queue[start:end if end > 0 else None]


def test_the_review_queue_shows_what_the_moderation_decides_on(client, wiki):
    from io import BytesIO

    login(client, REGISTERED)
    data = {**proposal("Prüfwal", link="https://example.org/pruefwal", lebensphasen=["kita", "grundschule"]),
            "csrf_token": token(client)}
    data["datei_upload"] = (BytesIO(PNG), "Vorschau.png")
    assert client.post("/+gaa/werkzeug/neu", data=data, content_type="multipart/form-data").status_code == 302
    # the proposer changes the proposal: the moderation sees what changed since it came in
    form = text(client.get("/+gaa/werkzeug/bearbeiten/Prüfwal"))
    revid = re.search(r'name="revid" value="([0-9a-f]+)"', form).group(1)
    edit = {**proposal("Prüfwal", link="https://example.org/pruefwal", lebensphasen=["kita", "grundschule"],
                       kurzbeschreibung="Neu beschrieben", empfehlungen=["beteiligung", "ehrenamt"],
                       langtext="== Worum es geht ==\nTesttext.\nNeuer Absatz."),
            "revid": revid, "csrf_token": token(client)}
    assert client.post("/+gaa/werkzeug/bearbeiten/Prüfwal", data=edit).status_code == 302

    login(client, MODERATOR)
    entry = queue_entry(client, "Prüfwal")
    assert re.search(r"<dd>am \d\d\.\d\d\.\d{4}, \d\d:\d\d von Rita Registriert", entry)
    assert "<dt>Lebensphasen</dt><dd>Kita, Grundschule</dd>" in entry
    assert ("<dt>Handlungsempfehlungen</dt><dd>Beteiligung von Kindern, Jugendlichen und ihren Familien sicherstellen, "
            "Ehrenamtsstrukturen fördern</dd>") in entry
    assert 'href="https://example.org/pruefwal" rel="nofollow noopener"' in entry
    assert re.search(r'<img src="/\+get/Werkzeugkiste/Pr%C3%BCfwal/Vorschau\.png" alt="Vorschau: Vorschau\.png"', entry)
    assert "Änderungen seit dem Vorschlag am" in entry
    assert ('<th scope="row">Kurzbeschreibung</th><td><del>Ein Werkzeug für den Test.</del></td>'
            "<td><ins>Neu beschrieben</ins></td>") in entry
    assert ('<th scope="row">Handlungsempfehlungen</th><td>–</td><td><ins>Ehrenamtsstrukturen fördern</ins></td>'
            in entry)
    assert '<span class="gaa-diff-added">+ Neuer Absatz.</span>' in entry
    # „Ablehnen“ does not look like „Veröffentlichen“
    assert '<button type="submit" class="gaa-button">Veröffentlichen</button>' in entry
    assert '<button type="submit" class="gaa-button gaa-button-danger">Ablehnen</button>' in entry


def mail_with(mails, address, word, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in list(mails.messages):
            if address in message["X-Envelope-To"] and word in message["Subject"]:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no mail „{word}“ to {address}: {[m['Subject'] for m in mails.messages]}")


def test_a_rueckfrage_reaches_the_proposer(client, wiki, inbox):  # noqa: F811 – inbox is a fixture
    login(client, REGISTERED)
    data = {**proposal("Rückfragewal"), "csrf_token": token(client)}
    assert client.post("/+gaa/werkzeug/neu", data=data).status_code == 302
    question = {"aktion": "rueckfrage", "rueckfrage": "Welche Kitas machen mit?", "zurueck": "warteschlange"}
    # a practitioner cannot ask (nor decide)
    refused = client.post("/+gaa/werkzeug/status/Rückfragewal", data={**question, "csrf_token": page_token(client)})
    assert refused.status_code == 403
    assert tool_meta(wiki, "Werkzeugkiste/Rückfragewal")["gaa_fields"].get("rueckfrage", "") == ""

    login(client, MODERATOR)
    card = text(client.get("/Werkzeugkiste/Rückfragewal"))  # the card's moderation asks, too
    assert '<input name="aktion" type="hidden" value="rueckfrage">' in card and '<textarea id="gaa-rueckfrage"' in card
    assert '<button class="gaa-button gaa-button-danger" type="submit">Ablehnen</button>' in card
    entry = queue_entry(client, "Rückfragewal")
    assert '<label for="rueckfrage-' in entry and "Rückfrage an Rita Registriert" in entry
    assert client.post("/+gaa/werkzeug/status/Rückfragewal", data=question).status_code == 400  # no CSRF token
    response = client.post("/+gaa/werkzeug/status/Rückfragewal", data={**question, "csrf_token": page_token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/+gaa/werkzeugkiste/pruefen")
    told = text(client.get(response.headers["Location"]))
    assert "sieht sie auf der Seite des Werkzeugs und bekommt sie per E-Mail" in told
    fields = tool_meta(wiki, "Werkzeugkiste/Rückfragewal")["gaa_fields"]
    assert (fields["status"], fields["rueckfrage"], fields["rueckfrage_von"]) == (
        "vorgeschlagen", "Welche Kitas machen mit?", MODERATOR.name)
    assert "Offene Rückfrage" in queue_entry(client, "Rückfragewal")  # still in the queue, with the question

    mail = mail_with(inbox, REGISTERED.email, "Rückfrage zu Ihrem Vorschlag")
    assert mail["Subject"].endswith("Rückfrage zu Ihrem Vorschlag „Rückfragewal“")
    body = mail.get_body(("plain",)).get_content()
    assert "Welche Kitas machen mit?" in body and "/Werkzeugkiste/R%C3%BCckfragewal" in body

    login(client, REGISTERED)  # the proposer sees the question on the tool's page …
    page = text(client.get("/Werkzeugkiste/Rückfragewal"))
    assert "Rückfrage der Moderation" in page and "Welche Kitas machen mit?" in page
    logout(client)  # … others do not
    assert "Welche Kitas machen mit?" not in text(client.get("/Werkzeugkiste/Rückfragewal"))
