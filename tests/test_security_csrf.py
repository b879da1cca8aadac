"""Hostile-user tests, CSRF over HTTP: no state change without proof of same-origin intent (issue 10.2).

Every route that accepts an unsafe method – moin's and ours, enumerated from the app's URL map so
that none is forgotten – refuses a request without the session's token, and one whose ``Origin``
is ``null``, foreign or missing (without another same-origin proof), even when it carries a valid
token. moin's state-changing GET links only show a confirmation. The browser half is
``test_browser_security_csrf.py``.
"""

from __future__ import annotations

import pytest
from conftest import PASSWORD, REGISTERED, acting_as, login, page_token, save_page

from moin_gaa.web.csrf import BAD_TOKEN, FOREIGN_ORIGIN, LOGIN_IN_QUERY, inject_into_forms

SAMPLE_VALUES = {"item_name": "Startseite", "rev": "1", "namespace": "users", "user_name": REGISTERED.name,
                 "uid": "x", "group_name": "Moderatoren", "name": "alle", "filename": "x", "tag": "x"}


def unsafe_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every rule that accepts an unsafe method, with sample path values."""
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            values = {arg: SAMPLE_VALUES.get(arg, "x") for arg in rule.arguments}
            path = rule.build(values, append_unknown=False)[1]
            routes.append((method, path))
    return routes


def text(response) -> str:
    return response.get_data(as_text=True)


def test_every_unsafe_route_is_enumerated(wiki):
    paths = {path.split("/")[1] for _method, path in unsafe_routes(wiki)}
    # the ones the probe used, so that the enumeration itself cannot silently shrink
    for moin_form in ("+usersettings", "+modify", "+rename", "+delete", "+destroy", "+revert", "+jfu-server",
                      "+ajaxdelete", "+ajaxdestroy", "+ajaxmodify", "+subscribe", "+quicklink", "+logout", "+gaa"):
        assert moin_form in paths, moin_form


def test_without_the_token_every_unsafe_route_is_refused(wiki):
    client = wiki.test_client()
    login(client, REGISTERED)
    for method, path in unsafe_routes(wiki):
        response = client.open(path, method=method, data={"irgendwas": "1"})
        if path == "/+cspreport/log":  # browsers' CSP reports: logged only, no token possible
            continue
        assert response.status_code == 400 and BAD_TOKEN in text(response), (method, path, response.status_code)


@pytest.mark.parametrize("proof", [
    {"origin": "null"},
    {"origin": "http://localhost:8081"},  # same site, another port: the probe's attack
    {"origin": "https://boese.example"},
    {"origin": None},  # no header at all
    {"origin": None, "headers": {"Sec-Fetch-Site": "same-site"}},
    {"origin": None, "headers": {"Sec-Fetch-Site": "cross-site", "Referer": "http://localhost:8080/x"}},
    {"origin": None, "headers": {"Referer": "http://localhost:8081/angriff"}},
    {"origin": None, "headers": {"Referer": "http://localhost:8080.boese.example/"}},
])
def test_a_valid_token_without_same_origin_proof_is_refused(wiki, proof):
    client = wiki.test_client()
    login(client, REGISTERED)
    token = page_token(client)
    for method, path in unsafe_routes(wiki):
        if path == "/+cspreport/log":
            continue
        response = client.open(path, method=method, data={"csrf_token": token}, **proof)
        assert response.status_code == 403 and FOREIGN_ORIGIN in text(response), (method, path, response.status_code)


@pytest.mark.parametrize("proof", [
    {},  # Origin: ours
    {"origin": None, "headers": {"Sec-Fetch-Site": "same-origin"}},
    {"origin": None, "headers": {"Referer": "http://localhost:8080/+usersettings"}},
])
def test_the_settings_form_changes_the_e_mail_address_only_with_token_and_same_origin(wiki, proof):
    client = wiki.test_client()
    login(client, REGISTERED)
    form = {"part": "notification", "email": "neu@example.org"}
    assert client.post("/+usersettings", data=form, **proof).status_code == 400
    assert client.post("/+usersettings", data=form, origin="null").status_code == 403
    assert "neu@example.org" not in text(client.get("/+usersettings"))
    response = client.post("/+usersettings", data={**form, "csrf_token": page_token(client)}, **proof)
    assert response.status_code in (200, 302)
    assert 'value="neu@example.org"' in text(client.get("/+usersettings"))
    response = client.post("/+usersettings", data={**form, "email": REGISTERED.email,
                                                   "csrf_token": page_token(client)})
    assert response.status_code in (200, 302)


def test_moins_forms_carry_the_token(wiki):
    with acting_as(wiki, REGISTERED):
        save_page("Ritas Formularseite", "Eine freie Seite, die Rita umbenennen und löschen darf.")
    client = wiki.test_client()
    login(client, REGISTERED)
    token = page_token(client)
    for path in ("/+usersettings", "/+modify/Ritas Formularseite", "/+rename/Ritas Formularseite",
                 "/+delete/Ritas Formularseite"):
        page = text(client.get(path))
        forms = page.lower().count('method="post"')
        assert forms and page.count(f'name="csrf_token" value="{token}"') >= forms, path


def test_injection_adds_the_field_once_and_only_to_post_forms():
    html = ('<form method="get" action="/s"></form><FORM action="/a" METHOD=POST class="x"><input name="a"></FORM>'
            '<form method="post"><input type="hidden" name="csrf_token" value="alt"></form>')
    out = inject_into_forms(html, 't"<')
    assert out.count('name="csrf_token"') == 2
    assert '<FORM action="/a" METHOD=POST class="x"><input type="hidden" name="csrf_token" value="t&#34;&lt;">' in out
    assert '<form method="get" action="/s"></form>' in out


@pytest.mark.parametrize("link", ["/+subscribe/Startseite", "/+quicklink/Startseite", "/+bookmark", "/+logout"])
def test_state_changing_links_only_confirm_on_get(wiki, link):
    client = wiki.test_client()
    login(client, REGISTERED)
    before = text(client.get("/+usersettings"))
    page = client.get(link)
    assert page.status_code == 200 and 'method="post"' in text(page) and "csrf_token" in text(page)
    assert text(client.get("/+usersettings")) == before  # still logged in, nothing changed


def test_subscribe_and_quicklink_act_on_post_with_the_token(wiki):
    client = wiki.test_client()
    login(client, REGISTERED)
    with acting_as(wiki, REGISTERED):
        save_page("CSRF-Testseite", "Eine Seite zum Abonnieren.")
    assert client.post("/+subscribe/CSRF-Testseite", data={"csrf_token": page_token(client)}).status_code == 302
    assert client.post("/+quicklink/CSRF-Testseite", data={"csrf_token": page_token(client)}).status_code == 302
    from moin import user as moin_user

    with acting_as(wiki, REGISTERED):
        person = moin_user.User(auth_username=REGISTERED.name, auth_method="moin")
        assert any("CSRF-Testseite" in link for link in person.quicklinks)
        assert person.subscriptions
    assert client.post("/+logout", data={"csrf_token": page_token(client)}).status_code == 302
    assert REGISTERED.name not in text(client.get("/Startseite"))


def test_login_and_logout_are_not_taken_from_a_query_string(wiki):
    client = wiki.test_client()
    response = client.get(f"/Startseite?login_submit=1&login_username={REGISTERED.name}&login_password={PASSWORD}")
    assert response.status_code == 400 and LOGIN_IN_QUERY in text(response)
    assert REGISTERED.name not in text(client.get("/Startseite"))
    login(client, REGISTERED)
    assert REGISTERED.name in text(client.get("/Startseite"))
    assert client.get("/Startseite?logout_submit=1").status_code == 400
    assert REGISTERED.name in text(client.get("/Startseite"))


def test_security_headers_on_moins_pages_and_ours(wiki):
    client = wiki.test_client()
    for path in ("/Startseite", "/+gaa/vocabulary.json", "/+search?q=Kita", "/+gaa/calendar/alle.ics"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"], path
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Content-Security-Policy-Report-Only" not in headers  # moin's own, noisier policy is off


def test_behind_an_https_proxy_the_public_origin_is_ours(empty_wiki):
    from moin_gaa.web.security_headers import trust_one_proxy

    trust_one_proxy(empty_wiki)
    client = empty_wiki.test_client()
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "partnerwiki.example.org"}
    token = page_token(client, "/+login")
    data = {"login_username": "niemand", "login_password": "x", "login_submit": "1", "csrf_token": token}
    public = client.post("/+login", data=data, headers=proxy, origin="https://partnerwiki.example.org")
    assert public.status_code == 200  # reached moin's login (which refuses the unknown account)
    plain = client.post("/+login", data=data, headers=proxy, origin="http://partnerwiki.example.org")
    assert plain.status_code == 403
