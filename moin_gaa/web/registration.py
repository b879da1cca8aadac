"""Registration and settings in German (issue 14, point 4): moin's ``/+register`` and ``/+usersettings``.

**Registration** (:func:`register`).  moin 2.0.0b5's view fixes its flatland form (flatland's messages stay
English – „E-Mail is not a valid email address.“ –, both password fields are labelled „Passwort“), its
fields and its redirect to an empty page (``+blank``); none of it can be changed from outside.  So the
endpoint ``frontend.register`` gets our view, at the same address and with moin's field names
(``register_username`` …).  The account is made by moin's own ``user.create_user``, as moin's view does it
(with moin's e-mail verification when ``user_email_verification`` is on).  Added: an optional Kommune from
the Partnerverzeichnis *or* another organisation (free text – Koordinierungsstellen, Länder, Verbände and
Krankenkassen take part in the Partnerprozess too, and are no municipality), a required consent to the
Datenschutzerklärung (its time is kept in the profile), German messages per field with a summary, and
afterwards the login form with a message saying the account exists.  :mod:`moin_gaa.web.moin_view_guards`
still wraps the endpoint (one registration at a time, incomplete forms refused): install this first.

**Settings** stay moin's view, wrapped (:func:`settings`): the parts ``organisation`` (Kommune/Organisation)
and ``benachrichtigungen`` (how often notifications come by e-mail, in the tab „E-Mail“) are ours, answered
like moin's parts (the page, or JSON for moin's script); a theme other than the wiki's own or a CSS file of
one's own is refused; a part without a field that moin's check reads unguarded (``email``,
``css_file``) is refused with a 400 (moin fails on it with a traceback).
``wiki_local/usersettings_forms.html`` renders the parts: German labels, no theme choice, our part.

**German for messages translated too late** (:func:`german`, the template filter ``gaa_german``): moin gives
flatland no translator, so flatland's validator messages („%(label)s may not be blank.“) stay English, and
moin's password checker formats its messages before looking them up.  Both catalogs hold the German text;
:func:`german` finds a message by its shape and formats the German one with the same values.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

import flatland
import moin
from babel.messages.pofile import read_po
from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask import g as flaskg
from flask_babel import get_locale
from flatland import String
from flatland.validation import IsEmail
from moin import user as moin_user
from moin.auth import MoinAuth
from moin.constants.rights import SUPERUSER
from moin.themes import render_template

from moin_gaa.core.access import ReadRights
from moin_gaa.core.accounts import (
    ACL_SPECIAL_NAMES,
    Affiliation,
    account_exists,
    affiliation,
    affiliation_profile,
    consent_profile,
    save_affiliation,
)
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.text_input import form_value, input_problems
from moin_gaa.notifications.mail_choice import (
    MAIL_CHOICES,
    NETWORK_LABEL,
    mail_choice,
    network_digest,
    save_mail_choice,
)
from moin_gaa.partners.municipalities import is_profile, profile_names
from moin_gaa.web.moin_view_guards import guard, refuse

MAX_MUNICIPALITY_CHOICES = 1000  # beyond this many profiles the page carries no list; the name is still checked
MAX_AFFILIATION = 200
AFFILIATION_PART = "organisation"  # our parts of moin's settings page
MAIL_CHOICE_PART = "benachrichtigungen"
MAIL_CHOICE_SAVED = "Ihre Wahl für E-Mails zu Benachrichtigungen ist gespeichert."

NAME_MISSING = "Bitte geben Sie einen Benutzernamen an."
NAME_RULES = ("Ein Benutzername besteht aus Buchstaben, Ziffern, einzelnen Leerzeichen zwischen Wörtern und den "
              "Zeichen ' @ . - _ – zum Beispiel „Maria Muster“.")
NAME_RESERVED = "„{}“ ist in Zugriffsregeln für eine Gruppe reserviert. Bitte wählen Sie einen anderen Namen."
NAME_TAKEN = "Der Name „{}“ ist schon vergeben. Bitte wählen Sie einen anderen, etwa mit Vor- und Nachnamen."
PASSWORD_MISSING = "Bitte geben Sie ein Passwort an."
PASSWORD_REPEAT_MISSING = "Bitte wiederholen Sie das Passwort."
PASSWORD_MISMATCH = "Die beiden Passwörter stimmen nicht überein. Bitte geben Sie zweimal dasselbe Passwort ein."
EMAIL_MISSING = "Bitte geben Sie Ihre E-Mail-Adresse an – mit ihr können Sie ein vergessenes Passwort neu setzen."
EMAIL_INVALID = "Bitte geben Sie eine gültige E-Mail-Adresse an, etwa „name@kommune.de“."
EMAIL_TAKEN = ("Mit dieser E-Mail-Adresse gibt es schon ein Konto. Ist es Ihres, setzen Sie über "
               "„Passwort vergessen“ auf der Anmeldeseite ein neues Passwort.")
CONSENT_MISSING = ("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung gelesen haben und mit der Speicherung "
                   "Ihrer Angaben einverstanden sind.")
MUNICIPALITY_UNKNOWN = ("„{}“ steht nicht im Partnerverzeichnis. Bitte wählen Sie eine Kommune aus der Liste (so "
                        "geschrieben wie dort) oder tragen Sie Ihre Organisation im Feld darunter ein.")
BOTH_GIVEN = "Bitte geben Sie entweder eine Kommune aus dem Partnerverzeichnis oder eine andere Organisation an."
CREATED = "Ihr Konto „{}“ ist angelegt. Bitte melden Sie sich jetzt an."
CREATED_VERIFY = ("Ihr Konto „{}“ ist angelegt. Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse: Wir haben Ihnen "
                  "einen Link geschickt. Danach können Sie sich hier anmelden.")
VERIFY_FAILED = ("Ihr Konto „{}“ ist angelegt, aber die E-Mail zur Bestätigung konnte nicht verschickt werden "
                 "({}). Bitte wenden Sie sich an die Administration, damit sie Ihr Konto freischaltet.")
AFFILIATION_SAVED = "Ihre Angaben zu Kommune und Organisation sind gespeichert."
NOT_SAVED = "Nichts gespeichert. Bitte prüfen Sie Ihre Angaben."
ONE_THEME = "Das PartnerWiki hat nur eine Darstellung; eine andere kann nicht gewählt werden."
FORM_INCOMPLETE = "Das Formular ist unvollständig. Bitte laden Sie die Einstellungen neu."
# parts of moin's settings and the field each one's check reads without looking (None: a traceback)
FIELDS_MOIN_NEEDS = {"notification": "email", "ui": "css_file"}

# moin formats these before it looks them up (config/default.py, ``_default_password_checker``)
MOIN_FORMATTED_EARLY = (
    "For a password a minimum length of {min_length} characters is required.",
    "For a password a minimum of {min_different:d} different characters is required.",
)
FLATLAND_CATALOG = os.path.join(os.path.dirname(flatland.__file__), "i18n", "{}", "LC_MESSAGES", "flatland.po")
MOIN_CATALOG = os.path.join(os.path.dirname(moin.__file__), "translations", "{}", "LC_MESSAGES", "messages.po")
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)(?::[^}]*)?\}")


def install(app: Flask) -> None:
    """Our registration view on moin's endpoint, moin's settings wrapped; call before moin_view_guards.install."""
    if "frontend.register" in app.view_functions:
        app.view_functions["frontend.register"] = register
    guard(app, "frontend.usersettings", settings)
    app.jinja_env.filters["gaa_german"] = german
    app.jinja_env.globals["gaa_affiliation_form"] = affiliation_form
    app.jinja_env.globals["gaa_mail_choice_form"] = mail_choice_form


# --- German for messages that moin and flatland translate too late --------------------------------------------


def _pattern(msgid: str) -> re.Pattern:
    """A regular expression for ``msgid`` formatted: each placeholder stands for any text."""
    parts, seen, pos = [], set(), 0
    for match in PLACEHOLDER.finditer(msgid):
        name = match.group(1) or match.group(2)
        parts += [re.escape(msgid[pos:match.start()]), f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"]
        seen.add(name)
        pos = match.end()
    return re.compile("".join(parts) + re.escape(msgid[pos:]))


@lru_cache(maxsize=4)
def _translations(language: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern of the English message, its translation) from flatland's catalog and for moin's early formats."""
    found = []
    for path, wanted in ((FLATLAND_CATALOG, None), (MOIN_CATALOG, MOIN_FORMATTED_EARLY)):
        path = path.format(language)
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            catalog = read_po(f)
        for message in catalog:
            msgid = message.id
            if isinstance(msgid, str) and msgid and message.string and (wanted is None or msgid in wanted):
                found.append((_pattern(msgid), message.string))
    return tuple(sorted(found, key=lambda pair: -len(pair[0].pattern)))


