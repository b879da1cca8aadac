"""Subscribers' mails in German and without internals, in place of moin's notification mails.

moin 2.0.0b5 (``moin.utils.notifications``) mails every subscriber the editor's IP address and user
id, the item's ids and its whole metadata diff (ACLs, our record fields such as a hidden post's
reason) – and puts all subscribers' addresses into one ``To:`` header. :func:`install` disconnects
moin's receiver from ``item_modified`` and connects :func:`send_notifications` instead:

* the same subscribers (moin's ``get_subscribers``: each one's read right on the changed item is
  checked, the editor gets nothing);
* one mail per subscriber (nobody sees another's address), all in one SMTP session;
* German text from ``themes/partnerwiki/templates/mail/``: what changed (new page, changed,
  deleted, new post in a thread …), where (title and name), who (the editor's display name), a link
  to the item, how to unsubscribe (the place the subscriber subscribed to, and the settings);
* the change of the item's content – whoever may read the item may read every revision of it – but
  never metadata: no IP address, no ids, no ACL, no field dump.

A failing mail is logged and never fails the save that triggered it.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid
from typing import Any, Iterable, Mapping
from urllib.parse import urljoin, urlsplit

from flask import current_app, url_for
from flask import g as flaskg
from flask_theme import render_theme_template
from moin.constants.keys import (
    ACTION_CONVERT,
    ACTION_COPY,
    ACTION_RENAME,
    ACTION_REVERT,
    ACTION_SAVE,
    ACTION_TRASH,
    CONTENTTYPE,
    ITEMID,
    NAME,
    NAME_OLD,
    NAMESPACE,
)
from moin.signalling import item_modified
from moin.utils import notifications as moin_notifications
from moin.utils.notifications import DESTROY_ALL, DESTROY_REV
from moin.utils.subscriptions import Subscriber, get_subscribers

from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE

log = logging.getLogger(__name__)

THEME = "partnerwiki"  # our templates live in this theme, whichever theme the editor chose for themselves
TEXT_TEMPLATE = "mail/partnerwiki_notification.txt"
HTML_TEMPLATE = "mail/partnerwiki_notification.html"
SMTP_TIMEOUT = 20.0
MAX_LINES = 80  # of a change shown in the mail; the link leads to the rest
MAX_LINE_CHARS = 400
MAX_NAME_CHARS = 80
# Python's email folding of long non-ASCII headers drops the space between encoded words („Elternabend
# planen“ arrived as „Elternabendplanen“); our subjects are short, so headers are not folded at all
MAIL_POLICY = default_policy.clone(max_line_length=998)
# moin's SAVE, told apart as moin's own mails do: the first revision of an item, or a later one
CREATED, CHANGED = "CREATE", "MODIFY"

# what an item is, with its article (sentences start with it); plain pages are „Die Seite“
KINDS = {
    "werkzeug": "Das Werkzeug",
    "kommune": "Das Kommunenprofil",
    "termin": "Der Termin",
    "gruppe": "Der Gesprächsraum",
    "thema": "Das Thema",
    "beitrag": "Der Beitrag",
    "onlinediskussion": "Die Online-Diskussion",
}
PAGE_KIND = "Die Seite"
VERBS = {
    CREATED: "angelegt",
    CHANGED: "geändert",
    ACTION_RENAME: "umbenannt",
    ACTION_COPY: "als Kopie angelegt",
    ACTION_CONVERT: "in ein anderes Format umgewandelt",
    ACTION_REVERT: "auf eine frühere Version zurückgesetzt",
    ACTION_TRASH: "gelöscht",
    DESTROY_REV: "um eine Version gekürzt (endgültig entfernt)",
    DESTROY_ALL: "endgültig entfernt",
}
GONE = (ACTION_TRASH, DESTROY_ALL)
THREAD_TYPE, POST_TYPE = "thema", "beitrag"  # moin_gaa.discussions.threads (not imported: it pulls in the sanitiser)


def install() -> None:
    """Replace moin's notification receiver by ours (idempotent)."""
    item_modified.disconnect(moin_notifications.send_notifications)
    item_modified.connect(send_notifications, weak=False)


@dataclass
class Change:
    """What a subscriber is told about one change – nothing in here is internal."""

    action: str
    name: str  # the item's name (after a rename: the new one)
    title: str  # what people call it: a record's title, else the name
    kind: str  # „Die Seite“, „Der Beitrag“ …
    record_type: str
    editor: str
    subject: str = ""
    sentence: str = ""
    comment: str = ""
    old_name: str = ""
    content_heading: str = ""
    content: list[str] = field(default_factory=list)
    content_is_diff: bool = False
    link: str = ""  # absolute
    link_label: str = ""


