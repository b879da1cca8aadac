"""The one sanitiser: the documented Markdown set passes, everything else is text or gone."""

import pytest

from moin_gaa.core.sanitize import ALLOWED_TAGS, clean_html, render_post

DOCUMENTED = [  # the formatting „Hilfe/Beiträge formatieren“ documents, and what it renders to
        ("**fett** und *kursiv*", "<p><strong>fett</strong> und <em>kursiv</em></p>"),
        ("- eins\n- zwei", "<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>"),
        ("1. Schritt\n2. Schritt", "<ol>\n<li>Schritt</li>\n<li>Schritt</li>\n</ol>"),
        ("> Zitat", "<blockquote>\n<p>Zitat</p>\n</blockquote>"),
        ("[Text](https://example.org)", '<p><a href="https://example.org" rel="nofollow noopener">Text</a></p>'),
        ("siehe https://example.org", '<p>siehe <a href="https://example.org" rel="nofollow noopener">https://example.org</a></p>'),
        ("Zeile\nneue Zeile", "<p>Zeile<br>\nneue Zeile</p>"),
        ("`<b>`", "<p><code>&lt;b&gt;</code></p>"),
        ("```\n<b>x</b> https://x.de\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt; https://x.de\n</code></pre>"),
]


@pytest.mark.parametrize("source, expected", DOCUMENTED)
def test_the_documented_formatting(source, expected):
    assert render_post(source) == expected


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        '<a href="https://x" onclick="alert(1)">y</a>',
        '<div style="position:fixed;top:0">Overlay</div>',
        "<svg onload=alert(1)>",
        "<iframe src=//evil>",
        '[x](https://ok.de "t\\" onmouseover=alert(1)")',
        "<details open ontoggle=alert(1)>",
        "# Überschrift",
        "![Bild](https://example.org/x.png)",
    ],
)
def test_attacks_are_text_or_gone(attack):
    tags, attributes = parsed(render_post(attack))
    assert tags <= ALLOWED_TAGS, tags
    assert {name for _tag, name, _value in attributes} <= {"href", "title", "rel"}
    assert all(value.startswith(("https://", "http://", "mailto:")) for _tag, name, value in attributes if name == "href")


def parsed(html: str) -> tuple[set[str], list[tuple[str, str, str]]]:
    """The element names and (tag, attribute, value) triples a browser would see."""
    from html.parser import HTMLParser

    tags, attributes = set(), []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            attributes.extend((tag, name, value or "") for name, value in attrs)

    Collect().feed(html)
    return tags, attributes


def test_clean_html_keeps_only_the_allow_list():
    dirty = '<p onclick="x" style="y"><a href="javascript:1" target="_blank">a</a><span>s</span><table><tr><td>t</td></tr></table></p>'
    assert clean_html(dirty).replace("\n", "") == '<p><a rel="nofollow noopener">a</a>st</p>'
    for sneaky in ("jav&#x09;ascript:alert(1)", "java\nscript:alert(1)", " javascript:alert(1)", "javascript:1", "//evil.example"):
        assert "href" not in clean_html(f'<a href="{sneaky}">x</a>'), sneaky
    assert 'href="/Startseite"' in clean_html('<a href="/Startseite">x</a>')  # links inside the wiki stay


def test_the_allow_list_is_exactly_what_the_documented_formatting_needs():
    """A tag added to the allow-list without a documented formatting (or one the formatting needs but the
    list lacks) shows here: the tags the documented examples render to must be the allow-list."""
    rendered = set().union(*(parsed(render_post(source))[0] for source, _expected in DOCUMENTED))
    assert rendered == ALLOWED_TAGS
    every_tag = "".join(f"<{tag}>{tag}</{tag}>" for tag in sorted(ALLOWED_TAGS | {"img", "span", "div", "h1", "table"}))
    assert parsed(clean_html(every_tag))[0] == ALLOWED_TAGS
