"""``partnerwiki gaa-digest`` as cron or a systemd timer runs it: a separate process on the instance, mail through a
real SMTP server (aiosmtpd) – a due digest goes out once, a second run the same day sends nothing."""

from __future__ import annotations

import os

from conftest import REGISTERED, acting_as, create_people, make_app, save_page
from mail_support import MAIL_FROM, smtp_server
from test_backup import cli

from moin_gaa.core.accounts import account
from moin_gaa.notifications.events import MENTION
from moin_gaa.notifications.store import NewNotification, notification_store

PAGE = "Digesttest/Sommerfest planen"


def test_a_due_digest_goes_out_once_and_a_second_run_sends_nothing(tmp_path, monkeypatch):
    app = make_app(str(tmp_path / "instance"))
    try:
        create_people(app)
        with acting_as(app, REGISTERED):
            save_page(PAGE, "Wer bringt was mit?")
            itemid = app.storage.get_item(name_exact=PAGE, namespace="").itemid
            person = account(REGISTERED.name).userid  # „täglich“: nobody chose otherwise
        notification_store(app).add([NewNotification(person, MENTION, itemid, PAGE, actor="Mona Moderatorin")])
    finally:
        app.deinit_backends()
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("PARTNERWIKI_SMTP", f"127.0.0.1:{port}")
        monkeypatch.setenv("PARTNERWIKI_MAIL_FROM", MAIL_FROM)
        first = cli(tmp_path / "instance", "gaa-digest")
        assert first.returncode == 0, first.stderr
        assert "Gesendet: 1 Zusammenfassungen von Benachrichtigungen" in first.stdout
        [mail] = inbox.wait_for(1)
        assert REGISTERED.email in mail["X-Envelope-To"] and "Ihre Benachrichtigungen" in mail["Subject"]
        text = mail.get_body(("plain",)).get_content()
        assert "Mona Moderatorin" in text and "Sommerfest planen" in text and "/+gaa/abbestellen/" in text

        second = cli(tmp_path / "instance", "gaa-digest")
        assert second.returncode == 0, second.stderr
        assert "Gesendet: 0 Zusammenfassungen von Benachrichtigungen" in second.stdout
        assert len(inbox.wait_for(2, seconds=1)) == 1
    assert os.path.exists(tmp_path / "instance" / "gaa-notifications.sqlite3")
