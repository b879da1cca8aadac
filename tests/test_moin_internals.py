"""moin's (and whoosh's) internals that moin_gaa.core.moin_internals relies on are still there and behave.

Each test pins one entry of that module: it fails when moin or whoosh changes underneath – a private
attribute gone, an override whose base changed, the bulk path writing other index documents than moin's
own ``store_revision``, the read-rights key deciding otherwise than moin does.
"""

from __future__ import annotations

import inspect
import itertools
import random
from io import BytesIO

import moin
import pytest
import whoosh
from conftest import PASSWORD, make_app, wiki_request
from flask import g as flaskg
from moin import user as moin_user
from moin.app import before_wiki
from moin.apps.feed import views as feed_views
from moin.apps.frontend import views as frontend_views
from moin.constants.keys import (
    ALL_REVS,
    COMMENT,
    CONTENTTYPE,
    ITEMID,
    ITEMTYPE,
    LANGUAGE,
    LATEST_META,
    LATEST_REVS,
    NAME,
    NAMESPACE,
    PARENTID,
    REV_NUMBER,
    REVID,
    SUMMARY,
    TAGS,
)
from moin.constants.misc import ANON
from moin.constants.rights import READ, WRITE
from moin.items import Item
from moin.storage.middleware.indexing import IndexingMiddleware
from moin.storage.middleware.indexing import Item as StorageItem
from moin.storage.middleware.protecting import ProtectingMiddleware
from moin.utils.names import split_fqname
from whoosh.fields import ID, KEYWORD, NUMERIC, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, LockError
from whoosh.index import Index as WhooshIndex
from whoosh.query import Every
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from moin_gaa.core import moin_internals
from moin_gaa.core.access import ReadRights
from moin_gaa.core.index_writers import WaitingIndex
from moin_gaa.core.records import RECORD_FIELDS, RECORD_TYPE
from moin_gaa.core.storage import MOINWIKI, PageSpec, read_records, store_pages
from moin_gaa.web.moin_view_guards import ReaderScopedCache, item_address_guard
from moin_gaa.web.request_groups import remember_groups

USERS = ("AnnaAcl", "BertAcl", "ChrisAcl")  # Anna in TEAM, Bert in OTHER, Chris in no group
TEAM, OTHER = "Gruppen/AclTeam/Mitglieder", "Gruppen/AclOther/Mitglieder"  # group names the wikiconfig knows
GROUPS = {TEAM: ["AnnaAcl"], OTHER: ["BertAcl"]}
ENTRIES = (
    "AnnaAcl:read", "-AnnaAcl:read", "+AnnaAcl:read", f"{TEAM}:read", f"-{TEAM}:read", f"+{TEAM}:read",
    "BertAcl:read,write", f"{OTHER}:read", f"-{OTHER}:read", "Known:read", "-Known:read", "All:read", "All:",
    "Known:", "Default",
)
PARENTS = {"AclFrei": None, "AclOben": f"{TEAM}:read ChrisAcl:read", "AclZu": "All:"}  # parent page → its ACL
ACL_TYPE = "acltest"


def generated_acls() -> list[str | None]:
    """No ACL, the empty ACL, every entry and a fixed sample of ordered pairs and triples of entries."""
    sample = random.Random(12).sample
    pairs = sample(list(itertools.permutations(ENTRIES, 2)), 110)
    triples = sample(list(itertools.permutations(ENTRIES, 3)), 40)
    return [None, "", *ENTRIES, *(" ".join(acl) for acl in [*pairs, *triples])]