@dataclass(frozen=True)
class Unsubscribe:
    """How one subscriber ends these mails."""

    reason: str
    steps: tuple[tuple[str, str], ...]  # (German instruction, absolute URL)
    settings_url: str


def send_notifications(sender, fqname=None, action=None, data=None, meta=None, new_data=None, new_meta=None, **kwargs):
    """``item_modified`` receiver: our mails to every subscriber who may read the item."""
    app = current_app
    if "gaa" not in app.extensions:  # a plain moin app in the same process keeps moin's mails
        return moin_notifications.send_notifications(sender, fqname=fqname, action=action, data=data, meta=meta,
                                                     new_data=new_data, new_meta=new_meta, **kwargs)
    cfg = app.cfg
    if not cfg.mail_enabled or not cfg.mail_from:
        return None
    try:
        current = new_meta if new_meta is not None else meta
        if current is None:
            return None
        editor_id = getattr(flaskg.user, "itemid", None)
        subscribers = [s for s in get_subscribers(**current) if s.itemid != editor_id]
        if not subscribers:
            return None
        change = describe(str(action), meta, new_meta, data, new_data)
        if change is None:
            return None
        messages = [message_for(change, s, current) for s in sorted(subscribers, key=lambda s: s.email)]
        deliver(messages)
    except Exception:  # noqa: BLE001 – a mail must never fail the save
        log.exception("PartnerWiki: notification mail for %s (%s) failed", fqname, action)
    return None


# -- what happened ---------------------------------------------------------------------------


def clean_line(text: Any, limit: int = MAX_NAME_CHARS) -> str:
    """One line of user-controlled text for a sentence or a header: no controls, no line breaks, bounded."""
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def editor_name() -> str:
    """The acting user as others see them: the display name, else the login name."""
    user = getattr(flaskg, "user", None)
    if user is None or not user.valid:
        return "ein nicht angemeldeter Besucher"
    return clean_line(user.display_name or user.name0) or "ein Mitglied"


def first_name(meta: Mapping[str, Any] | None) -> str:
    if meta is None:  # moin's Meta objects are falsy (no __len__ of their own): never test them with `not`
        return ""
    names = meta.get(NAME) or meta.get(NAME_OLD) or []
    if isinstance(names, str):
        names = [names]
    name = names[0] if names else ""
    namespace = meta.get(NAMESPACE) or ""
    return f"{namespace}/{name}" if namespace and name else name


def record_title(meta: Mapping[str, Any], name: str) -> str:
    fields = meta.get(RECORD_FIELDS)
    if isinstance(fields, Mapping) and meta.get(RECORD_TYPE):
        title = fields.get("titel") or fields.get("name")
        if title:
            return clean_line(title, 150)
    return clean_line(name, 200)


def describe(action: str, meta, new_meta, data, new_data) -> Change | None:
    """The change in German; None for changes nobody needs a mail about."""
    current = new_meta if new_meta is not None else meta
    if action == str(ACTION_SAVE):
        action = CREATED if meta is None else CHANGED
    record_type = str(current.get(RECORD_TYPE) or "")
    if record_type == POST_TYPE and action == ACTION_RENAME:
        return None  # posts move with their thread: the thread's own mail says so
    name = first_name(new_meta) or first_name(meta)
    if not name:
        return None
    change = Change(action=action, name=name, title=record_title(current, name),
                    kind=KINDS.get(record_type, PAGE_KIND), record_type=record_type, editor=editor_name())
    if meta is not None and new_meta is not None and first_name(meta) != name:
        change.old_name = clean_line(first_name(meta), 200)
    if not record_type:  # records carry our fixed comments („Antwort“ …); a page's comment is its editor's
        change.comment = clean_line(current.get("comment"), 500)
    wiki = clean_line(current_app.cfg.interwikiname or current_app.cfg.sitename, 60)
    if record_type == POST_TYPE:
        describe_post(change, wiki, new_data)
    else:
        describe_item(change, wiki, meta, new_meta, data, new_data)
    return change


