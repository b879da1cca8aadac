"""Discussion – a thread on its page (``<area>/<Titel>``): the opening post, the nested answers,
the answer form, and for the moderation hide / lock / move.

Answering a particular post is a link (``?antwort=<id>#antworten``) that fills in the one form at
the end, so a thread of 1,000 posts carries one form, and everything works without JavaScript.

Usage:
    <<Discussion>>
"""

from __future__ import annotations

from urllib.parse import quote

from flask import g as flaskg
from flask import request, url_for
from moin.macros._base import MacroBlockBase, fail_message

from moin_gaa.core.access import ReadRights, is_moderator
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.items import current
from moin_gaa.discussions.areas import area_for, may_moderate, posting_refusal
from moin_gaa.discussions.thread_index import thread_skeleton
from moin_gaa.discussions.threads import (
    THREAD_TYPE,
    Post,
    area_of_thread,
    may_edit,
    page_with,
    post_from_fields,
    post_page,
    post_tree,
    reading_order,
    thread_from_fields,
)
from moin_gaa.notifications.unread import ThreadVisit

from ._args import current_item_name
from ._discussion_html import csrf_field, local_time, post_form, subscription_form, time_element
from ._html import E, from_clean_html, pager, requested_page
from ._tools_html import item_url

MAX_DEPTH = 6  # deeper answers are shown at this depth, in order


