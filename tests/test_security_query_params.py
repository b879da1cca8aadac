"""Hostile query strings on our macro pages: odd digits and absurd numbers give the first page, never an error."""

from __future__ import annotations

from urllib.parse import quote

import pytest

HOSTILE_PAGES = ["²", "١٢", "9" * 5000, "-1", "0x10", ""]


@pytest.mark.parametrize("value", HOSTILE_PAGES)
@pytest.mark.parametrize("path, landmark", [
    ("/Partnerverzeichnis", "gaa-directory"),
    ("/Online-Diskussionen/Wie gelingt Beteiligung von Familien?/Was tun, wenn niemand kommt?", "gaa-post"),
    ("/Online-Diskussionen/Wie gelingt Beteiligung von Familien?", "gaa-thread"),
])
def test_page_numbers_that_are_no_numbers_show_the_first_page(client, caplog, path, landmark, value):
    response = client.get(quote(path), query_string={"seite": value})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and landmark in body
    assert "Traceback" not in caplog.text and "ValueError" not in caplog.text
