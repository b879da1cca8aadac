"""Posting and moderating under ``/+gaa/diskussion/…`` (forms live on the thread and area pages).

Each view: logged in, CSRF, the item readable (else 403/404), then the rule from
:mod:`moin_gaa.discussions.areas` – and only then a write, with :func:`~moin_gaa.core.items.workflow_rights`
because users cannot write discussion items with moin's editor.  A refused or invalid post
shows the form again with the German reason and the text kept; nothing is stored.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask import g as flaskg
from moin.items import Item
from moin.themes import render_template

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import (
    AccessDenied,
    AlreadyExists,
    EditConflict,
    current,
    save_item,
    save_record,
    workflow_rights,
)
from moin_gaa.core.text_input import normalise_name, text_problem, too_long
from moin_gaa.discussions.areas import ONLINE_ACL, Area, area_for, may_moderate, posting_refusal
from moin_gaa.discussions.groups import GROUP_TYPE, curators_acl
from moin_gaa.discussions.subscriptions import subscribe_below, unsubscribe_below
from moin_gaa.discussions.thread_index import posts_of, threads_of
from moin_gaa.discussions.threads import (
    AREA_TEXT,
    ONLINE_PREFIX,
    ONLINE_TYPE,
    POST_CONTENTTYPE,
    POST_TYPE,
    RESERVED_TITLES,
    THREAD_TYPE,
    DiscussionError,
    area_of_thread,
    area_pages,
    edited_post,
    may_edit,
    new_post,
    new_thread,
    online_discussion_from_input,
    post_from_fields,
    post_tree,
    thread_from_fields,
    thread_item_name,
)
from moin_gaa.notifications.mentions import mention_problem, with_mention
from moin_gaa.web import csrf
from moin_gaa.web.blueprint import gaa, login_first, message_page, render_form, stored_record_or_abort

THREAD_TEXT = "<<Discussion>>\n"
MAX_REASON = 300


def post_form(title: str, action: str, values: dict, errors: dict, *, status: int = 400, with_title: bool = False, revid: str = ""):
    return render_form("gaa/post_form.html", values, errors, title=title, action=action, revid=revid, status=status,
                       with_title=with_title)


def thread_posts(thread: str) -> list:
    """The readable posts of a thread (hidden ones only for the moderation, by their ACL)."""
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        return posts_of(reader, thread)


def _readable_area(name: str) -> Area:
    area = area_for(name)
    if area is None:
        abort(404)
    return area


@gaa.route("/diskussion/thema/<path:area_name>", methods=["POST"])
def new_thread_view(area_name: str):
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    area = _readable_area(area_name)
    action = url_for("gaa.new_thread_view", area_name=area.name)
    values = {k: request.form.get(k, "") for k in ("titel", "text", "erwaehnen")}
    if refusal := posting_refusal(area):
        return post_form("Neues Thema", action, values, {"_": refusal}, status=403, with_title=True)
    try:
        thread = new_thread(values["titel"], _with_chosen_mention(values), flaskg.user.name0)
        name = thread_item_name(area.name, thread.titel)
        if name.rsplit("/", 1)[1] in RESERVED_TITLES:
            raise DiscussionError({"titel": f"„{name.rsplit('/', 1)[1]}“ ist für die Auswertung reserviert."})
        with workflow_rights():
            save_record(name, THREAD_TEXT, record_type=THREAD_TYPE, fields=thread.fields(), summary=thread.titel,
                        comment="Thema eröffnet", new=True)
    except DiscussionError as e:
        return post_form("Neues Thema", action, values, e.errors, with_title=True)
    except AlreadyExists:
        return post_form("Neues Thema", action, values, {"titel": "Ein Thema mit diesem Titel gibt es hier schon."}, with_title=True)
    subscribe_below(name)  # the author hears about answers
    flash("Ihr Thema ist eröffnet.", "info")
    return redirect(url_for("frontend.show_item", item_name=name))


@gaa.route("/diskussion/antwort/<path:thread_name>", methods=["POST"])
def reply_view(thread_name: str):
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    meta, _text = stored_record_or_abort(thread_name, THREAD_TYPE)
    thread = thread_from_fields(meta["gaa_fields"])
    area = _readable_area(area_of_thread(thread_name))
    action = url_for("gaa.reply_view", thread_name=thread_name)
    values = {k: request.form.get(k, "") for k in ("text", "antwort_auf", "erwaehnen")}
    if refusal := posting_refusal(area, locked=thread.gesperrt):
        return post_form(f"Antwort: {thread.titel}", action, values, {"_": refusal}, status=403)
    try:
        target = values["antwort_auf"]
        known = [target] if target and "/" not in target and _readable(f"{thread_name}/{target}") else []
        post = new_post(_with_chosen_mention(values), flaskg.user.name0, target, known)
        with workflow_rights():
            save_record(f"{thread_name}/{post.id}", post.text, record_type=POST_TYPE, fields=post.fields(),
                        summary=post.text[:120], comment="Antwort", new=True, contenttype=POST_CONTENTTYPE)
    except DiscussionError as e:
        return post_form(f"Antwort: {thread.titel}", action, values, e.errors)
    return redirect(url_for("frontend.show_item", item_name=thread_name, beitrag=post.id) + f"#{post.id}")


def _with_chosen_mention(values: dict) -> str:
    """The text with the person chosen in „Person erwähnen“ in front, as ``@Vorname Nachname``."""
    if problem := mention_problem(values["erwaehnen"]):
        raise DiscussionError({"erwaehnen": problem})
    return with_mention(values["text"], values["erwaehnen"])


def _post_summary(fields) -> str:
    return str(fields.get("text") or "")[:120]


def _readable(name: str) -> bool:
    try:
        return current(name) is not None
    except AccessDenied:
        return False


@gaa.route("/diskussion/bearbeiten/<path:post_name>", methods=["GET", "POST"])
def edit_post_view(post_name: str):
    if (login := login_first()) is not None:
        return login
    meta, text = stored_record_or_abort(post_name, POST_TYPE)
    post = post_from_fields(meta["gaa_fields"])
    thread_name = area_of_thread(post_name)
    thread_meta, _ = stored_record_or_abort(thread_name, THREAD_TYPE)
    if not may_edit(post, flaskg.user.name0, locked=bool(thread_meta["gaa_fields"].get("gesperrt"))):
        return message_page("Beitrag bearbeiten", "Sie können nur eigene Beiträge bearbeiten, und nur in der ersten Stunde "
                            "nach dem Schreiben, solange das Thema nicht gesperrt ist.", 403,
                            back=url_for("frontend.show_item", item_name=thread_name))
    action = url_for("gaa.edit_post_view", post_name=post_name)
    if request.method == "GET":
        return post_form("Beitrag bearbeiten", action, {"text": post.text}, {}, status=200, revid=meta["revid"])
    csrf.require_csrf()
    values = {"text": request.form.get("text", "")}
    try:
        changed = edited_post(post, values["text"])
        edit = {key: getattr(changed, key) for key in ("text", "html", "bearbeitet")}  # the rest stays as stored
        with workflow_rights():
            save_record(post_name, changed.text, record_type=POST_TYPE, fields=edit, summary=_post_summary(edit),
                        summary_of=_post_summary, comment="Beitrag bearbeitet",
                        base_revid=request.form.get("revid") or None, contenttype=POST_CONTENTTYPE)
    except DiscussionError as e:
        return post_form("Beitrag bearbeiten", action, values, e.errors, revid=request.form.get("revid", ""))
    except EditConflict:
        conflict = ("Ihr Beitrag wurde inzwischen geändert (in einem anderen Fenster oder von der Moderation) – "
                    "Ihre Änderung ist noch nicht gespeichert. Ihr Text ist unten erhalten: laden Sie den Beitrag "
                    "neu und übernehmen Sie Ihre Änderung in die neue Fassung.")
        return post_form("Beitrag bearbeiten", action, values, {"_": conflict}, revid=request.form.get("revid", ""))
    return redirect(url_for("frontend.show_item", item_name=thread_name, beitrag=post.id) + f"#{post.id}")


@gaa.route("/diskussion/moderation/<path:name>", methods=["POST"])
def moderate_view(name: str):
    """verbergen/einblenden (posts), sperren/entsperren/verschieben (threads) – the area's moderation only."""
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    action = request.form.get("aktion", "")
    record_type = POST_TYPE if action in ("verbergen", "einblenden") else THREAD_TYPE
    meta, _text = stored_record_or_abort(name, record_type)
    thread_name = area_of_thread(name) if record_type == POST_TYPE else name
    area = _readable_area(area_of_thread(thread_name))
    if not may_moderate(area):
        abort(403)
    fields: dict = {}  # only what the action changes: the rest is kept as stored at the moment of the save
    back = url_for("frontend.show_item", item_name=thread_name)
    acl = None
    for key in ("grund", "ziel"):
        if problem := text_problem(request.form.get(key, "")) or too_long(request.form.get(key, ""), MAX_REASON):
            return message_page("Moderation", problem, 400, back)
    if action == "verbergen":
        reason = normalise_name(request.form.get("grund", ""))
        if not reason:
            return message_page("Beitrag ausblenden", "Bitte geben Sie einen Grund an – er ist nur für die Moderation sichtbar.", 400, back)
        fields.update(versteckt=True, grund=reason, versteckt_von=flaskg.user.name0)
        acl = curators_acl(area.curators)  # from now on nobody else can read it, anywhere
    elif action == "einblenden":
        fields.update(versteckt=False, grund="", versteckt_von="")
        acl = "None"  # moin: remove the item's own ACL, the area's applies again
    elif action in ("sperren", "entsperren"):
        fields["gesperrt"] = action == "sperren"
    elif action == "verschieben":
        return _move_thread(name, area, request.form.get("ziel", ""))
    else:
        abort(400)
    with workflow_rights():
        save_record(name, None, record_type=record_type, fields=fields, summary=None,
                    comment=f"Moderation: {action}", acl=acl, contenttype=meta.get("contenttype"))
    flash({"verbergen": "Der Beitrag ist ausgeblendet.", "einblenden": "Der Beitrag ist wieder sichtbar.",
           "sperren": "Das Thema ist gesperrt.", "entsperren": "Das Thema ist wieder offen."}[action], "info")
    return redirect(back)