class ThreadView:
    """Renders one thread for the current user (links are built once, not per post)."""

    def __init__(self, name: str, thread, area, posts, load_bodies, visit: ThreadVisit) -> None:
        """``posts`` are all readable posts without bodies; ``load_bodies(ids)`` gives the full posts of a page;
        ``visit`` the viewer's unread posts (without another choice the page of the first of them is shown)."""
        self.name, self.thread, self.area, self.visit = name, thread, area, visit
        self.user = flaskg.user.name0 if flaskg.user.valid else ""
        self.moderator = area is not None and may_moderate(area)
        self.page = item_url(name)
        self.edit_prefix = url_for("gaa.edit_post_view", post_name=name + "/x")[:-1]
        self.moderate_prefix = url_for("gaa.moderate_view", name=name + "/x")[:-1]
        self.history_prefix = url_for("frontend.history", item_name=name + "/x")[:-1]
        self.hide_target = request.args.get("ausblenden", "")
        wanted = (request.args.get("beitrag") or request.args.get("antwort") or self.hide_target
                  or ("" if "seite" in request.args else visit.first))
        requested = requested_page()
        self.tree = post_tree(posts)
        self.roots, self.page_number, self.pages = post_page(self.tree, page_with(self.tree, wanted) if wanted else requested)
        shown = reading_order(self.roots)
        self.shown_ids = [node.post.id for node in shown]
        full = load_bodies([n.post.id for n in shown])
        for node in shown:
            node.post = full.get(node.post.id, node.post)
        self.here = f"{self.page}?seite={self.page_number}&" if self.pages > 1 else f"{self.page}?"
        self.refusal = posting_refusal(area, locked=thread.gesperrt) if area else "Dieser Bereich ist nicht lesbar."
        self.by_id = {p.id: p for p in posts}

    def post(self, node, depth: int) -> list:
        """The ``<li>`` of a post with its answers nested – from MAX_DEPTH on, the rest of the branch flat."""
        if depth >= MAX_DEPTH:
            items, stack = [], [node]
            while stack:  # no recursion: a chain of answers can be long
                current_node = stack.pop()
                items.append(E("li", self._parts(current_node.post, answer_note=True), class_=self._post_class(current_node.post),
                               id=current_node.post.id))
                stack.extend(reversed(current_node.replies))
            return items
        replies = [item for r in node.replies for item in self.post(r, depth + 1)]
        return [E("li", self._parts(node.post, answer_note=depth == 1), E("ol", replies, class_="gaa-replies") if replies else None,
                  class_=self._post_class(node.post), id=node.post.id)]

    def _post_class(self, post) -> str:
        return "gaa-post gaa-post-unread" if post.id in self.visit.unread else "gaa-post"

    def _parts(self, post, *, answer_note: bool) -> list:
        """Meta line, body, actions – few elements per post, so a thread of 1,000 posts stays a light page."""
        quoted = quote(post.id)
        actions = []
        if self.refusal is None:
            actions.append(E("a", "Antworten", href=f"{self.here}antwort={quoted}#antworten"))
        if may_edit(post, self.user, locked=self.thread.gesperrt):
            actions.append(E("a", "Bearbeiten", href=self.edit_prefix + quoted))
        if self.moderator:
            if post.versteckt:
                actions.append(self._moderation_button(post.id, "einblenden", "Wieder einblenden"))
            else:
                actions.append(E("a", "Ausblenden …", href=f"{self.here}ausblenden={quoted}#{quoted}"))
        answer_to = self.by_id.get(post.antwort_auf) if answer_note else None  # its post is not just above
        meta = E(
            "p",
            E("span", "neu", class_="gaa-new-mark") if post.id in self.visit.unread else None,
            E("strong", post.autor), " · ", local_time(post.erstellt),
            [" · ", E("a", "bearbeitet", href=self.history_prefix + quoted, title="Versionen dieses Beitrags")] if post.bearbeitet else None,
            f" · Antwort an {answer_to.autor}" if answer_to is not None else None,
            class_="gaa-post-meta",
        )
        hidden_note = None
        if post.versteckt:
            hidden_note = E("p", f"Von der Moderation ausgeblendet ({post.grund}) – nur für die Moderation sichtbar.", class_="gaa-hidden-post")
        hide_form = None
        if self.moderator and self.hide_target == post.id and not post.versteckt:
            hide_form = E("form", csrf_field(), E("input", type="hidden", name="aktion", value="verbergen"),
                          E("label", "Grund (nur für die Moderation sichtbar)", for_=f"{post.id}-grund"),
                          E("input", id=f"{post.id}-grund", name="grund", required=True, size="40"),
                          E("button", "Beitrag ausblenden", type="submit", class_="gaa-button"),
                          method="post", action=self.moderate_prefix + quoted, class_="gaa-inline-form")
        return [meta, hidden_note, from_clean_html(post.html),
                E("p", [[a, " · "] for a in actions[:-1]], actions[-1:], class_="gaa-post-actions") if actions else None, hide_form]

    def _moderation_button(self, target: str, action: str, label: str):
        return E("form", csrf_field(), E("input", type="hidden", name="aktion", value=action),
                 E("button", label, type="submit", class_="gaa-button gaa-button-secondary"),
                 method="post", action=self.moderate_prefix + quote(target), class_="gaa-inline-form")

    def moderation_panel(self):
        if not self.moderator:
            return None
        lock = "entsperren" if self.thread.gesperrt else "sperren"
        thread_action = url_for("gaa.moderate_view", name=self.name)
        targets = movable_areas(exclude=self.area.name)
        move = E("form", csrf_field(), E("input", type="hidden", name="aktion", value="verschieben"),
                 E("label", "Verschieben nach", for_="thema-ziel"),
                 E("select", [E("option", title, value=name) for name, title in targets], id="thema-ziel", name="ziel"),
                 E("button", "Verschieben", type="submit", class_="gaa-button gaa-button-secondary"),
                 method="post", action=thread_action, class_="gaa-inline-form") if targets else None
        return E("div", E("form", csrf_field(), E("input", type="hidden", name="aktion", value=lock),
                          E("button", "Thema entsperren" if self.thread.gesperrt else "Thema sperren", type="submit", class_="gaa-button"),
                          method="post", action=thread_action, class_="gaa-inline-form"),
                 move, class_="gaa-moderation", role="group", aria_label="Moderation")

    def answer_form(self):
        refusal = self.refusal
        if refusal:
            login = None if flaskg.user.valid else E("a", "Anmelden", href=url_for("frontend.login", nexturl=request.full_path))
            return E("section", E("h2", "Antworten"), E("p", refusal, " ", login, class_="gaa-messages"), id="antworten")
        target = self.by_id.get(request.args.get("antwort", ""))
        label = f"Ihre Antwort an {target.autor}" if target else "Ihre Antwort"
        hidden = {"antwort_auf": target.id} if target else {}
        return E("section", E("h2", label),
                 E("p", E("a", "Antwort an das ganze Thema statt an diesen Beitrag", href=self.page + "#antworten")) if target else None,
                 post_form(url_for("gaa.reply_view", thread_name=self.name), label, "Antwort senden", field_id="antwort-text",
                           hidden=hidden),
                 id="antworten")

    def unread_note(self):
        """„3 neue Beiträge seit Ihrem letzten Besuch“ with a link to the first (its page, its anchor)."""
        count, first = len(self.visit.unread), self.visit.first
        if not count:
            return None
        return E("p", f"{count} neue Beiträge seit Ihrem letzten Besuch – " if count != 1 else
                 "1 neuer Beitrag seit Ihrem letzten Besuch – ",
                 E("a", "zum ersten neuen Beitrag", href=f"{self.page}?beitrag={quote(first)}#{quote(first)}"),
                 class_="gaa-unread-note")

    def render(self):
        t = self.thread
        count = len(self.by_id)
        header = E(  # a <div>: a <header> outside <article>/<section> would be a second banner landmark
            "div",
            E("h1", t.titel),
            E("p", "Thema in ", E("a", self.area.title, href=item_url(self.area.space)) if self.area else "?",
              " · eröffnet von ", E("strong", t.autor), " am ", time_element(t.erstellt),
              E("strong", " · gesperrt", class_="gaa-badge") if t.gesperrt else None, class_="gaa-post-meta"),
            self.unread_note(),
            E("p", subscription_form(self.name, "dieses Thema"), " ",
              E("a", "Druckansicht", href=url_for("gaa.print_view", name=self.name)), class_="gaa-actions"),
            self.moderation_panel(),
            class_="gaa-thread-head",
        )
        opening = E("article", E("div", from_clean_html(t.html), class_="gaa-post-body"), class_="gaa-opening", aria_label="Eröffnungsbeitrag")
        pages = pager(self.page_number, self.pages, lambda n: f"{self.page}?seite={n}", "Seiten der Antworten")
        answers = E("section", E("h2", f"{count} Antworten" if count != 1 else "1 Antwort"), pages,
                    E("ol", [item for node in self.roots for item in self.post(node, 1)], class_="gaa-posts") if count else
                    E("p", "Noch keine Antworten.", class_="gaa-empty"),
                    pages, aria_label="Antworten")
        return E("div", header, opening, answers, self.answer_form(), class_="gaa-discussion")


