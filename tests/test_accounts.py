"""Role groups and the first administrator."""

import pytest
from conftest import acting_as
from flask import g as flaskg

from moin_gaa.core.accounts import AccountError, create_admin, ensure_role_groups, group_members


def test_create_admin_makes_an_administrator_and_moderator(empty_wiki):
    with acting_as(empty_wiki, None):
        assert sorted(ensure_role_groups()) == ["Administratoren", "Moderatoren"]
        assert ensure_role_groups() == []
        create_admin("Erste Admin", "admin@example.org", "Sehr-geheim-123")
        assert group_members("Administratoren") == ["Erste Admin"]
        assert group_members("Moderatoren") == ["Erste Admin"]
        # running it again neither fails nor duplicates
        create_admin("Erste Admin", "admin@example.org", "Sehr-geheim-123")
        assert group_members("Administratoren") == ["Erste Admin"]
    from moin import user as moin_user

    with acting_as(empty_wiki, None):
        admin = moin_user.User(auth_username="Erste Admin", password="Sehr-geheim-123")
        assert admin.valid
        flaskg.user = admin
        assert admin.may.superuser()


def test_a_weak_password_is_refused_with_moins_message(empty_wiki):
    with acting_as(empty_wiki, None):
        with pytest.raises(AccountError, match="Password|Passwort"):
            create_admin("Zweite Admin", "zweite@example.org", "kurz")
