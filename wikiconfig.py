"""The configured PartnerWiki instance – „Gesundheit für alle“ on MoinMoin 2.

Everything a deployment may want to change is here.  The instance (storage, indexes, our
catalog, the generated secret key) lives in ``instance/`` beside this file, or wherever
``PARTNERWIKI_INSTANCE`` points (the tests use a temporary directory).
"""

from __future__ import annotations

import os
import secrets

from moin.config import AclConfig, IndexStorageConfig
from moin.config.default import DefaultConfig
from moin.constants.namespaces import NAMESPACE_DEFAULT, NAMESPACE_USERPROFILES, NAMESPACE_USERS
from moin.storage import create_mapping
from moin.utils import get_xstatic_module_path_map

WIKICONFIG_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.path.abspath(os.environ.get("PARTNERWIKI_INSTANCE") or os.path.join(WIKICONFIG_DIR, "instance"))

# Wiki groups (items with a „usergroup“ list) that the ACLs below rely on.
from moin_gaa.core.accounts import ADMINISTRATORS as ADMIN_GROUP  # noqa: E402
from moin_gaa.core.accounts import MODERATORS as MODERATOR_GROUP


def _secret_key() -> str:
    """The Flask/moin secret: from the environment, else generated once into the instance."""
    key = os.environ.get("PARTNERWIKI_SECRET_KEY")
    if key:
        return key
    path = os.path.join(INSTANCE_DIR, "secret_key")
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    with open(path) as f:
        return f.read().strip()


