"""``partnerwiki``: moin's command line plus the PartnerWiki commands.

Every ``moin`` command works unchanged (``partnerwiki index-build``, ``partnerwiki account-create``
…); the app they get is ours (:func:`moin_gaa.app.create_app`).  Ours start with ``gaa-``.
"""

from __future__ import annotations

import os
import sys

import click
from flask import Config as FlaskConfig
from flask import current_app
from flask.cli import FlaskGroup
from moin.app import before_wiki
from moin.cli import cli as moin_cli
from whoosh import index as whoosh_index

from .accounts import AccountError, create_admin, ensure_role_groups
from .app import DEFAULT_CONFIG, REPO_DIR, create_app, partnerwiki
from .catalog import check
from .progress import ProgressBar
from .seeding import SeedError, load_seed_pages
from .storage import read_records

SEED_DIR = os.path.join(REPO_DIR, "seed_pages")


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """PartnerWiki – Gesundheit für alle (MoinMoin 2 mit den PartnerWiki-Erweiterungen)."""
    sys.stdout.reconfigure(encoding="utf-8")


for _name, _command in moin_cli.commands.items():
    if _name not in cli.commands:
        cli.add_command(_command, _name)


def index_dir(config: str = DEFAULT_CONFIG) -> str:
    """moin's index directory, read from the config without starting moin (which exits if it is missing)."""
    flask_config = FlaskConfig(REPO_DIR)
    flask_config.from_pyfile(os.environ.get("MOINCFG") or config)
    return flask_config["MOINCFG"].index_storage.args[0]


def instance_exists() -> bool:
    """Whether moin's storage and indexes were created."""
    return whoosh_index.exists_in(index_dir(), indexname="latest_meta")


def sync_catalog(repair: bool = True) -> bool:
    """Check the catalog against storage; rebuild it (with a progress bar) if it is stale."""
    catalog = partnerwiki().catalog
    storage = current_app.storage
    fresh = catalog.exists()
    report = check(catalog, read_records(storage)) if fresh else None
    if report is not None and report.ok:
        click.echo("Katalog ist aktuell.")
        return True
    if report is not None:
        click.echo(
            f"Katalog veraltet: {len(report.missing)} fehlen, {len(report.outdated)} veraltet, "
            f"{len(report.orphaned)} verwaist."
        )
    else:
        click.echo("Katalog fehlt.")
    if not repair:
        return False
    count = catalog.replace_all(read_records(storage, progress=ProgressBar("Katalog aufbauen")))
    click.echo(f"Katalog neu aufgebaut: {count} Datensätze.")
    return True


@cli.command("gaa-setup", with_appcontext=False)
@click.option("--seed-dir", default=SEED_DIR, show_default=True, help="Ordner mit den Startseiten.")
def setup(seed_dir: str) -> None:
    """Instanz anlegen (falls nötig), Startinhalt laden, Katalog prüfen – idempotent."""
    created = not instance_exists()
    os.makedirs(os.path.dirname(index_dir()), exist_ok=True)
    app = create_app(create_backend=True) if created else create_app()
    with app.app_context():
        before_wiki()
        if created:
            click.echo("Neue Instanz angelegt.")
        ensure_role_groups()
        _load_seeds(seed_dir)
        sync_catalog(repair=True)


def _load_seeds(seed_dir: str) -> None:
    try:
        result = load_seed_pages(seed_dir, progress=ProgressBar("Startseiten laden"))
    except SeedError as e:
        raise click.ClickException(f"Startseiten nicht geladen – {e}") from e
    click.echo(
        f"Startseiten: {len(result.created)} neu, {len(result.updated)} aktualisiert, "
        f"{len(result.unchanged)} unverändert."
    )


@cli.command("gaa-load-seeds")
@click.option("--seed-dir", default=SEED_DIR, show_default=True, help="Ordner mit den Startseiten.")
def load_seeds(seed_dir: str) -> None:
    """Startseiten laden (seitenweise ganz oder gar nicht; zweimal laden ändert nichts)."""
    before_wiki()
    _load_seeds(seed_dir)


@cli.command("gaa-catalog-rebuild")
def catalog_rebuild() -> None:
    """Den PartnerWiki-Katalog vollständig aus dem Speicher neu aufbauen."""
    count = partnerwiki().catalog.replace_all(read_records(current_app.storage, progress=ProgressBar("Katalog aufbauen")))
    click.echo(f"Katalog neu aufgebaut: {count} Datensätze.")


@cli.command("gaa-catalog-check")
@click.option("--repair", is_flag=True, help="Einen veralteten Katalog gleich neu aufbauen.")
def catalog_check(repair: bool) -> None:
    """Den Katalog mit dem Speicher vergleichen (Exit-Code 1, wenn er veraltet ist)."""
    if not sync_catalog(repair=repair):
        raise SystemExit(1)


@cli.command("gaa-create-admin")
@click.option("--name", prompt="Benutzername", help="Benutzername der Administratorin / des Administrators.")
@click.option("--email", prompt="E-Mail-Adresse", help="E-Mail-Adresse.")
@click.password_option(
    "--password",
    envvar="PARTNERWIKI_ADMIN_PASSWORD",
    help="Passwort (sonst aus PARTNERWIKI_ADMIN_PASSWORD oder einer Abfrage).",
    prompt="Passwort",
    confirmation_prompt="Passwort wiederholen",
)
def create_admin_command(name: str, email: str, password: str) -> None:
    """Ein Administratorkonto anlegen (Mitglied in Administratoren und Moderatoren)."""
    before_wiki()
    try:
        create_admin(name, email, password)
    except AccountError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{name} ist Administrator/in und Moderator/in.")