def acl_pages() -> list[PageSpec]:
    """One page per generated ACL (below a parent with an ACL, one without, or at the top, in turn); every
    fifth ACL twice under the same parent, and pages without an ACL or with the empty one under every parent –
    so that records share read-rights keys."""
    places = [*PARENTS, None]
    pages = [PageSpec(parent, "Elternseite", {"acl": acl} if acl else {}) for parent, acl in PARENTS.items()]
    for n, acl in enumerate(generated_acls()):
        copies = 2 if n % 5 == 0 or acl in (None, "") else 1
        parent = places[n % len(places)]
        for place in ([parent] if acl not in (None, "") else places):
            for copy in range(copies):
                name = f"{place}/Acl{n}-{copy}" if place else f"AclTop{n}-{copy}"
                meta = {RECORD_TYPE: ACL_TYPE, RECORD_FIELDS: {}, **({"acl": acl} if acl is not None else {})}
                pages.append(PageSpec(name, "Text", meta))
    return pages


def acl_mappings(configured: list) -> dict[str, list]:
    """The wiki's own ACL configuration and variants of the default namespace's before/default/after/hierarchic."""
    variants = {
        "configured": None,
        "known-default": dict(before="", default="Known:read", after="", hierarchic=False),
        "before-after": dict(before="-BertAcl:read", default="All:read", after=f"{TEAM}:read", hierarchic=True),
        "after-only": dict(before="ChrisAcl:read", default="", after="All:read", hierarchic=True),
        "group-default": dict(before="", default=f"{TEAM}:read,write Known:", after="-All:read", hierarchic=False),
    }
    return {label: [(ns, acls if ns != "" or variant is None else variant) for ns, acls in configured]
            for label, variant in variants.items()}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(str(tmp_path_factory.mktemp("internals")))
    with wiki_request(app):
        for name in USERS:
            assert not moin_user.create_user(username=name, password=PASSWORD, email=f"{name}@example.org")
        store_pages([PageSpec(group, "Gruppe", {"usergroup": members}) for group, members in GROUPS.items()])
        store_pages(acl_pages())
    yield app
    app.deinit_backends()


def test_checked_against_the_installed_versions():
    """A new moin or whoosh: check every entry of moin_internals against it, then update CHECKED_AGAINST."""
    assert moin_internals.CHECKED_AGAINST == {"moin": str(moin.version), "whoosh": whoosh.versionstring()}


# --- the read-rights key -----------------------------------------------------------------------------------------


def test_the_read_rights_key_tells_apart_what_moin_tells_apart():
    key = moin_internals.read_rights_key
    assert key(None, ["A/x"], "") != key("", ["A/x"], "")  # no ACL (the default applies) is not the empty ACL
    assert key("All:read", ["A/x", "B/y"], "") != key("All:read", ["A/B/z"], "")  # parents A and B, not A/B
    assert key("All:read", ["A/x"], "") != key("All:read", ["A/x"], "users")
    assert key("All:read", ["A/x"], "") == key("All:read", ["A/y"], "")  # same parent, same ACL


def test_read_rights_per_key_are_moins_own_decisions(app):
    """Hundreds of generated ACLs, four users, five ACL configurations: our decision, made once per read-rights
    key, is moin's ``may_read_rev`` for every single record – and, with the wiki's own configuration, what
    ``user.may.read(name)`` says (moin's ProtectedItem path)."""
    checked = disagreements = 0
    with wiki_request(app):
        remember_groups()  # as in every request of the wiki: group lookups remembered
        records = [r for r in read_records(app.storage) if r.record_type == ACL_TYPE]
        assert len(records) > 200
        keys = {moin_internals.read_rights_key(r.acl, r.names, r.namespace) for r in records}
        assert len(keys) < len(records) - 30, "records must share keys, else the key is never relied upon"
        members = [moin_user.User(auth_username=name, auth_method="moin") for name in USERS]
        users = [moin_user.User(name=ANON, auth_method="invalid"), *members]  # anonymous as moin's set-up makes it
        assert all(user.valid for user in members)
        metas = {r.itemid: app.storage.document(idx_name=LATEST_REVS, itemid=r.itemid).meta for r in records}
        found = []
        outcomes = {label: set() for label in acl_mappings(app.cfg.acl_mapping)}
        for label, mapping in acl_mappings(app.cfg.acl_mapping).items():
            for user in users:
                rights = ReadRights(ProtectingMiddleware(app.storage, user, mapping))
                flaskg.storage = ProtectingMiddleware(app.storage, user, mapping)  # what user.may asks
                ours = [rights(record) for record in records]
                outcomes[label] |= set(ours)
                for record, decided in zip(records, ours):
                    fresh = ProtectingMiddleware(app.storage, user, mapping)  # no cached decision of moin's
                    by_rev = bool(fresh.may_read_rev(dict(metas[record.itemid])))
                    by_item = bool(user.may.read(record.name)) if label == "configured" else by_rev
                    checked += 1
                    if not decided == by_rev == by_item:
                        disagreements += 1
                        found.append((label, user.name0, record.name, record.acl, decided, by_rev, by_item))
    assert checked > 3500
    assert all(decisions == {True, False} for decisions in outcomes.values()), outcomes
    assert not found, f"{disagreements} of {checked} decisions differ from moin's, e.g. {found[:5]}"


