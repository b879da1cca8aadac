"""What the running app holds for our code: the vocabulary and the catalog.

A leaf: it imports nothing of ours at run time, so every module may ask for the state without
pulling in the app factory or the views (the factory fills it in :func:`moin_gaa.web.factory.init_app`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from moin_gaa.core.catalog import Catalog
    from moin_gaa.core.vocabulary import Vocabulary


@dataclass
class PartnerWiki:
    """What our code needs from the running app, kept in ``app.extensions["gaa"]``."""

    vocabulary: Vocabulary
    catalog: Catalog


def partnerwiki(app: Flask | None = None) -> PartnerWiki:
    """The PartnerWiki state of ``app`` (default: the current app)."""
    return (app or current_app).extensions["gaa"]
