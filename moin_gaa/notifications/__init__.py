"""Benachrichtigungen: what happens to a person's posts, proposals, groups and profiles, in the wiki (issue 16)."""