def describe_post(change: Change, wiki: str, new_data) -> None:
    thread_name = change.name.rsplit("/", 1)[0]
    thread_title = clean_line(thread_name.rsplit("/", 1)[-1], 150)
    post_id = change.name.rsplit("/", 1)[-1]
    if change.action == CREATED:
        change.subject = f"[{wiki}] Neuer Beitrag im Thema „{thread_title}“"
        change.sentence = f"Neuer Beitrag von {change.editor} im Thema „{thread_title}“."
        change.content_heading = "Der Beitrag"
        change.content = text_lines(read_text(new_data))
    elif change.action in GONE:
        change.subject = f"[{wiki}] Ein Beitrag im Thema „{thread_title}“ wurde {VERBS[change.action]}"
        change.sentence = f"Ein Beitrag im Thema „{thread_title}“ wurde von {change.editor} {VERBS[change.action]}."
    else:
        change.subject = f"[{wiki}] Ein Beitrag im Thema „{thread_title}“ wurde geändert"
        change.sentence = f"{change.editor} hat einen Beitrag im Thema „{thread_title}“ geändert."
    if change.action not in GONE:
        change.link = absolute(url_for("frontend.show_item", item_name=thread_name, beitrag=post_id) + f"#{post_id}")
    else:
        change.link = absolute(url_for("frontend.show_item", item_name=thread_name))
    change.link_label = "Zum Thema"


def describe_item(change: Change, wiki: str, meta, new_meta, data, new_data) -> None:
    verb = VERBS.get(change.action, "geändert")
    if change.action == ACTION_RENAME and change.old_name:
        change.sentence = (f"{change.kind} „{change.old_name}“ wurde von {change.editor} "
                           f"in „{change.title}“ umbenannt.")
    elif change.action == CREATED and change.record_type == THREAD_TYPE:
        area = clean_line(change.name.rsplit("/", 1)[0], 200)
        change.sentence = f"Neues Thema „{change.title}“ von {change.editor} in „{area}“."
    else:
        change.sentence = f"{change.kind} „{change.title}“ wurde von {change.editor} {verb}."
    if change.action == CREATED and change.record_type == THREAD_TYPE:
        change.subject = f"[{wiki}] Neues Thema „{change.title}“"
    else:
        change.subject = f"[{wiki}] „{change.title}“ wurde {verb}"
    if change.action in GONE or change.action == DESTROY_REV:
        parent = change.name.rsplit("/", 1)[0] if "/" in change.name else ""
        change.link = absolute(url_for("frontend.show_item", item_name=parent) if parent else "/")
        change.link_label = "Zur übergeordneten Seite" if parent else "Zum Wiki"
        return
    change.link = absolute(url_for("frontend.show_item", item_name=change.name))
    change.link_label = "Zur Seite"
    if change.record_type == THREAD_TYPE and change.action == CREATED:
        fields = new_meta.get(RECORD_FIELDS) or {}
        change.content_heading = "Der erste Beitrag"
        change.content = text_lines(str(fields.get("text") or "") if isinstance(fields, Mapping) else "")
    elif change.action == CREATED and not change.record_type:
        change.content_heading = "Der Text"
        change.content = text_lines(content_text(new_meta, new_data))
    elif change.action in (CHANGED, ACTION_REVERT, ACTION_CONVERT) and not change.record_type:
        change.content_heading = "Die Änderung"
        change.content = diff_lines(meta, data, new_meta, new_data)
        change.content_is_diff = True


# -- content: the item's text, never its metadata ---------------------------------------------