class Config(DefaultConfig):
    wikiconfig_dir = WIKICONFIG_DIR
    instance_dir = INSTANCE_DIR
    data_dir = os.path.join(instance_dir, "data")
    # Without the memory map, whoosh reads its segment files through file handles (the OS page cache keeps them):
    # with it, every open searcher copies each segment it reads into private memory – about the index's size on
    # disk per searcher, 720 MB per worker at national scale (README, Produktion).
    index_storage = IndexStorageConfig(name="FileStorage", args=(os.path.join(instance_dir, "index"),),
                                       kwargs={"supports_mmap": False})
    # our own whoosh catalog of structured records (see moin_gaa.core.catalog)
    gaa_catalog_dir = os.path.join(instance_dir, "gaa-catalog")

    wiki_local_dir = os.path.join(wikiconfig_dir, "wiki_local")
    serve_files = {"wiki_local": wiki_local_dir}
    template_dirs = [wiki_local_dir]
    plugin_dirs = [wikiconfig_dir]  # the parent of macros/ (see DESIGN.md)

    interwikiname = "PartnerWiki"
    # The public address: links in mails (never taken from a request's Host header) and interwiki links.
    public_url = os.environ.get("PARTNERWIKI_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/").rstrip("/") + "/"
    interwiki_map = {interwikiname: public_url, "Self": public_url}

    sitename = "PartnerWiki – Gesundheit für alle"
    default_root = "Startseite"
    root_mapping = {"users": "UserHome"}
    theme_default = "partnerwiki"
    locale_default = "de_DE"
    timezone_default = "Europe/Berlin"

    edit_locking_policy = "lock"
    edit_lock_time = 20

    # The seeds promise free registration; e-mail verification needs a mail server (mail_smarthost).
    registration_only_by_superuser = False
    registration_hint = "Die Registrierung ist frei. Bitte nutzen Sie Ihren Namen, damit andere Sie erkennen."
    user_email_verification = False
    admin_emails: list[str] = []
    email_tracebacks = False

    # SMTP for subscriptions, from the environment so no address or password is committed.
    mail_from = os.environ.get("PARTNERWIKI_MAIL_FROM")
    mail_smarthost = os.environ.get("PARTNERWIKI_SMTP")

    acl_functions = f"{ADMIN_GROUP}:superuser"
    # Wiki group items: the two role groups and the member lists of group spaces („Gruppen/<Name>/Mitglieder“).
    item_group_regex = rf"(?P<all>(?P<key>{ADMIN_GROUP}|{MODERATOR_GROUP}|Gruppen/[^/]+/Mitglieder))"

    uri = f"stores:fs:{data_dir}/%(backend)s/%(kind)s"
    namespaces = {NAMESPACE_DEFAULT: "default", NAMESPACE_USERS: "users", NAMESPACE_USERPROFILES: "userprofiles"}
    backends = {"default": uri, "users": uri, "userprofiles": uri}
    acls = {
        # moin has one right, „write“, for editing, renaming, deleting, converting and reverting; our forms
        # save tools and events with the user's write right.  Who may delete, rename, convert, destroy or
        # revert records and instrument pages, or use moin's editor on a record, is therefore decided on
        # top of these ACLs by moin_gaa/web/curation.py (the moderation; a proposer withdraws a proposal).
        # Hierarchic: a group space „Gruppen/X“ with its own ACL covers every page below it, so a
        # private group stays private down to its threads and attachments.  Moderators are in the
        # default (not in „before“), so an item's own ACL – e.g. of the group items themselves –
        # can keep them out where only administrators may act.
        NAMESPACE_DEFAULT: AclConfig(
            before=f"{ADMIN_GROUP}:read,write,create,destroy,admin",
            default=f"{MODERATOR_GROUP}:read,write,create,destroy,admin Known:read,write,create All:read",
            after="",
            hierarchic=True,
        ),
        NAMESPACE_USERS: AclConfig(
            before=f"{ADMIN_GROUP}:read,write,create,destroy,admin",
            default="Known:read,write,create All:read",
            after="",
            hierarchic=True,
        ),
        # user profiles hold e-mail addresses and password hashes: nobody reads them through the wiki
        NAMESPACE_USERPROFILES: AclConfig(before="All:", default="", after="", hierarchic=False),
    }
    namespace_mapping, backend_mapping, acl_mapping = create_mapping(uri, namespaces, backends, acls)

    # PartnerWiki vocabulary overrides, see moin_gaa.core.vocabulary.vocabulary_from_config, e.g.
    # gaa_vocabulary = {"life_phases": {"extend": [("erwachsene", "Erwachsene"), ("aeltere", "Ältere")]}}
    gaa_vocabulary: dict = {}
    # ICS feeds carry events from this many days back (cancelled ones as STATUS:CANCELLED) to this
    # many days ahead; a bounded feed stays under the ~1 MB that Google Calendar accepts.
    gaa_calendar_past_days = 365
    gaa_calendar_future_days = 730
    # moin's default report-only policy (style-src 'self') would log every style attribute; our enforced
    # Content-Security-Policy is set in moin_gaa/web/security_headers.py
    content_security_policy_report_only = ""
    # whoosh searchers reused per thread and index generation, lookups by their rarest key (see
    # moin_gaa/core/moin_internals.py); PARTNERWIKI_REUSE_SEARCHERS=0 switches it off as well
    gaa_reuse_searchers = True
    # trust one reverse proxy's X-Forwarded-* headers (the CSRF origin check must see the public address)
    gaa_behind_proxy = os.environ.get("PARTNERWIKI_BEHIND_PROXY") == "1"

    mod_names = ["font_awesome", "svgedit_moin", "pygments", "jquery"]
    serve_files.update(get_xstatic_module_path_map(mod_names))


MOINCFG = Config
SECRET_KEY = _secret_key()
DEBUG = False
TESTING = False
# Behind an https reverse proxy set PARTNERWIKI_HTTPS=1 (session cookie only over https) and
# PARTNERWIKI_BEHIND_PROXY=1 (trust one proxy's X-Forwarded-Proto/Host/For, see moin_gaa/web/security_headers.py).
SESSION_COOKIE_SECURE = os.environ.get("PARTNERWIKI_HTTPS") == "1"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
THEME_PATHS = [os.path.join(WIKICONFIG_DIR, "themes")]
