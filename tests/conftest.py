"""Fixtures: real PartnerWiki apps on temporary instances, users, a logged-in client.

The app is the real one (our wikiconfig.py, our factory, moin's file stores and whoosh
indexes) pointed at a temporary directory.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape

import pytest
from flask.testing import FlaskClient

# wikiconfig reads these at import time: keep the developer's instance/ and secret untouched.
os.environ.setdefault("PARTNERWIKI_INSTANCE", tempfile.mkdtemp(prefix="partnerwiki-import-"))
os.environ.setdefault("PARTNERWIKI_SECRET_KEY", "test-secret-key-not-for-production")

from moin import user as moin_user  # noqa: E402
from moin.app import before_wiki, teardown_wiki  # noqa: E402
from moin.config import IndexStorageConfig  # noqa: E402
from moin.storage import create_mapping  # noqa: E402

import wikiconfig  # noqa: E402
from moin_gaa.cli import SEED_DIR  # noqa: E402
from moin_gaa.core.accounts import add_to_group, ensure_role_groups  # noqa: E402
from moin_gaa.seeding import load_seed_pages  # noqa: E402
from moin_gaa.web.factory import create_app  # noqa: E402

PASSWORD = "Geheim-Passwort-2026"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    groups: tuple[str, ...] = ()


REGISTERED = Person("Rita Registriert", "rita@example.org")
MODERATOR = Person("Mona Moderatorin", "mona@example.org", ("Moderatoren",))
ADMIN = Person("Adam Admin", "adam@example.org", ("Administratoren", "Moderatoren"))
PEOPLE = (REGISTERED, MODERATOR, ADMIN)


def instance_settings(instance_dir: str) -> dict:
    """Config attributes that point the real wikiconfig at ``instance_dir``."""
    cfg = wikiconfig.Config
    uri = f"stores:fs:{instance_dir}/data/%(backend)s/%(kind)s"
    backends = {name: uri for name in cfg.backends}
    namespace_mapping, backend_mapping, acl_mapping = create_mapping(uri, cfg.namespaces, backends, cfg.acls)
    return dict(
        instance_dir=instance_dir,
        index_storage=IndexStorageConfig(name=cfg.index_storage.name, args=(os.path.join(instance_dir, "index"),),
                                         kwargs=cfg.index_storage.kwargs),
        gaa_catalog_dir=os.path.join(instance_dir, "gaa-catalog"),
        namespace_mapping=namespace_mapping,
        backend_mapping=backend_mapping,
        acl_mapping=acl_mapping,
    )


ORIGIN = "http://localhost:8080"


class BrowserLikeClient(FlaskClient):
    """A test client that, like a browser on one of our pages, sends our ``Origin`` with every request.

    The CSRF guard refuses unsafe requests without a same-origin proof; tests of that guard pass
    ``origin="https://elsewhere"`` or ``origin=None`` (no Origin header at all).
    """

    def open(self, *args, origin: str | None = ORIGIN, **kwargs):
        if origin is None:
            self.environ_base.pop("HTTP_ORIGIN", None)
        else:
            self.environ_base["HTTP_ORIGIN"] = origin
        try:
            return super().open(*args, **kwargs)
        finally:
            self.environ_base["HTTP_ORIGIN"] = ORIGIN


def make_app(instance_dir: str, *, create: bool = True):
    """A PartnerWiki app on ``instance_dir`` (created empty when ``create``)."""
    os.makedirs(instance_dir, exist_ok=True)
    app = create_app(
        flask_config_dict={"TESTING": True, "SERVER_NAME": "localhost:8080"},
        create_backend=create,
        destroy_backend=False,
        **instance_settings(instance_dir),
    )
    app.test_client_class = BrowserLikeClient
    return app


@contextmanager
def wiki_request(app, path: str = "/"):
    """A request context with moin's per-request setup (flaskg.user, flaskg.storage …)."""
    with app.test_request_context(path, base_url="http://localhost:8080/"):
        before_wiki()
        try:
            yield
        finally:
            teardown_wiki("")


