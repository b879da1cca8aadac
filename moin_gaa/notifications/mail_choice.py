"""How often a person wants their notifications by e-mail: at once, a daily or a weekly digest, or never;
and whether they want „Neues im PartnerWiki“, the weekly network digest.

Kept in the person's moin profile (``gaa_notification_mail``, ``gaa_network_digest``), like
Kommune/Organisation; the settings page's part „Benachrichtigungen“ (``moin_gaa.web.registration``) shows and
saves both, an unsubscribe link (:mod:`moin_gaa.notifications.mails`) switches one off without a login.
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
NETWORK_KEY = "gaa_network_digest"
NETWORK_LABEL = "„Neues im PartnerWiki“ wöchentlich erhalten – neue Werkzeuge, Termine, Online-Diskussionen, Kommunen"
UNKNOWN_CHOICE = "Bitte wählen Sie, wie oft Sie E-Mails erhalten: sofort, täglich, wöchentlich oder nie."


def mail_choice(user) -> str:
    """``user``'s choice (the default for a profile from before the choice existed)."""
    stored = str(stored_profile(user).get(MAIL_CHOICE_KEY) or "")
    return stored if stored in MAIL_CHOICES else DEFAULT_CHOICE


def network_digest(user) -> bool:
    """Whether ``user`` subscribed to „Neues im PartnerWiki“ (nobody is subscribed without asking)."""
    return stored_profile(user).get(NETWORK_KEY) is True


def save_mail_choice(user, choice: str, network: bool | None = None) -> str | None:
    """Store ``choice`` (and, unless None, the network digest) in ``user``'s profile; the German reason if
    ``choice`` is none of :data:`MAIL_CHOICES`."""
    if choice not in MAIL_CHOICES:
        return UNKNOWN_CHOICE
    user.profile[MAIL_CHOICE_KEY] = choice
    if network is not None:
        user.profile[NETWORK_KEY] = network
    user.save(force=True)
    return None
