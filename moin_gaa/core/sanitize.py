"""The one HTML sanitiser: posts are written in a small Markdown set, rendered, then cleaned.

Allowed (and documented on the page „Hilfe/Beiträge formatieren“): paragraphs and line breaks,
**fett**, *kursiv*, `Code` and code blocks, lists, > Zitate, links ``[Text](https://…)`` and bare
web addresses.  Everything else – HTML tags, event handlers, ``javascript:`` and other schemes,
inline styles, images, headings – is dropped by bleach's allow-list (the text stays readable).
Every link gets ``rel="nofollow noopener"`` and opens in the same tab.
"""

from __future__ import annotations

import re
import threading
from functools import partial
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import DEFAULT_CALLBACKS, LinkifyFilter

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these inside a scheme („jav\tascript:“)


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    """The allow-list, plus: a link's scheme must be allowed as a browser reads it.

    bleach lets ``javascript:1`` through (it looks like ``host:port``); we do not.
    """
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name != "href":
        return True
    scheme = urlsplit(_IGNORED_IN_URLS.sub("", value)).scheme.lower()
    return scheme in ALLOWED_PROTOCOLS or (scheme == "" and not value.lstrip().startswith("//"))


def _rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


# One Cleaner per thread: bleach's Cleaner keeps parser and tokenizer state between calls and is not
# thread-safe (the server is threaded; shared, it mixed posts' texts and raised).  Building one costs
# about as much as cleaning a post, so each thread keeps its own instead of building one per call.
_PER_THREAD = threading.local()


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_PER_THREAD, "cleaner", None)
    if cleaner is None:
        # one pass: cleaning and linkifying together (a separate Linker pass escapes code blocks twice)
        cleaner = _PER_THREAD.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS, attributes=_attribute_allowed, protocols=ALLOWED_PROTOCOLS, strip=True,
            strip_comments=True,
            filters=[partial(LinkifyFilter, callbacks=[*DEFAULT_CALLBACKS, _rel], skip_tags={"pre", "code"},
                             parse_email=False)],
        )
    return cleaner


def clean_html(html: str) -> str:
    """Untrusted HTML → HTML with only the allowed tags, attributes and link schemes (thread-safe)."""
    return _cleaner().clean(html)


class _EscapeRawHtml(markdown.Extension):
    """Raw HTML in a post is shown as typed text, not interpreted (python-markdown has no safe mode)."""

    def extendMarkdown(self, md):  # noqa: N802 – markdown's API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render_post(text: str) -> str:
    """A post's Markdown source → clean HTML; typed HTML stays visible as text.

    A new ``Markdown`` per call: an instance keeps per-document state (``reset()``) and is not thread-safe.
    """
    md = markdown.Markdown(extensions=[_EscapeRawHtml(), "sane_lists", "nl2br", "fenced_code"], output_format="html")
    return clean_html(md.convert(text))


def plain_title(text: str, limit: int = 150) -> str:
    """A title: one line of plain text (markup is shown as typed, escaped on output)."""
    return " ".join(str(text or "").split())[:limit]