def german(message: Any) -> str:
    """``message`` with the parts that flatland or moin left untranslated in the UI language (German)."""
    text = str(message)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return text
    for pattern, translated in _translations(locale.language):
        text = pattern.sub(lambda m, t=translated: PLACEHOLDER.sub(lambda p: m[p.group(1) or p.group(2)], t), text)
    return text


# --- Kommune or organisation ----------------------------------------------------------------------------------


def municipality_choices() -> list[str]:
    with partnerwiki().catalog.reader(ReadRights()) as reader:
        return profile_names(reader, limit=MAX_MUNICIPALITY_CHOICES)


def checked_affiliation(values: dict, prefix: str = "", stored: Affiliation = Affiliation()
                        ) -> tuple[Affiliation, dict]:
    """The Affiliation that ``values`` (fields ``<prefix>kommune``, ``<prefix>organisation``) choose, and the
    German messages per field.  The Kommune must be a profile of the Partnerverzeichnis (a stored one that is
    no longer there may stay)."""
    kommune_field, organisation_field = prefix + "kommune", prefix + "organisation"
    raw = {kommune_field: values.get(kommune_field, ""), organisation_field: values.get(organisation_field, "")}
    errors = input_problems(raw, {field: MAX_AFFILIATION for field in raw})
    chosen = Affiliation(form_value(raw[kommune_field], MAX_AFFILIATION),
                         form_value(raw[organisation_field], MAX_AFFILIATION))
    if chosen.kommune and chosen.kommune != stored.kommune and kommune_field not in errors:
        with partnerwiki().catalog.reader(ReadRights()) as reader:
            if not is_profile(reader, chosen.kommune):
                errors[kommune_field] = MUNICIPALITY_UNKNOWN.format(chosen.kommune)
    if chosen.kommune and chosen.organisation and organisation_field not in errors:
        errors[organisation_field] = BOTH_GIVEN
    return chosen, errors


