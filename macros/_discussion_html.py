"""HTML pieces shared by the discussion macros (Discussion, DiscussionSpace, DiscussionSummary)."""

from __future__ import annotations

from datetime import datetime

from flask import g as flaskg
from flask import url_for

from moin_gaa.core.accounts import active_accounts
from moin_gaa.core.german_dates import day_time
from moin_gaa.discussions.subscriptions import is_subscribed
from moin_gaa.discussions.summary import BERLIN
from moin_gaa.web.csrf import csrf_token

from ._html import E
from ._tools_html import item_url


def local_time(iso: str) -> str:
    """„26.11.2026, 14:30“ in German time."""
    try:
        return day_time(datetime.fromisoformat(iso).astimezone(BERLIN))
    except ValueError:
        return iso


def time_element(iso: str):
    return E("time", local_time(iso), datetime=iso)


def csrf_field():
    return E("input", type="hidden", name="csrf_token", value=csrf_token())


def post_form(action: str, label: str, submit: str, *, field_id: str, with_title: bool = False, hidden: dict | None = None):
    """A post form (Markdown text, optional title) – a plain POST form, no JavaScript needed."""
    hint_id = f"{field_id}-hinweis"
    return E(
        "form",
        csrf_field(),
        [E("input", type="hidden", name=k, value=v) for k, v in (hidden or {}).items()],
        E("div", E("label", "Titel des Themas", for_=f"{field_id}-titel"),
          E("input", id=f"{field_id}-titel", name="titel", maxlength="150", required=True), class_="gaa-field") if with_title else None,
        E("div", E("label", label, for_=field_id),
          E("p", "Formatierung: **fett**, *kursiv*, Listen mit „-“, Zitate mit „>“, Links als [Text](https://…) – ",
            E("a", "Hilfe", href=item_url("Hilfe/Beiträge formatieren")), class_="gaa-hint", id=hint_id),
          E("textarea", "", id=field_id, name="text", rows="6", required=True, aria_describedby=hint_id), class_="gaa-field"),
        mention_field(field_id),
        E("button", submit, type="submit", class_="gaa-button"),
        method="post", action=action, class_="gaa-post-form",
    )


def mention_field(field_id: str):
    """„Person erwähnen“: account names suggested by a ``<datalist>`` (no script); the view puts the choice in front."""
    field, hint = f"{field_id}-erwaehnen", f"{field_id}-erwaehnen-hinweis"
    return E(
        "div",
        E("label", "Person erwähnen (optional)", for_=field),
        E("p", "Beim Tippen schlägt das Wiki vorhandene Konten vor; die Person wird benachrichtigt. Im Text erwähnen "
               "Sie jemanden mit @Vorname Nachname.", class_="gaa-hint", id=hint),
        E("input", type="text", id=field, name="erwaehnen", list=f"{field}-konten", autocomplete="off",
          aria_describedby=hint),
        E("datalist", [E("option", value=person.name) for person in active_accounts() if flaskg.user.valid],
          id=f"{field}-konten"),
        class_="gaa-field",
    )


def subscription_form(name: str, what: str):
    """Subscribe to (or cancel) mail about everything new below ``name``."""
    if not flaskg.user.valid:
        return None
    subscribed = is_subscribed(name)
    return E(
        "form",
        csrf_field(),
        E("input", type="hidden", name="aktion", value="abbestellen" if subscribed else "abonnieren"),
        E("button", f"E-Mail-Benachrichtigung für {what} abbestellen" if subscribed else f"{what} abonnieren (E-Mail bei neuen Beiträgen)",
          type="submit", class_="gaa-button gaa-button-secondary"),
        method="post", action=url_for("gaa.subscription_view", name=name), class_="gaa-inline-form",
    )


def thread_list(threads, counts: dict[str, int], caption: str):
    """The threads of an area as a list (two elements a thread: 500 threads stay a light page)."""
    if not threads:
        return E("p", "Noch keine Themen – eröffnen Sie das erste.", class_="gaa-empty")
    items = []
    for t in threads:
        count = counts.get(t.itemid, 0)
        locked = " · gesperrt" if t.fields.get("gesperrt") else ""
        items.append(E("li", E("a", t.title, href=item_url(t.name)),
                       f" – {t.fields.get('autor', '')}, {local_time(str(t.fields.get('erstellt', '')))} · "
                       f"{count} {'Antwort' if count == 1 else 'Antworten'}{locked}"))
    return E("section", E("h3", caption), E("ul", items, class_="gaa-threads"), aria_label=caption)
