"""Shared rules for text people type (or import): no control characters, clean names, length limits.

Every form of ours checks its raw input with :func:`input_problems` (or :func:`text_problem`)
before anything else, so a NUL byte or another control character is refused with a German
message instead of ending up in an item name, a feed or an .ics file.  One-line values (names,
titles, short fields) go through :func:`normalise_name` (form fields: :func:`form_value`); longer texts through
:func:`clean_text`.

* allowed control characters: tab and line breaks (``\\t``, ``\\n``, ``\\r``); refused: every
  other C0 control, DEL, the C1 controls, lone surrogates and the non-characters U+FFFE/U+FFFF
  (XML – atom feeds, our HTML – cannot carry most of them);
* names are NFC, without bidi embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069: they make a name display as another one) and without zero-width characters
  (U+200B–U+200D, U+2060, U+FEFF) or white space at their ends.

moin's own forms are guarded by :func:`guard_moin_forms` (registered in ``app.init_app``):
an unsafe request outside ``/+gaa`` whose form values, file names or path carry control
characters, or whose name fields carry bidi controls or zero-width characters at their ends,
is refused with 400 and a German message.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Mapping

ALLOWED_CONTROLS = "\t\n\r"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_EDGES = re.compile(f"^[\\s{ZERO_WIDTH}]+|[\\s{ZERO_WIDTH}]+$")

CONTROL_MESSAGE = (
    "Der Text enthält unsichtbare Steuerzeichen (z. B. ein Nullbyte aus einer kopierten oder importierten Datei). "
    "Bitte entfernen Sie sie."
)
BIDI_MESSAGE = "Namen dürfen keine Steuerzeichen für die Schreibrichtung enthalten (z. B. U+202E)."
EDGE_MESSAGE = "Namen dürfen nicht mit unsichtbaren Zeichen (z. B. U+200B oder U+FEFF) beginnen oder enden."

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Fields of moin's forms that hold names (item names, user names, tags, rename targets).
MOIN_NAME_FIELD = re.compile(r"(?:^|_)(?:name|names|username|display_name|target|tags)$")
MAX_MOIN_NAME = 500


def german_number(n: int) -> str:
    """1234567 → „1.234.567“."""
    return f"{n:,}".replace(",", ".")


def text_problem(value: Any) -> str | None:
    """The German reason why ``value`` may not be stored (control characters), or None."""
    if isinstance(value, str) and _FORBIDDEN.search(value):
        return CONTROL_MESSAGE
    return None


def too_long(value: Any, limit: int) -> str | None:
    """The German message when ``value`` has more than ``limit`` characters, else None."""
    if isinstance(value, str) and len(value) > limit:
        return f"Höchstens {german_number(limit)} Zeichen (eingegeben: {german_number(len(value))})."
    return None


def clean_text(value: Any) -> str:
    """Text as it may be stored: NFC, line breaks as ``\\n``, without control and bidi control characters,
    without U+FEFF (a byte order mark pasted from a file) and without zero-width characters at its ends.

    Removes what :func:`text_problem` refuses – for places that clean instead of asking the
    user (imports); forms refuse first, so their users learn what was wrong.
    """
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return _BIDI.sub("", _FORBIDDEN.sub("", text)).strip(ZERO_WIDTH)


def normalise_name(value: Any) -> str:
    """One line for names, titles and short fields: :func:`clean_text`, white space collapsed,
    no white space or zero-width characters at the ends."""
    return _EDGES.sub("", " ".join(clean_text(value).split()))


def form_value(value: Any, limit: int | None = None) -> str:
    """A one-line form field as stored: :func:`normalise_name`, cut after ``limit`` characters.

    A list (a field sent more than once) counts with its first value.  Lengths are checked, with a
    message, by :func:`input_problems` on the raw input; the cut only bounds what is worked with.
    """
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return normalise_name(value)[:limit]


def name_problem(value: Any) -> str | None:
    """Why ``value`` is no acceptable name as typed (for forms we cannot normalise: moin's), or None."""
    if problem := text_problem(value):
        return problem
    if not isinstance(value, str):
        return None
    if _BIDI.search(value):
        return BIDI_MESSAGE
    if any(part.strip(" \t\r\n") != part.strip(" \t\r\n" + ZERO_WIDTH) for part in re.split(r"[,\r\n]", value)):
        return EDGE_MESSAGE
    return None


def ascii_digits(value: str) -> bool:
    """Only the digits 0–9 (``"١٢٣".isdigit()`` and ``"²".isdigit()`` are true in Python)."""
    return value.isascii() and value.isdigit()


def _limit_key(path: str) -> str:
    """``kontakte.3.email`` → ``kontakte.*.email`` (the key of per-field limits)."""
    return re.sub(r"(?<=\.)\d+(?=\.|$)|^\d+(?=\.)", "*", path)


def _leaves(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}.{index}")


def input_problems(data: Mapping[str, Any], limits: Mapping[str, int] | None = None) -> dict[str, str]:
    """German messages per field for form-like ``data`` (nested dicts and lists allowed).

    Every string is checked for control characters; those whose field (``titel``,
    ``kontakte.*.email``, for list elements ``ressorts.*``) has an entry in ``limits`` also for
    their length.  The message goes to the field itself, for list elements to the list
    (``ressorts``), for rows of a table to the cell (``kontakte.0.email``).
    """
    limits = limits or {}
    problems: dict[str, str] = {}
    for path, value in _leaves(data, ""):
        key = _limit_key(path)
        field = path.rsplit(".", 1)[0] if key.endswith(".*") else path
        if field in problems:
            continue
        limit = limits.get(key)
        if message := text_problem(value) or (too_long(value, limit) if limit is not None else None):
            problems[field] = message
    return problems


def count_problem(values: Any, limit: int, what: str) -> str | None:
    """„Höchstens 50 Kontakte.“ when a list of form rows is longer than ``limit``."""
    if isinstance(values, (list, tuple)) and len(values) > limit:
        return f"Höchstens {german_number(limit)} {what}."
    return None


def guard_moin_forms():
    """``before_request``: refuse unsafe requests to moin's own views carrying control characters.

    Our ``/+gaa`` forms check their fields themselves (with a message per field); everything
    else – moin's editor (``+modify``), ``+rename``, ``+usersettings``, ``+register``, uploads –
    is checked here: every form value, every uploaded file name and the path must be free of
    control characters; name fields must also be free of bidi controls and zero-width edges.
    """
    from flask import abort, request

    if request.method not in UNSAFE_METHODS or request.blueprint == "gaa":
        return None
    if text_problem(request.path):
        abort(400, description="Die Adresse enthält unsichtbare Steuerzeichen und wurde abgelehnt.")
    for key, value in request.form.items(multi=True):
        problem = text_problem(value)
        if problem is None and MOIN_NAME_FIELD.search(key):
            problem = name_problem(value) or too_long(value, MAX_MOIN_NAME)
        if problem:
            abort(400, description=f"Eingabe abgelehnt ({key}): {problem}")
    for key, upload in request.files.items(multi=True):
        if upload.filename and (problem := name_problem(upload.filename)):
            abort(400, description=f"Dateiname abgelehnt: {problem}")
    return None