def movable_areas(exclude: str) -> list[tuple[str, str]]:
    """(area, title) the current user moderates, for „Verschieben nach“."""
    from whoosh.query import Or, Term

    from moin_gaa.discussions.groups import GROUP_TYPE
    from moin_gaa.discussions.threads import GROUP_AREA, ONLINE_TYPE

    with partnerwiki().catalog.reader(ReadRights()) as reader:
        records = reader.records(reader.docs(Or([Term("record_type", GROUP_TYPE), Term("record_type", ONLINE_TYPE)])))
    moderator = is_moderator()
    found = []
    for r in records:
        if r.record_type == GROUP_TYPE:
            if moderator or flaskg.user.name0 in (r.fields.get("moderatoren") or ()):
                found.append((f"{r.name}/{GROUP_AREA}", f"Gesprächsraum {r.title}"))
        elif moderator:
            found.append((r.name, f"Online-Diskussion {r.title}"))
    return sorted(item for item in found if item[0] != exclude)


class Macro(MacroBlockBase):
    def macro(self, content, arguments, page_url, alternative):
        name = current_item_name(page_url)
        stored = current(name)
        if stored is None or stored[0].get("gaa_type") != THREAD_TYPE:
            return fail_message("Discussion gehört auf die Seite eines Themas.", alternative)
        thread = thread_from_fields(stored[0]["gaa_fields"])
        area = area_for(area_of_thread(name))
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            keys = thread_skeleton(reader, name)
            docnum = {k.id: k.docnum for k in keys}
            stubs = [Post(id=k.id, autor=k.autor, erstellt=k.erstellt, html="", antwort_auf=k.antwort_auf) for k in keys]

            def load_bodies(ids):
                return {p.id: p for p in (post_from_fields(r.fields) for r in reader.records([docnum[i] for i in ids]))}

            visit = ThreadVisit(stored[0]["itemid"], thread.erstellt, keys)
            view = ThreadView(name, thread, area, stubs, load_bodies, visit)
            visit.shown(reader, view.shown_ids)  # a GET marks read: only the viewer's own view state (see unread.py)
            return view.render()