def _move_thread(name: str, source: Area, target_name: str):
    target = area_for(target_name)
    back = url_for("frontend.show_item", item_name=name)
    if target is None or not may_moderate(target):
        return message_page("Thema verschieben", f"„{target_name}“ ist kein Diskussionsbereich, den Sie moderieren.", 400, back)
    new_name = f"{target.name}/{name.rsplit('/', 1)[1]}"
    if current(new_name) is not None:
        return message_page("Thema verschieben", "Dort gibt es schon ein Thema mit diesem Titel.", 400, back)
    with workflow_rights():
        Item.create(name).rename(new_name, comment=f"Verschoben aus {source.title}")  # moin renames the posts with it
    return redirect(url_for("frontend.show_item", item_name=new_name))


@gaa.route("/diskussion/abo/<path:name>", methods=["POST"])
def subscription_view(name: str):
    """Mail for everything new below a thread, an area or a whole group space (moin's subscriptions)."""
    if (login := login_first()) is not None:
        return login
    csrf.require_csrf()
    try:
        stored = current(name)
    except AccessDenied:
        stored = None  # not readable is the same as not there
    kind = stored[0].get("gaa_type") if stored else None
    if stored is None or (kind not in (THREAD_TYPE, ONLINE_TYPE, GROUP_TYPE) and area_for(name) is None):
        abort(404)
    if request.form.get("aktion") == "abbestellen":
        unsubscribe_below(name)
        flash("Sie erhalten keine E-Mails mehr zu neuen Beiträgen hier.", "info")
    else:
        subscribe_below(name)
        flash("Sie erhalten eine E-Mail, wenn hier etwas Neues geschrieben wird.", "info")
    return redirect(url_for("frontend.show_item", item_name=name))


