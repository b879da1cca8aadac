"""Threads, posts and Online-Diskussionen (domain of issue 6).

Every thread and every post is its own wiki item, so concurrent posts never touch the same
item, edits keep moin's history and a private space's ACL covers them:

* an **area** is where threads live: ``Gruppen/<Gruppe>/Diskussion`` or an Online-Diskussion
  ``Online-Diskussionen/<Thema>``;
* a **thread** (``gaa_type = "thema"``) is ``<area>/<Titel>``, its opening post in its fields;
* a **post** (``gaa_type = "beitrag"``) is ``<thread>/<id>``; ``antwort_auf`` names the post it
  answers (empty: the thread), which gives the nesting.  Its item content is the Markdown
  source as plain text (moin shows it escaped, diffs it, searches it); the fields carry the
  rendered, cleaned HTML.

Users read these items but cannot write them with moin's editor (the areas' ACLs say so): our
views decide who may post, edit, hide, lock and move, and then write with moin's Item API.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from moin_gaa.core.field_errors import FieldErrors
from moin_gaa.core.text_input import clean_text, input_problems, normalise_name, text_problem
from moin_gaa.notifications.mentions import render_with_mentions

THREAD_TYPE = "thema"
POST_CONTENTTYPE = "text/plain;charset=utf-8"  # a post item's content: its Markdown source
POST_TYPE = "beitrag"
ONLINE_TYPE = "onlinediskussion"
ONLINE_PREFIX = "Online-Diskussionen/"
GROUP_AREA = "Diskussion"  # Gruppen/<Gruppe>/Diskussion
MAX_POST_CHARS = 20_000
MAX_TITLE_CHARS = 150
MAX_EVENT_NAME = 300  # an Online-Diskussion's event page
EDIT_WINDOW = timedelta(hours=1)
POSTS_PER_PAGE = 50
RESULTS_PAGE = "Ergebnissicherung"  # <area>/Ergebnissicherung: the moderation's versioned summary
SUMMARY_PAGE = "Auswertung"  # <area>/Auswertung: <<DiscussionSummary>> (its own page: the listing stays fast)
AREA_TEXT = "<<DiscussionSpace>>\n"
SUMMARY_TEXT = "<<DiscussionSummary>>\n"
RESERVED_TITLES = (RESULTS_PAGE, SUMMARY_PAGE)
PLAIN_MARKS = " .-?!"  # ASCII marks that start no moin wiki markup (see wiki_text)
PHASE_LABELS = {"angekuendigt": "angekündigt", "offen": "offen", "abgeschlossen": "abgeschlossen"}


class DiscussionError(FieldErrors):
    """A thread, post or Online-Diskussion that cannot be stored."""


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def check_body(text: Any, field_name: str = "text") -> str:
    """The Markdown source of a post, or DiscussionError: empty, or longer than MAX_POST_CHARS."""
    if problem := text_problem(text):
        raise DiscussionError({field_name: problem})
    body = clean_text(text).strip()
    if not body:
        raise DiscussionError({field_name: "Bitte schreiben Sie einen Text."})
    if len(body) > MAX_POST_CHARS:
        raise DiscussionError({field_name: f"Ein Beitrag hat höchstens {MAX_POST_CHARS:,} Zeichen; dieser hat {len(body):,}.".replace(",", ".")})
    return body


def check_title(text: Any) -> str:
    if problem := text_problem(text):
        raise DiscussionError({"titel": problem})
    title = normalise_name(text)[: MAX_TITLE_CHARS + 1]
    if len(title) < 3:
        raise DiscussionError({"titel": "Der Titel braucht mindestens 3 Zeichen."})
    if len(title) > MAX_TITLE_CHARS:
        raise DiscussionError({"titel": f"Der Titel hat höchstens {MAX_TITLE_CHARS} Zeichen."})
    return title


def thread_item_name(area: str, title: str) -> str:
    """``<area>/<Titel>``: „/“ would make a subpage, so it becomes „-“."""
    return f"{area}/{title.replace('/', '-')}"


def new_post_id(when: datetime | None = None) -> str:
    """Sortable by time and unique without coordination: ``B20261126T143000-3f9a1c``."""
    moment = (when or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
    return f"B{moment}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Thread:
    titel: str
    autor: str
    erstellt: str
    html: str
    text: str = ""  # the Markdown source (not in the catalog: lists need only the HTML)
    gesperrt: bool = False

    def fields(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Post:
    id: str
    autor: str
    erstellt: str
    html: str
    text: str = ""  # the Markdown source (not in the catalog: lists need only the HTML)
    antwort_auf: str = ""
    bearbeitet: str = ""
    versteckt: bool = False
    grund: str = ""

    def fields(self) -> dict[str, Any]:
        return asdict(self)


def new_thread(title: Any, body: Any, author: str) -> Thread:
    errors: dict[str, str] = {}
    try:
        title = check_title(title)
    except DiscussionError as e:
        errors.update(e.errors)
    try:
        body = check_body(body)
    except DiscussionError as e:
        errors.update(e.errors)
    if errors:
        raise DiscussionError(errors)
    return Thread(titel=title, autor=author, erstellt=now_utc(), text=body, html=render_with_mentions(body))


def new_post(body: Any, author: str, reply_to: str = "", known_posts: Iterable[str] = ()) -> Post:
    if problem := text_problem(reply_to):
        raise DiscussionError({"antwort_auf": problem})
    text = check_body(body)
    if reply_to and reply_to not in set(known_posts):
        raise DiscussionError({"antwort_auf": "Der Beitrag, auf den Sie antworten, gibt es in diesem Thema nicht."})
    created = datetime.now(timezone.utc)  # with microseconds: answers within one second keep their order
    return Post(id=new_post_id(created), autor=author, erstellt=created.isoformat(), text=text,
                html=render_with_mentions(text), antwort_auf=reply_to)


def edited_post(post: Post, body: Any) -> Post:
    text = check_body(body)
    return replace(post, text=text, html=render_with_mentions(text), bearbeitet=now_utc())


def post_from_fields(fields: Mapping[str, Any]) -> Post:
    return Post(**{k: fields[k] for k in Post.__dataclass_fields__ if k in fields})


def thread_from_fields(fields: Mapping[str, Any]) -> Thread:
    return Thread(**{k: fields[k] for k in Thread.__dataclass_fields__ if k in fields})


def may_edit(post: Post, user_name: str, *, locked: bool, at: datetime | None = None) -> bool:
    """Authors edit their own visible posts for EDIT_WINDOW after posting, unless the thread is locked."""
    moment = at or datetime.now(timezone.utc)
    return (post.autor == user_name and not post.versteckt and not locked
            and moment - datetime.fromisoformat(post.erstellt) <= EDIT_WINDOW)


@dataclass
class PostNode:
    post: Post
    replies: list["PostNode"] = field(default_factory=list)


def post_tree(posts: Iterable[Post]) -> list[PostNode]:
    """Posts nested by ``antwort_auf``, each level oldest first.

    A reply whose post the reader cannot see (hidden by the moderation, so not readable) is
    shown at the top level instead of being lost.
    """
    nodes = {p.id: PostNode(p) for p in sorted(posts, key=lambda p: (p.erstellt, p.id))}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.post.antwort_auf)
        (parent.replies if parent is not None else roots).append(node)
    return roots


def reading_order(tree: list[PostNode]) -> list[PostNode]:
    """All posts in the order a reader meets them: each post, then its answers (iterative: chains can be long)."""
    order, stack = [], list(reversed(tree))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(node.replies))
    return order


def post_page(tree: list[PostNode], page: int, size: int = POSTS_PER_PAGE) -> tuple[list[PostNode], int, int]:
    """The posts of one page (``size`` posts in reading order, nested among themselves), the page, the pages.

    An answer whose post is on an earlier page starts the page's list (and says whom it answers).
    """
    order = reading_order(tree)
    pages = max(1, -(-len(order) // size))
    page = min(max(page, 1), pages)
    chosen = order[(page - 1) * size: page * size]
    copies = {n.post.id: PostNode(n.post) for n in chosen}
    roots = []
    for n in chosen:
        parent = copies.get(n.post.antwort_auf)
        (parent.replies if parent is not None else roots).append(copies[n.post.id])
    return roots, page, pages


def page_with(tree: list[PostNode], post_id: str, size: int = POSTS_PER_PAGE) -> int:
    """The page on which ``post_id`` is shown (1 if it is not there)."""
    for index, node in enumerate(reading_order(tree)):
        if node.post.id == post_id:
            return index // size + 1
    return 1


@dataclass(frozen=True)
class OnlineDiscussion:
    """A public, moderated discussion with a topic, an introduction and opening and closing dates."""

    titel: str
    einleitung: str
    beginn: str  # ISO date: open from this day …
    ende: str  # … to this day (inclusive); afterwards read-only
    termin: str = ""  # the event page in the network calendar, if any

    def fields(self) -> dict[str, Any]:
        return asdict(self)

    def phase(self, today: date | None = None) -> str:
        day = today or date.today()
        if day < date.fromisoformat(self.beginn):
            return "angekuendigt"
        if day > date.fromisoformat(self.ende):
            return "abgeschlossen"
        return "offen"


def online_discussion_from_input(data: Mapping[str, Any]) -> OnlineDiscussion:
    from moin_gaa.calendars.events import parse_date  # the same German date parsing as the event form

    errors: dict[str, str] = {}
    try:
        title = check_title(data.get("titel"))
    except DiscussionError as e:
        errors.update(e.errors)
        title = ""
    days = {}
    for key in ("beginn", "ende"):
        try:
            days[key] = parse_date(" ".join(str(data.get(key) or "").split()))
        except ValueError as e:
            errors[key] = str(e)
    if len(days) == 2 and days["ende"] < days["beginn"]:
        errors["ende"] = "Das Ende liegt vor dem Beginn."
    intro = clean_text(data.get("einleitung")).strip()
    if not intro:
        errors["einleitung"] = "Bitte eine Einleitung schreiben: worum geht es, was soll herauskommen?"
    limits = {"einleitung": MAX_POST_CHARS, "termin": MAX_EVENT_NAME, "beginn": 20, "ende": 20}
    errors.update(input_problems(data, limits))  # control characters and lengths win over the other messages
    if errors:
        raise DiscussionError(errors)
    return OnlineDiscussion(titel=title, einleitung=intro, beginn=days["beginn"].isoformat(),
                            ende=days["ende"].isoformat(), termin=normalise_name(data.get("termin")))


def online_discussion_from_fields(fields: Mapping[str, Any]) -> OnlineDiscussion:
    return OnlineDiscussion(**{k: fields[k] for k in OnlineDiscussion.__dataclass_fields__ if k in fields})


def area_of_thread(thread_name: str) -> str:
    return thread_name.rsplit("/", 1)[0]


def wiki_text(text: str) -> str:
    """``text`` for generated moin wiki markup, shown exactly as typed: no link, macro, transclusion or formatting.

    moin's wiki markup has no escape character, but its parser (``moinwiki_in``'s ``inline_entity``)
    turns a character reference such as ``&#x5b;`` into the plain character.  Every ASCII mark becomes
    one – ``@`` too, or moin's editor would expand ``@ME@`` on the next save – except space, „.“, „-“,
    „?“ and „!“, which make no markup without the others; so letters, umlauts and ordinary sentences
    stay readable in the source the moderation edits.
    """
    return "".join(f"&#x{ord(c):x};" if c.isascii() and not c.isalnum() and c not in PLAIN_MARKS else c for c in text)


def results_template(title: str) -> str:
    """The first version of an „Ergebnissicherung“ page: the headings the moderation fills in."""
    return (f"= Ergebnissicherung: {wiki_text(title)} =\n\n== Beschlüsse und Ergebnisse ==\n\n * (noch offen)\n\n"
            "== Offene Fragen ==\n\n * (noch offen)\n\n== Anregungen für die Praxis ==\n\n * (noch offen)\n")


def area_pages(area: str, title: str) -> list[tuple[str, str]]:
    """(name, text) of the pages every area has below it: Ergebnissicherung and Auswertung."""
    return [(f"{area}/{RESULTS_PAGE}", results_template(title)), (f"{area}/{SUMMARY_PAGE}", SUMMARY_TEXT)]