def create_people(app) -> None:
    with wiki_request(app):
        for person in PEOPLE:
            message = moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
            assert not message, message
            for group in person.groups:
                add_to_group(group, person.name)


def create_accounts(app, *people: Person) -> None:
    """Accounts for ``people`` (no groups), created as moin's registration does."""
    with acting_as(app, None):
        for person in people:
            message = moin_user.create_user(username=person.name, password=PASSWORD, email=person.email)
            assert not message, message


def seeded_app(instance_dir: str):
    """A new PartnerWiki on ``instance_dir`` with the repository's seed pages and the three users."""
    app = make_app(instance_dir)
    with wiki_request(app):
        ensure_role_groups()
        load_seed_pages(SEED_DIR)
    create_people(app)
    return app


@pytest.fixture(scope="session")
def wiki(tmp_path_factory):
    """The seeded PartnerWiki with its three users; shared, so tests use their own item names."""
    app = seeded_app(str(tmp_path_factory.mktemp("wiki")))
    yield app
    app.deinit_backends()


@pytest.fixture
def empty_wiki(tmp_path):
    """A fresh PartnerWiki with nothing in it (no seed pages, no users)."""
    app = make_app(str(tmp_path / "instance"))
    yield app
    app.deinit_backends()


@pytest.fixture
def client(wiki):
    with wiki.test_client() as client:
        yield client


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
META_CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def body(response) -> str:
    """A response's HTML with entities resolved, so a test reads what a person reads."""
    return unescape(response.get_data(as_text=True))


def main_part(response) -> str:
    """The page's own content (from its H1 on), without the theme's header and navigation."""
    text = body(response)
    return text[text.index("<h1"):]


def page_token(client, path: str = "/Startseite") -> str:
    """The CSRF token of the client's session, as every page carries it in ``<meta name="csrf-token">``."""
    return META_CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def logout(client) -> None:
    client.post("/+logout", data={"csrf_token": page_token(client)})


def login(client, person: Person) -> None:
    logout(client)
    response = client.post(
        "/+login",
        data={"login_username": person.name, "login_password": PASSWORD, "login_submit": "1", "login_nexturl": "",
              "csrf_token": page_token(client, "/+login")},
    )
    assert response.status_code in (200, 302), response.status_code
    page = client.get("/+usersettings")
    assert page.status_code == 200 and person.name in page.get_data(as_text=True), f"login of {person.name} failed"


@pytest.fixture
def as_registered(client):
    login(client, REGISTERED)
    return client


@pytest.fixture
def as_moderator(client):
    login(client, MODERATOR)
    return client


@pytest.fixture
def as_admin(client):
    login(client, ADMIN)
    return client


@contextmanager
def acting_as(app, person: Person | None):
    """A wiki request context in which ``person`` (None: anonymous) is the current user."""
    from flask import g as flaskg
    from moin.storage.middleware.protecting import ProtectingMiddleware

    with wiki_request(app):
        if person is not None:
            flaskg.user = moin_user.User(auth_username=person.name, auth_method="moin")
            assert flaskg.user.valid, person.name
            flaskg.storage = ProtectingMiddleware(app.storage, flaskg.user, app.cfg.acl_mapping)
        yield


def save_page(name: str, text: str, **meta) -> None:
    """Save through moin's Item API (so ``item_modified`` fires), as the current user."""
    from moin.items import Item

    meta = {"contenttype": "text/x.moin.wiki;charset=utf-8", "itemtype": "default", **meta}
    # moin's editor always sends a comment; without one moin's search page fails on the hit
    Item.create(name, contenttype=meta["contenttype"], itemtype="default")._save(meta, text, comment="")


@pytest.fixture(scope="module")
def inbox(wiki):
    """A real SMTP server (aiosmtpd) for the module, with the shared wiki mailing to it."""
    from mail_support import mailing_to, smtp_server

    with smtp_server() as (handler, port), mailing_to(wiki.cfg, port):
        yield handler