def test_a_page_with_the_empty_acl_is_not_listed_because_a_sibling_without_an_acl_is_readable(app):
    """Regression: the key once wrote no ACL and the empty ACL alike, so catalog lists decided both by one."""
    with wiki_request(app):  # anonymous
        found = {r.name for r in app.extensions["gaa"].catalog.search(ReadRights(), record_type=ACL_TYPE)}
    assert {"AclFrei/Acl0-0", "AclFrei/Acl0-1"} <= found  # no ACL: the default lets everybody read
    assert not {"AclFrei/Acl1-0", "AclFrei/Acl1-1"} & found  # the empty ACL: only „before“ applies


def test_moin_keys_its_read_decisions_by_acl_parents_and_namespace():
    """What :func:`read_rights_key` mirrors: moin's cached ``allows`` gets exactly these arguments."""
    source = inspect.getsource(ProtectingMiddleware.may_read_rev)
    key = "tuple(self.user.name), meta.get(ACL, None), tuple(parent_names(meta[NAME])), meta[NAMESPACE], READ"
    assert key in source
    assert list(inspect.signature(ProtectingMiddleware._allows).parameters) == [
        "self", "user_names", "acls", "parentnames", "namespace", "right"]


# --- the workflow storage's override ------------------------------------------------------------------------------


def test_the_eval_acl_override_still_overrides(app):
    assert list(inspect.signature(ProtectingMiddleware._eval_acl).parameters) == [
        "self", "acl", "default_acl", "user_name", "right"]
    with wiki_request(app):
        user = moin_user.User(auth_username="ChrisAcl", auth_method="moin")
        mapping = app.cfg.acl_mapping
        closed, readable = "AclZu/Acl2-0", "AclFrei/Acl0-0"  # below „All:“; without an ACL of its own
        assert not ProtectingMiddleware(app.storage, user, mapping).may(readable, "destroy")
        workflow = moin_internals.WorkflowStorage(app.storage, user, mapping)
        assert workflow.may(readable, "destroy") and workflow.may(closed, WRITE)
        assert workflow.may(readable, READ) and not workflow.may(closed, READ)  # reading stays moin's


# --- the bulk path -----------------------------------------------------------------------------------------------

IDENTITY = {ITEMID, REVID, PARENTID, "dataid", "mtime", NAME, "names", "name_sort"}  # differ between two items


def documents(app, itemid: str) -> dict[str, list[dict]]:
    """Stored fields of every document of the item in each of moin's indexes (all revisions, oldest first)."""
    found = {}
    for idx_name in moin_internals.INDEXES:
        with moin_internals.index_searcher(app.storage, idx_name) as searcher:
            docs = [dict(d) for d in searcher.documents(itemid=itemid)]
        found[idx_name] = sorted(docs, key=lambda d: d.get(REV_NUMBER, 0))
    return found


