"""Macro argument tables: every mistake becomes a German message."""

import pytest

from macros._args import MacroArgumentError, Param, parse_args

PARAMS = (Param("liste", choices=("a", "b"), required=True), Param("format", ("list", "table"), "list"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a", {"liste": "a", "format": "list"}),
        ("b, format=table", {"liste": "b", "format": "table"}),
        ("liste=a format=table", {"liste": "a", "format": "table"}),
    ],
)
def test_good_arguments(text, expected):
    assert parse_args("M", [text], PARAMS) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "„liste“ fehlt"),
        ("c", "„c“ ist kein gültiger Wert für „liste“"),
        ("a, farbe=rot", "unbekannter Parameter „farbe“"),
        ("a, table, extra", "zu viele Angaben"),
        ("a, format=karte", "„karte“ ist kein gültiger Wert für „format“"),
    ],
)
def test_bad_arguments(text, message):
    with pytest.raises(MacroArgumentError, match=message):
        parse_args("M", [text], PARAMS)


def test_no_arguments_at_all():
    with pytest.raises(MacroArgumentError):
        parse_args("M", None, PARAMS)
