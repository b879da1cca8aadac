"""Filling in our forms as a browser does: load the page, take every field as shown, change some, submit.

A round trip through the real form is what finds a form that drops what it does not show:
every value the page offers goes back unchanged unless the test changes it.
"""

from __future__ import annotations

from html.parser import HTMLParser

from moin.items import Item


class _Form:
    def __init__(self, action: str):
        self.action = action
        self.fields: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    """The post forms of a page with their fields as a browser would submit them (no buttons, no files)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = _Form(a.get("action", ""))
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], "multiple" in a)
            self._select_first, self._select_chosen = None, False
        elif tag == "option" and self._select is not None:
            self._option = a
            self._text = []
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._text = []

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self._form.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            value = self._option.get("value", "".join(self._text).strip())
            if self._select_first is None:
                self._select_first = value
            if "selected" in self._option:
                self._form.fields.append((self._select[0], value))
                self._select_chosen = True
            self._option = None
        elif tag == "select" and self._select is not None:
            if not self._select_chosen and not self._select[1] and self._select_first is not None:
                self._form.fields.append((self._select[0], self._select_first))
            self._select = None


def post_forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_on(client, path: str, action: str | None = None) -> tuple[str, dict[str, list[str]]]:
    """(action, fields) of the post form on ``path`` whose action contains ``action`` (default: the first form
    that carries a ``revid`` or else the page's last post form – the logout form comes first in the layout)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    forms = post_forms(response.get_data(as_text=True))
    if action is not None:
        form = next(f for f in forms if action in f.action)
    else:
        form = next((f for f in forms if any(name == "revid" for name, _ in f.fields)), forms[-1])
    fields: dict[str, list[str]] = {}
    for name, value in form.fields:
        fields.setdefault(name, []).append(value)
    return form.action, fields


def submit(client, action: str, fields: dict[str, list[str]], **changes):
    """POST the form's fields with ``changes`` (a str or a list of str each) over them."""
    data = dict(fields)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(action, data=data)


def stored(name: str) -> tuple[dict, str]:
    """(meta, text) of the current revision, read with the current user's rights."""
    item = Item.create(name)
    rev = item.rev
    return dict(rev.meta), rev.data.read().decode("utf-8") if hasattr(rev, "data") else ""


def add_curation(name: str, *, extra_text: str = "", **meta_changes) -> None:
    """Store a new revision of ``name`` with metadata over the current ones and ``extra_text`` appended,
    through moin's Item API (as the current user) – what a curator does in moin's editor."""
    item = Item.create(name)
    meta = item.prepare_meta_for_modify(dict(item.meta))
    fields = meta_changes.pop("gaa_fields", None)
    if fields:
        meta["gaa_fields"] = {**meta.get("gaa_fields", {}), **fields}
    meta.update(meta_changes)
    text = item.rev.data.read().decode("utf-8") + extra_text
    item._save(meta, text, comment="kuratiert")