# --- registration ---------------------------------------------------------------------------------------------

REGISTRATION_FIELDS = ("register_username", "register_password1", "register_password2", "register_email",
                       "register_kommune", "register_organisation", "register_consent")


def _moin_auth_in_use() -> bool:
    """Only with moin's own authentication do accounts live in moin (moin's view checks the same)."""
    return any(isinstance(method, MoinAuth) for method in current_app.cfg.auth)


def register():
    """moin's ``+register``, in German, with Kommune/Organisation and consent (see the module docstring)."""
    cfg = current_app.cfg
    if cfg.registration_only_by_superuser and not getattr(flaskg.user.may, SUPERUSER)():
        abort(404)
    if not _moin_auth_in_use():
        return Response("Konten werden in diesem Wiki nicht hier angelegt.", 403)
    if request.method != "POST":
        return _registration_page({}, {})
    values = {field: request.form.get(field, "") for field in REGISTRATION_FIELDS}
    errors, chosen = registration_problems(values)
    if not errors:
        problem = _create_account(values, chosen)
        if problem is None:
            return redirect(url_for("frontend.login"))
        errors["_"] = problem
    return _registration_page(values, errors, 400)


def registration_problems(values: dict) -> tuple[dict, Affiliation]:
    """German messages per field, in the form's order, and the chosen Kommune/Organisation."""
    cfg = current_app.cfg
    errors: dict[str, str] = {}
    name, password, email = values["register_username"], values["register_password1"], values["register_email"].strip()
    if not name:
        errors["register_username"] = NAME_MISSING
    elif moin_user.normalizeName(name) != name:
        errors["register_username"] = NAME_RULES
    elif not moin_user.isValidName(name) or name.casefold() in (n.casefold() for n in ACL_SPECIAL_NAMES):
        errors["register_username"] = NAME_RESERVED.format(name)
    elif account_exists(name):
        errors["register_username"] = NAME_TAKEN.format(name)
    if not password:
        errors["register_password1"] = PASSWORD_MISSING
    elif cfg.password_checker and (problem := cfg.password_checker(name, password)):
        errors["register_password1"] = german(problem)
    if not values["register_password2"]:
        errors["register_password2"] = PASSWORD_REPEAT_MISSING
    elif password and values["register_password2"] != password:
        errors["register_password2"] = PASSWORD_MISMATCH
    if not email:
        errors["register_email"] = EMAIL_MISSING
    elif not IsEmail().validate(String(email), None):
        errors["register_email"] = EMAIL_INVALID
    elif cfg.user_email_unique and moin_user.search_users(email=email):
        errors["register_email"] = EMAIL_TAKEN
    chosen, affiliation_errors = checked_affiliation(values, prefix="register_")
    errors.update(affiliation_errors)
    if values["register_consent"] != "ja":
        errors["register_consent"] = CONSENT_MISSING
    return errors, chosen