def without_identity(docs: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {idx: [{k: v for k, v in d.items() if k not in IDENTITY} for d in ds] for idx, ds in docs.items()}


def moin_store(app, name: str, text: str, rev_number: int, parent: str | None) -> None:
    """The revision store_pages writes, written by moin's own ``store_revision`` instead."""
    meta = {NAME: [name], NAMESPACE: "", ITEMTYPE: "default", LANGUAGE: app.cfg.language_default, COMMENT: "Vergleich",
            SUMMARY: "", TAGS: ["eins"], REV_NUMBER: rev_number, CONTENTTYPE: MOINWIKI, "acl": "All:read",
            RECORD_TYPE: ACL_TYPE, RECORD_FIELDS: {"feld": "wert"}}
    if parent:
        meta[PARENTID] = parent
    item = app.storage.get_item(name_exact=name)
    item.store_revision(meta, BytesIO(text.encode()), name=name, contenttype_guessed=MOINWIKI,
                        contenttype_current=MOINWIKI if parent else None)


def test_the_bulk_path_writes_the_documents_moins_store_revision_writes(app):
    meta = {TAGS: ["eins"], "acl": "All:read", RECORD_TYPE: ACL_TYPE, RECORD_FIELDS: {"feld": "wert"}}
    texts = ("= Vergleich =\n\nErster Text mit [[Startseite]] und {{Bild}}.\n", "Zweiter Text, anders.\n")
    with app.app_context():
        for rev_number, text in enumerate(texts, 1):
            store_pages([PageSpec("Vergleich/Stapel", text, meta)], comment="Vergleich")
            parent = app.storage.get_item(name_exact="Vergleich/Moin").meta.get(REVID) if rev_number > 1 else None
            moin_store(app, "Vergleich/Moin", text, rev_number, parent)
        bulk = documents(app, app.storage.get_item(name_exact="Vergleich/Stapel").itemid)
        moins = documents(app, app.storage.get_item(name_exact="Vergleich/Moin").itemid)
    assert [len(bulk[i]) for i in moin_internals.INDEXES] == [2, 1, 1]
    assert {k for ds in bulk.values() for d in ds for k in d} == {k for ds in moins.values() for d in ds for k in d}
    assert without_identity(bulk) == without_identity(moins)
    assert bulk[LATEST_REVS][0][REVID] == bulk[ALL_REVS][1][REVID]  # the newest revision is the latest
    assert bulk[ALL_REVS][1][PARENTID] == bulk[ALL_REVS][0][REVID]


def test_the_bulk_path_takes_moins_store_steps():
    """The steps store_unindexed copies are still the ones store_revision takes, in this order."""
    source = inspect.getsource(StorageItem.store_revision)
    steps = ["self.validate_metadata(meta, state, update=True)",
             "keys_to_remove = [k for k, v in meta.items() if v is None]",
             "meta, data, content = self.preprocess(meta, data)",
             "self.validate_metadata(meta, state, update=False)",
             "backend_name, revid = backend.store(meta, data)",
             "self.indexer.index_revision(meta, content, backend_name, force_latest=not overwrite)"]
    positions = [source.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions) if p == -1]
    assert positions == sorted(positions)


# --- index writers, moin's indexes, whoosh's writer lock ----------------------------------------------------------


def test_moins_indexes_stay_waiting_when_moin_reopens_them(app):
    indexer = app.storage
    assert set(indexer.ix) == set(moin_internals.INDEXES) == set(indexer.schemas)
    assert all(isinstance(ix, WaitingIndex) for ix in indexer.ix.values())
    indexer.close()
    indexer.open()
    assert set(indexer.ix) == set(moin_internals.INDEXES)
    assert all(isinstance(ix, WaitingIndex) for ix in indexer.ix.values())


def test_moins_indexes_reuse_searchers_also_when_moin_reopens_them(app):
    indexer = app.storage
    assert all(isinstance(ix.wrapped_index, moin_internals.ReusingIndex) for ix in indexer.ix.values())
    indexer.close()
    indexer.open()
    assert all(isinstance(ix.wrapped_index, moin_internals.ReusingIndex) for ix in indexer.ix.values())
    with indexer.ix[LATEST_META].searcher() as searcher:
        assert isinstance(searcher, moin_internals.ReusedSearcher)
        assert isinstance(searcher.document.__self__, moin_internals.RarestTermSearcher)


