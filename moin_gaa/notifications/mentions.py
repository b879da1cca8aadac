"""@mentions: ``@Vorname Nachname`` of an existing account in a thread's or post's text.

Only account names count (the longest run of up to four words after the „@“ that names an account), so
„@alle“ or an e-mail address mention nobody.  The shown post links each mention to the person page
``/users/<Name>``; the post form suggests account names (a ``<datalist>``, no script) in its field „Person
erwähnen“, whose choice is put in front of the text.  Who is told: :mod:`moin_gaa.notifications.events`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import escape

from moin_gaa.core.accounts import account, account_problem
from moin_gaa.core.sanitize import render_post
from moin_gaa.core.text_input import normalise_name

MENTION_START = re.compile(r"(?<![\w@])@(?=\w)")
MENTION_WORDS = re.compile(r"[\w.'-]+(?:[ \t]+[\w.'-]+){0,3}")  # a name of up to four words follows the „@“
MAX_MENTIONS = 20  # per text: more „@“ are read as text
MAX_NAME = 200
TAG = re.compile(r"(<[^>]*>)")


def mentioned(text: str) -> list[str]:
    """The existing accounts named as ``@Vorname Nachname`` in ``text``, in order, each once.

    Trailing punctuation is left out: „@Rita Registriert, danke“ mentions „Rita Registriert“.
    """
    names: list[str] = []
    for start in list(MENTION_START.finditer(text or ""))[:MAX_MENTIONS]:
        words = MENTION_WORDS.match(text, start.end()).group(0).split()
        for length in range(len(words), 0, -1):
            candidate = " ".join(words[:length]).rstrip(".,;:!?'-")
            if candidate and account(candidate) is not None:
                if candidate not in names:
                    names.append(candidate)
                break
    return names


def person_url(name: str) -> str:
    return "/users/" + quote(name)


def link_mentions(html: str, text: str) -> str:
    """``html`` (a post rendered from ``text``) with each mention linked to the person page – in running text
    only, never inside a link, code or a tag."""
    names = mentioned(text)
    if not names:
        return html
    pattern = re.compile("(?<![\\w@])@(" + "|".join(re.escape(str(escape(n))) for n in sorted(names, key=len, reverse=True))
                         + ")(?![\\w])")
    parts, inside = TAG.split(html), 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            tag = re.match(r"<(/?)(a|code|pre)\b", part)
            inside += 0 if tag is None else (-1 if tag.group(1) else 1)
        elif not inside:
            parts[index] = pattern.sub(lambda m: f'<a href="{person_url(str(m.group(1)))}">@{m.group(1)}</a>', part)
    return "".join(parts)


def render_with_mentions(text: str) -> str:
    """A post's Markdown source → clean HTML (:func:`~moin_gaa.core.sanitize.render_post`), mentions linked."""
    return link_mentions(render_post(text), text)


def mention_problem(chosen: str) -> str | None:
    """None if ``chosen`` (the form's „Person erwähnen“) is empty or an account, else the German reason."""
    name = normalise_name(chosen)
    if len(name) > MAX_NAME:
        return "Bitte wählen Sie eine Person aus der Liste der Konten."
    return account_problem(name) if name else None


def with_mention(text: str, chosen: str) -> str:
    """``text`` with ``@<chosen>`` in front, unless one of them is empty or the person is mentioned there already."""
    name = normalise_name(chosen)
    if not name or not str(text or "").strip() or name in mentioned(text):
        return text
    return f"@{name} {text}"
