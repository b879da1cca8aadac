"""How often a person wants their notifications by e-mail: at once, a daily or a weekly digest, or never.

Kept in the person's moin profile (``gaa_notification_mail``), like Kommune/Organisation; the settings page's
part „Benachrichtigungen“ (``moin_gaa.web.registration``) shows and saves it.  The mails themselves are the
next step of issue 16 (point 2): they read :func:`mail_choice`.
"""

from __future__ import annotations

from moin_gaa.core.moin_internals import stored_profile

MAIL_CHOICE_KEY = "gaa_notification_mail"
MAIL_CHOICES = {
    "sofort": "sofort – eine E-Mail je Benachrichtigung",
    "taeglich": "täglich – eine Zusammenfassung am Tag",
    "woechentlich": "wöchentlich – eine Zusammenfassung in der Woche",
    "nie": "nie – nur hier im Wiki",
}
DEFAULT_CHOICE = "taeglich"
UNKNOWN_CHOICE = "Bitte wählen Sie, wie oft Sie E-Mails erhalten: sofort, täglich, wöchentlich oder nie."


def mail_choice(user) -> str:
    """``user``'s choice (the default for a profile from before the choice existed)."""
    stored = str(stored_profile(user).get(MAIL_CHOICE_KEY) or "")
    return stored if stored in MAIL_CHOICES else DEFAULT_CHOICE


def save_mail_choice(user, choice: str) -> str | None:
    """Store ``choice`` in ``user``'s profile; the German reason if it is none of :data:`MAIL_CHOICES`."""
    if choice not in MAIL_CHOICES:
        return UNKNOWN_CHOICE
    user.profile[MAIL_CHOICE_KEY] = choice
    user.save(force=True)
    return None