def test_whoosh_writer_uses_the_lock_it_is_given_and_releases_it(tmp_path):
    index = FileStorage(str(tmp_path)).create_index(Schema(key=ID(stored=True)))
    for finish in ("commit", "cancel"):
        lock = index.lock("WRITELOCK")
        assert lock.acquire(False)
        writer = moin_internals.writer_holding(index, lock)
        writer.add_document(key=finish)
        with pytest.raises(LockError):
            index.writer()  # whoosh sees its lock held
        getattr(writer, finish)()
        probe = index.lock("WRITELOCK")
        assert probe.acquire(False), f"{finish}() did not release the lock"
        probe.release()
    with index.searcher() as searcher:
        assert [d["key"] for d in searcher.all_stored_fields()] == ["commit"]


def test_len_of_whoosh_results_is_the_hit_count_we_set(tmp_path):
    index = FileStorage(str(tmp_path)).create_index(Schema(key=ID(stored=True)))
    with index.writer() as writer:
        for key in "abc":
            writer.add_document(key=key)
    with index.searcher() as searcher:
        results = searcher.search(Every(), limit=None)
        assert len(results) == 3
        moin_internals.set_hit_count(results, 1)
        assert len(results) == 1


# --- searchers reused, lookups by their rarest key --------------------------------------------------------------


def test_moin_looks_items_up_through_the_searchers_of_its_indexes():
    """What ``reuse_searchers`` wraps: every lookup of moin's asks ``ix[name].searcher()`` and ``searcher.document``."""
    assert "with self.ix[idx_name].searcher() as searcher:\n            return searcher.document(**kw)" in \
        inspect.getsource(IndexingMiddleware._document)
    assert "self.indexer._document(short=short, **query)" in inspect.getsource(StorageItem.__init__)
    assert "self.indexer._document(idx_name=LATEST_META, **{NAME_EXACT: parent_name})" in \
        inspect.getsource(StorageItem.parentids.fget)
    assert "Item(self, short=True, **{NAME_EXACT: fqname.value, NAMESPACE: fqname.namespace})" in \
        inspect.getsource(IndexingMiddleware.has_item)
    assert "self.get_item(short=True, **q)" in inspect.getsource(ProtectingMiddleware._get_acls)


def test_whoosh_opens_searchers_and_looks_documents_up_as_we_do():
    """``rarest_term_searcher`` opens what whoosh's ``Index.searcher()`` opens; whoosh's ``document`` asks
    ``documents``, which ``RarestTermSearcher`` overrides; a searcher tells its generation, the index its newest."""
    assert "return Searcher(self.reader(), fromindex=self, **kwargs)" in inspect.getsource(WhooshIndex.searcher)
    assert "for p in self.documents(**kw):" in inspect.getsource(Searcher.document)
    assert list(inspect.signature(Searcher.leaf_searchers).parameters) == ["self"]
    assert callable(FileIndex.latest_generation) and callable(SegmentReader.generation)


LOOKUP_SCHEMA = dict(namespace=ID(stored=True), name_exact=ID(), itemid=ID(unique=True, stored=True),
                     tags=KEYWORD(stored=True, commas=True), rev=NUMERIC(stored=True))


def lookup_index(tmp_path):
    """Three segments, deletions in each, one name in two namespaces and an item with two names."""
    index = FileStorage(str(tmp_path)).create_index(Schema(**LOOKUP_SCHEMA))
    rng = random.Random(3)
    for segment in range(3):
        writer = index.writer()
        for n in range(60):
            itemid = f"i{rng.randrange(80)}"  # updates: the item's older document is deleted
            names = [f"N{itemid}"] + ([f"Alias{itemid}"] if n % 7 == 0 else [])
            writer.update_document(namespace=rng.choice(["", "", "users"]), name_exact=names, itemid=itemid,
                                   tags=rng.choice(["a", "a,b", "b"]), rev=segment * 100 + n)
        writer.commit(merge=False)
    return index