def read_text(stream) -> str:
    """The whole text of a revision's data stream, left at its start for the next receiver."""
    if stream is None:
        return ""
    try:
        stream.seek(0)
        raw = stream.read()
        stream.seek(0)
    except (OSError, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def is_text(meta: Mapping[str, Any] | None) -> bool:
    return meta is not None and str(meta.get(CONTENTTYPE, "")).startswith("text/")


def content_text(meta, data) -> str:
    return read_text(data) if is_text(meta) else ""


def text_lines(text: str) -> list[str]:
    if not text.strip():
        return []
    return bounded([clean_text_line(line) for line in text.replace("\r\n", "\n").strip("\n").split("\n")])


def clean_text_line(line: str) -> str:
    line = "".join(c for c in line if c == "\t" or unicodedata.category(c) not in ("Cc", "Cf"))
    return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"


def bounded(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return lines[:MAX_LINES] + [f"… ({len(lines) - MAX_LINES} weitere Zeilen – der Link zeigt alles)"]


def diff_lines(meta, data, new_meta, new_data) -> list[str]:
    """moin's text diff of the content (lines ``+ …``, ``- …``, ``@@ …``), or nothing for binary content."""
    if not (is_text(meta) and is_text(new_meta)):
        return []
    from moin.utils.diff_text import diff

    old, new = read_text(data), read_text(new_data)
    lines = diff(old.replace("\r\n", "\n").splitlines(), new.replace("\r\n", "\n").splitlines())
    return bounded([clean_text_line(line) for line in lines if not line.startswith("?")])


# -- per subscriber ---------------------------------------------------------------------------


def absolute(path: str) -> str:
    """An absolute address on the wiki's configured base URL (never the request's Host header)."""
    return urljoin(base_url(), path)


def base_url() -> str:
    cfg = current_app.cfg
    return cfg.interwiki_map.get(cfg.interwikiname) or "/"


def below_pattern(name: str) -> str:
    """The pattern our „abonnieren“ buttons store for all below ``name`` (as moin_gaa.discussions.views.below)."""
    return "^" + re.escape(name + "/")


def unsubscribe_for(subscriber: Subscriber, change: Change, item_meta: Mapping[str, Any]) -> Unsubscribe:
    """Where this subscriber subscribed (the item itself, a thread or space above it, a pattern) and how to stop."""
    from moin.user import User

    subscriptions = list(User(uid=subscriber.itemid).subscriptions or [])
    settings = absolute(url_for("frontend.usersettings") + "#subscriptions")
    steps: list[tuple[str, str]] = []
    places: list[str] = []
    if f"{ITEMID}:{item_meta.get(ITEMID)}" in subscriptions and change.action not in GONE:
        places.append(f"„{change.title}“")
        toggle = absolute(url_for("frontend.subscribe_item", item_name=change.name))
        steps.append(("Abbestellen (Sie bestätigen es auf der Seite, die der Link öffnet): ", toggle))
    parts = change.name.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        above = "/".join(parts[:depth])
        if any(s.startswith("namere:") and s.split(":", 2)[-1] == below_pattern(above) for s in subscriptions):
            what = subscribed_what(above, change)
            places.append(f"alles Neue in „{clean_line(above.rsplit('/', 1)[-1], 150)}“")
            button = f"E-Mail-Benachrichtigung für {what} abbestellen"
            steps.append((f"Auf der Seite „{clean_line(above, 200)}“ die Schaltfläche „{button}“ wählen: ",
                          absolute(url_for("frontend.show_item", item_name=above))))
    reason = ("Sie erhalten diese E-Mail, weil Sie " + " und ".join(places) + " abonniert haben." if places else
              "Sie erhalten diese E-Mail, weil ein Abonnement in Ihren Einstellungen zu dieser Seite passt.")
    return Unsubscribe(reason=reason, steps=tuple(steps), settings_url=settings)


def subscribed_what(above: str, change: Change) -> str:
    if change.record_type == POST_TYPE and change.name.rsplit("/", 1)[0] == above:
        return "dieses Thema"
    if above.startswith("Gruppen/") and above.count("/") == 1:
        return "den ganzen Gesprächsraum"
    return "diesen Bereich"


def message_for(change: Change, subscriber: Subscriber, item_meta: Mapping[str, Any]) -> EmailMessage:
    cfg = current_app.cfg
    unsubscribe = unsubscribe_for(subscriber, change, item_meta)
    context = dict(change=change, unsubscribe=unsubscribe, wiki_name=clean_line(cfg.sitename or cfg.interwikiname, 120))
    message = EmailMessage(policy=MAIL_POLICY)
    message.set_content(render_theme_template(THEME, TEXT_TEMPLATE, **context))
    message.add_alternative(render_theme_template(THEME, HTML_TEMPLATE, **context), subtype="html")
    message["From"] = cfg.mail_from
    message["To"] = subscriber.email
    message["Subject"] = clean_line(change.subject, 200)
    message["Date"] = formatdate(localtime=True)
    # moin's make_msgid() would name the server's own host; the wiki's public host is enough
    message["Message-ID"] = make_msgid(domain=urlsplit(base_url()).hostname or "partnerwiki.invalid")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834
    message["List-Unsubscribe"] = f"<{unsubscribe.settings_url}>"
    return message


# -- delivery ---------------------------------------------------------------------------------


def deliver(messages: Iterable[EmailMessage]) -> None:
    """Send ``messages`` over one SMTP session on moin's mail settings (``mail_smarthost`` …)."""
    messages = list(messages)
    if not messages:
        return
    cfg = current_app.cfg
    host, port_text = (cfg.mail_smarthost + ":25").split(":")[:2]
    port = int(port_text)
    context = ssl.create_default_context()
    if port == 465:
        server: smtplib.SMTP = smtplib.SMTP_SSL(host=host, port=port, timeout=SMTP_TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(host=host, port=port, timeout=SMTP_TIMEOUT)
    try:
        server.ehlo()
        if port != 465 and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
        if cfg.mail_username and cfg.mail_password:
            server.login(cfg.mail_username, cfg.mail_password)
        for message in messages:
            try:
                server.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                log.warning("PartnerWiki: mail server refused a subscriber's address")
    finally:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            pass


install()  # on import, like the catalog's receiver in .signals (moin_gaa.web.factory.init_app imports us)