@gaa.route("/diskussion/druck/<path:name>")
def print_view(name: str):
    """A whole area (or one thread) on one printable page: threads, posts nested, no forms."""
    try:
        stored = current(name)
    except AccessDenied:
        abort(403)
    if stored is None:
        abort(404)
    if stored[0].get("gaa_type") == THREAD_TYPE:
        threads = [(name, stored[0])]
        area = _readable_area(area_of_thread(name))
    else:
        area = _readable_area(name)
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            records = threads_of(reader, area.name)
        threads = [(r.name, current(r.name)[0]) for r in reversed(records)]
    printed = []
    for thread_name, meta in threads:
        thread = thread_from_fields(meta["gaa_fields"])
        posts = [post_from_fields(r.fields) for r in thread_posts(thread_name)]
        printed.append((thread_name, thread, post_tree(posts)))
    return render_template("gaa/discussion_print.html", title_name=f"Druckansicht: {area.title}", area=area, threads=printed,
                           moderator=may_moderate(area))


@gaa.route("/online-diskussion/neu", methods=["GET", "POST"])
def new_online_discussion():
    if (login := login_first()) is not None:
        return login
    if not is_moderator():
        abort(403)
    title, action = "Online-Diskussion anlegen", url_for("gaa.new_online_discussion")
    if request.method == "GET":
        return render_form("gaa/online_form.html", {}, {}, title=title, action=action)
    csrf.require_csrf()
    values = {k: request.form.get(k, "") for k in ("titel", "einleitung", "beginn", "ende", "termin")}
    try:
        online = online_discussion_from_input(values)
        name = ONLINE_PREFIX + online.titel.replace("/", "-")
        save_record(name, AREA_TEXT, record_type=ONLINE_TYPE, fields=online.fields(), summary=online.titel,
                    comment="Online-Diskussion angelegt", new=True, acl=ONLINE_ACL)
        for page_name, text in area_pages(name, online.titel):
            try:
                save_item(page_name, text, meta_updates={}, comment="Online-Diskussion angelegt", new=True)
            except AlreadyExists:
                pass  # prepared before (e.g. the Ergebnissicherung): it stays as it is
    except DiscussionError as e:
        return render_form("gaa/online_form.html", values, e.errors, title=title, action=action, status=400)
    except AlreadyExists:
        errors = {"titel": "Eine Online-Diskussion mit diesem Titel gibt es schon."}
        return render_form("gaa/online_form.html", values, errors, title=title, action=action, status=400)
    return redirect(url_for("frontend.show_item", item_name=name))