LOOKUPS = [
    *({"name_exact": f"Ni{n}", "namespace": ns} for n in range(80) for ns in ("", "users")),
    *({"namespace": ns, "itemid": f"i{n}"} for n in (0, 5, 17, 79, 99) for ns in ("", "users")),
    {"name_exact": "Aliasi7", "namespace": ""}, {"namespace": "", "tags": "b"}, {"namespace": "users", "tags": "a"},
    {"itemid": "i3", "name_exact": "Ni3"}, {"itemid": "i3", "name_exact": "Ni4"}, {"namespace": "", "rev": 205},
    {"namespace": "", "name_exact": "Ni3", "tags": "a"}, {"namespace": "nirgends", "name_exact": "Ni3"},
    {"itemid": "i3"}, {},
]


def test_lookups_by_the_rarest_key_find_what_whooshs_intersection_finds(tmp_path):
    index = lookup_index(tmp_path)
    with index.searcher() as whooshs, moin_internals.rarest_term_searcher(index) as ours:
        assert len(whooshs.leaf_searchers()) == 3 and whooshs.reader().has_deletions()
        found = 0
        for kw in LOOKUPS:
            expected = list(whooshs.document_numbers(**kw))
            found += bool(expected)
            assert list(ours.document_numbers(**kw)) == expected, kw
            assert list(ours.documents(**kw)) == list(whooshs.documents(**kw)), kw
            assert ours.document(**kw) == whooshs.document(**kw), kw
            assert ours.document_number(**kw) == (expected[0] if expected else None), kw
    assert 40 < found < len(LOOKUPS) - 40  # found and missing alike


def test_items_looked_up_at_once_are_moins_get_item(app):
    names = ("AclFrei", "AclFrei/Acl0-0", "Fehlt/Hier", "users/AnnaAcl", "userprofiles/AnnaAcl", "AnnaAcl")
    with wiki_request(app):
        queries = [split_fqname(name).query for name in names]
        ours = moin_internals.current_items(app.storage, queries)
        moins = [app.storage.get_item(**query) for query in queries]
    assert [bool(item) for item in moins] == [True, True, False, False, True, False]
    for mine, moin_item, query in zip(ours, moins, queries):
        assert (mine.meta, mine.name, mine.itemid, bool(mine)) == (moin_item.meta, moin_item.name, moin_item.itemid,
                                                                   bool(moin_item)), query


# --- storage, profiles, saving -------------------------------------------------------------------------------------


def test_a_file_store_names_the_file_of_a_key(app):
    backend = app.storage.backend.backends["default"]
    revid = next(iter(backend.meta_store))
    with open(moin_internals.store_file_path(backend.meta_store, revid), "rb") as f:
        assert f.read() == backend.meta_store[revid]


def test_a_profile_holds_keys_without_defaults_only_in_meta(app):
    with wiki_request(app):
        user = moin_user.User(auth_username="AnnaAcl", auth_method="moin")
        with pytest.raises(KeyError):
            user.profile["gaa_kein_standardwert"]  # why stored_profile is needed
        assert "gaa_kein_standardwert" not in moin_internals.stored_profile(user)
        user.profile["gaa_kein_standardwert"] = "1"
        assert moin_internals.stored_profile(user)["gaa_kein_standardwert"] == "1"
        assert moin_internals.stored_profile(user)[NAME] == ["AnnaAcl"]


