"""HTML pieces shared by the discussion macros (Discussion, DiscussionSpace, DiscussionSummary)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import g as flaskg
from flask import request, url_for

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


def thread_list(threads, counts: dict[str, int], caption: str, marks: dict | None = None,
                empty: str = "Noch keine Themen – eröffnen Sie das erste."):
    """The threads of an area as a list (two elements a thread: 500 threads stay a light page); ``marks`` (item id →
    :class:`~moin_gaa.notifications.unread.Mark`) mark what is new to the viewer and link to its first new post."""
    if not threads:
        return E("p", empty, class_="gaa-empty")
    items = []
    for t in threads:
        count = counts.get(t.itemid, 0)
        locked = " · gesperrt" if t.fields.get("gesperrt") else ""
        mark = (marks or {}).get(t.itemid)
        href = item_url(t.name)
        if mark is not None and mark.first:
            href += f"?beitrag={quote(mark.first)}#{quote(mark.first)}"
        items.append(E("li", unread_label(mark), E("a", t.title, href=href),
                       f" – {t.fields.get('autor', '')}, {local_time(str(t.fields.get('erstellt', '')))} · "
                       f"{count} {'Antwort' if count == 1 else 'Antworten'}{locked}",
                       class_="gaa-thread-unread" if mark is not None and mark.any else None))
    return E("section", E("h3", caption), E("ul", items, class_="gaa-threads"), aria_label=caption)


def unread_label(mark):
    """„neu“ (a thread never opened) or „3 neue Beiträge“ in front of a thread's title; None when all is read."""
    if mark is None or not mark.any:
        return None
    text = "neu" if mark.new else f"{mark.unread} {'neuer Beitrag' if mark.unread == 1 else 'neue Beiträge'}"
    return [E("span", text, class_="gaa-new-mark"), " "]


def unread_filter(only_unread: bool):
    """„nur ungelesene“ for a thread list: a GET form (``?ungelesen=1``) that works without JavaScript."""
    if not flaskg.user.valid:
        return None
    return E("form",
             E("input", type="checkbox", id="nur-ungelesene", name="ungelesen", value="1", checked=only_unread),
             " ", E("label", "nur ungelesene Themen", for_="nur-ungelesene"), " ",
             E("button", "Anzeigen", type="submit", class_="gaa-button gaa-button-secondary"),
             method="get", action=request.path, class_="gaa-inline-form gaa-unread-filter", role="search",
             aria_label="Themen filtern")