def _create_account(values: dict, chosen: Affiliation) -> str | None:
    """Create the account through moin; None, or moin's reason why not."""
    name = values["register_username"]
    verify = bool(current_app.cfg.user_email_verification)
    extra: dict[str, Any] = {**affiliation_profile(chosen), **consent_profile()}
    if verify:
        extra.update(is_disabled=True, verify_email=True)  # as moin's view: disabled until the link is followed
    problem = moin_user.create_user(username=name, password=values["register_password1"],
                                    email=values["register_email"].strip(), **extra)
    if problem:
        return german(problem)
    if not verify:
        flash(CREATED.format(name), "info")
        return None
    sent, reason = moin_user.User(auth_username=name).mail_email_verification()
    flash(CREATED_VERIFY.format(name) if sent else VERIFY_FAILED.format(name, reason), "info" if sent else "error")
    return None


def _registration_page(values: dict, errors: dict, status: int = 200):
    shown = {k: v for k, v in values.items() if k not in ("register_password1", "register_password2")}
    page = render_template("register.html", title_name="Registrieren", values=shown, errors=errors,
                           municipalities=municipality_choices())
    return page, status


# --- settings -------------------------------------------------------------------------------------------------


def settings(view, **kwargs):
    """moin's ``+usersettings``: our part, one look, no part without the field moin needs."""
    if request.method == "POST" and flaskg.user.valid:
        part = request.form.get("part")
        if part == "ui" and (request.form.get("theme_name", "") not in ("", current_app.cfg.theme_default)
                             or request.form.get("css_file")):
            refuse(400, ONE_THEME)
        if part in FIELDS_MOIN_NEEDS and not isinstance(request.form.get(FIELDS_MOIN_NEEDS[part]), str):
            refuse(400, FORM_INCOMPLETE)
        if part == AFFILIATION_PART:
            return _save_affiliation_part(view, **kwargs)
        if part == MAIL_CHOICE_PART:
            return _save_mail_choice_part(view, **kwargs)
    return view(**kwargs)


def _is_xhr() -> bool:
    """moin's settings script asks for JSON (moin's view decides the same way)."""
    return request.accept_mimetypes.best in ("application/json", "text/javascript")


def _save_affiliation_part(view, **kwargs):
    values = {"kommune": request.form.get("kommune", ""), "organisation": request.form.get("organisation", "")}
    chosen, errors = checked_affiliation(values, stored=affiliation(flaskg.user))
    if not errors:
        save_affiliation(flaskg.user, chosen)
        values = {"kommune": chosen.kommune, "organisation": chosen.organisation}
    message = (NOT_SAVED, "error") if errors else (AFFILIATION_SAVED, "info")
    flaskg.gaa_affiliation_form = {"values": values, "errors": errors}
    if _is_xhr():
        part = get_template_attribute("usersettings_forms.html", "organisation")(affiliation_form())
        return jsonify(form=str(part), flash=[message], redirect=None)
    flash(*message)
    if not errors:
        return redirect(url_for("frontend.usersettings") + "#" + AFFILIATION_PART)
    return view(**kwargs), 400  # moin renders all parts (ours from flaskg) for a part it does not know


def affiliation_form() -> dict:
    """Template global: the Kommune/Organisation part's values, errors and the municipalities to choose from."""
    form = getattr(flaskg, "gaa_affiliation_form", None)
    if form is None:
        stored = affiliation(flaskg.user)
        form = {"values": {"kommune": stored.kommune, "organisation": stored.organisation}, "errors": {}}
    return {**form, "municipalities": municipality_choices()}


def _save_mail_choice_part(view, **kwargs):
    """The part „Benachrichtigungen“: how often notifications come by e-mail (moin_gaa.notifications.mail_choice)."""
    problem = save_mail_choice(flaskg.user, request.form.get("mail", ""), network=request.form.get("netzwerk") == "1")
    message = (problem, "error") if problem else (MAIL_CHOICE_SAVED, "info")
    if _is_xhr():
        part = get_template_attribute("usersettings_forms.html", "mail_choice")(mail_choice_form())
        return jsonify(form=str(part), flash=[message], redirect=None)
    flash(*message)
    if not problem:
        return redirect(url_for("frontend.usersettings") + "#notification")  # its tab: „E-Mail“
    return view(**kwargs), 400


def mail_choice_form() -> dict:
    """Template global: the part „Benachrichtigungen“ – the choices and the person's current one."""
    return {"choices": MAIL_CHOICES, "chosen": mail_choice(flaskg.user), "network": network_digest(flaskg.user),
            "network_label": NETWORK_LABEL}