def test_item_save_stores_a_revision_as_the_current_user(app):
    assert list(inspect.signature(Item._save).parameters) == [
        "self", "meta", "data", "names", "action", "contenttype_guessed", "comment", "overwrite", "delete"]
    with wiki_request(app):
        flaskg.user = moin_user.User(auth_username="AnnaAcl", auth_method="moin")
        flaskg.storage = ProtectingMiddleware(app.storage, flaskg.user, app.cfg.acl_mapping)
        item = Item.create("Gespeichert", contenttype=MOINWIKI, itemtype="default")
        revid, size = moin_internals.save_revision(item, {CONTENTTYPE: MOINWIKI, ITEMTYPE: "default"}, "Hallo", "c")
        stored = app.storage.get_item(name_exact="Gespeichert")
        assert stored.meta[REVID] == revid and size == len(b"Hallo")
        assert stored.meta["userid"] == flaskg.user.itemid and stored.meta[COMMENT] == "c"


# --- moin's request set-up and what its views read ----------------------------------------------------------------


def test_our_address_guard_runs_right_after_moins_setup(app):
    funcs = app.before_request_funcs[None]
    assert before_wiki in funcs
    assert funcs[funcs.index(before_wiki) + 1] is item_address_guard


def test_moins_views_read_the_indexes_and_caches_we_wrap(app):
    for view in (frontend_views.search, frontend_views.lookup):
        assert "flaskg.storage.indexer.ix[" in inspect.getsource(view), view.__name__
    assert "current_app.cache.get(" in inspect.getsource(feed_views.atom)
    assert isinstance(app.cache, ReaderScopedCache)
    with wiki_request(app):
        storage = flaskg.storage
        seen = moin_internals.IndexesSeenByViews(storage, lambda index, name: (name, index))
        with moin_internals.request_storage(seen):
            assert flaskg.storage.indexer.ix[LATEST_META] == (LATEST_META, storage.indexer.ix[LATEST_META])
            assert flaskg.storage.indexer.schemas is storage.indexer.schemas
            assert flaskg.storage.may_read_rev == storage.may_read_rev
        assert flaskg.storage is storage


def test_moins_setup_gives_the_request_its_groups(app):
    with wiki_request(app):
        assert TEAM in flaskg.groups and "AnnaAcl" in flaskg.groups[TEAM] and "BertAcl" not in flaskg.groups[TEAM]
        wrapped = moin_internals.wrap_request_groups(lambda groups: ("memo", groups))
        assert flaskg.groups is wrapped and wrapped[0] == "memo"


def test_moins_macro_argument_parser_reads_positional_and_keyword_arguments():
    """Our macros read ``<<Macro(…)>>`` arguments with moin's private parser (``_args_wiki.parse``)."""
    parsed = moin_internals.parse_macro_arguments('Kinder, "mit Komma, drin", lebensphase=kita, titel="A = B"')
    assert list(parsed.positional) == ["Kinder", "mit Komma, drin"]
    assert dict(parsed.keyword) == {"lebensphase": "kita", "titel": "A = B"}


def test_a_save_collects_only_the_young_generations(app):
    """moin ends ``store_revision`` with a full ``gc.collect()`` (40 ms per save in a worker holding the national
    wiki's catalog memo); ours collects the young generations.  Automatic collections are off during the save, so
    every collection seen is one that moin's code asked for."""
    import gc

    from moin.storage.middleware import indexing

    assert "gc.collect()" in inspect.getsource(StorageItem.store_revision)  # moin still asks for it
    collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.disable()
    gc.callbacks.append(seen)
    try:
        with wiki_request(app):
            flaskg.user = moin_user.User(auth_username="AnnaAcl", auth_method="moin")
            flaskg.storage = ProtectingMiddleware(app.storage, flaskg.user, app.cfg.acl_mapping)
            item = Item.create("Speicherprobe Sammlung", contenttype=MOINWIKI, itemtype="default")
            moin_internals.save_revision(item, {CONTENTTYPE: MOINWIKI, ITEMTYPE: "default"}, "Erster Stand", "")
    finally:
        gc.callbacks.remove(seen)
        gc.enable()
    assert collections and max(collections) <= 1, collections
    assert isinstance(indexing.gc, moin_internals._YoungCollections)
