"""``partnerwiki``: moin's command line plus the PartnerWiki commands.

Every ``moin`` command works unchanged (``partnerwiki index-build``, ``partnerwiki account-create``
…); the app they get is ours (:func:`moin_gaa.web.factory.create_app`).  Ours start with ``gaa-``.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

import click
from flask import Config as FlaskConfig
from flask import current_app
from flask.cli import FlaskGroup
from gunicorn.app.base import BaseApplication
from moin.app import before_wiki
from moin.cli import cli as moin_cli
from whoosh import index as whoosh_index

from moin_gaa.core import recovery
from moin_gaa.core.accounts import AccountError, create_admin, ensure_role_groups
from moin_gaa.core.app_state import partnerwiki
from moin_gaa.core.backup import (
    BackupError,
    create_backup,
    database_files,
    default_name,
    load_into,
    move_aside,
    restore_databases,
    stored_revisions,
    verify_backup,
)
from moin_gaa.core.catalog import check
from moin_gaa.core.notification_mail import base_url
from moin_gaa.core.progress import ProgressBar
from moin_gaa.core.storage import read_records
from moin_gaa.notifications.digest import send_due_digests
from moin_gaa.notifications.store import store_path
from moin_gaa.seeding import SeedError, load_seed_pages
from moin_gaa.web.factory import DEFAULT_CONFIG, REPO_DIR, create_app
from moin_gaa.web.request_groups import remember_groups

SEED_DIR = os.path.join(REPO_DIR, "seed_pages")


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """PartnerWiki – Gesundheit für alle (MoinMoin 2 mit den PartnerWiki-Erweiterungen)."""
    sys.stdout.reconfigure(encoding="utf-8")


for _name, _command in moin_cli.commands.items():
    if _name not in cli.commands:
        cli.add_command(_command, _name)


def wiki_config(config: str = DEFAULT_CONFIG):
    """The wiki's config class, read without starting moin (which exits if the indexes are missing)."""
    flask_config = FlaskConfig(REPO_DIR)
    flask_config.from_pyfile(os.environ.get("MOINCFG") or config)
    return flask_config["MOINCFG"]


def index_dir(config: str = DEFAULT_CONFIG) -> str:
    """moin's index directory."""
    return wiki_config(config).index_storage.args[0]


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


def sync_indexes(repair: bool = True) -> bool:
    """Check storage against moin's indexes (after a crash they may lag behind); repair and say so."""
    storage = current_app.storage
    report = recovery.check(storage)
    if report.ok:
        click.echo("Speicher und Suchindex stimmen überein.")
        return True
    click.echo(f"Speicher und Suchindex weichen ab: {report.summary()}.")
    for broken in report.broken:
        click.echo(f"  unvollständig geschrieben: {broken.backend}/{broken.revid} ({broken.reason})")
    if not repair:
        return False
    moved = recovery.repair(storage, report, current_app.cfg.instance_dir, progress=ProgressBar("Suchindex reparieren"))
    if moved:
        click.echo(f"Unvollständige Revisionen beiseitegelegt in {moved}.")
    remaining = recovery.check(storage)
    if not remaining.ok:
        raise click.ClickException(f"Suchindex nicht reparierbar: {remaining.summary()}.")
    click.echo("Suchindex repariert.")
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
        # first: a crash may have left revisions that moin's indexes do not know; seeding would
        # otherwise store those pages again as new items of the same name
        sync_indexes(repair=True)
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


@cli.command("gaa-index-check")
@click.option("--repair", is_flag=True, help="Abweichungen gleich beheben.")
def index_check(repair: bool) -> None:
    """moins Suchindex mit dem Speicher vergleichen (Exit-Code 1 bei Abweichungen)."""
    before_wiki()
    if not sync_indexes(repair=repair):
        raise SystemExit(1)


@cli.command("gaa-digest")
def digest_command() -> None:
    """Fällige Zusammenfassungen per E-Mail senden: täglich, wöchentlich, „Neues im PartnerWiki“ (für cron/systemd)."""
    cfg = current_app.cfg
    if not (cfg.mail_enabled and cfg.mail_from):
        raise click.ClickException("E-Mail ist nicht eingerichtet (PARTNERWIKI_SMTP, PARTNERWIKI_MAIL_FROM): "
                                   "nichts gesendet.")
    with current_app.test_request_context(base_url=base_url()):  # links in mails: the wiki's public address
        before_wiki()
        remember_groups()  # as in a request: each group looked up once per run, not once per ACL check
        run = send_due_digests(progress=ProgressBar("Zusammenfassungen"))
    click.echo(f"Gesendet: {run.personal} Zusammenfassungen von Benachrichtigungen, {run.network} × „Neues im "
               f"PartnerWiki“ ({run.people} Personen geprüft).")


def default_backup_dir() -> str:
    """``backups/`` beside the instance folder (not inside: a restore replaces the instance)."""
    return os.environ.get("PARTNERWIKI_BACKUP_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(current_app.cfg.instance_dir)), "backups"
    )


def sqlite_databases(cfg) -> dict[str, str]:
    """The SQLite files a backup carries beside storage, file name → path: the notification store (with its mail
    log and unread state)."""
    return {"gaa-notifications.sqlite3": store_path(cfg)}


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB".replace(".", ",")


@cli.command("gaa-backup")
@click.option(
    "--output-dir", "-o", default=None,
    help="Ordner der Sicherung (Standard: PARTNERWIKI_BACKUP_DIR oder backups/ neben der Instanz).",
)
def backup_command(output_dir: str | None) -> None:
    """Alles in eine Datei sichern: Seiten mit allen Revisionen, Anhänge, Konten – auch im laufenden Betrieb."""
    output_dir = os.path.abspath(output_dir or default_backup_dir())
    os.makedirs(output_dir, mode=0o700, exist_ok=True)
    path = os.path.join(output_dir, default_name())
    number = 1
    while os.path.exists(path):
        number += 1
        path = os.path.join(output_dir, default_name()[: -len(".zip")] + f"-{number}.zip")
    summary = create_backup(current_app.storage.backend, path, progress=ProgressBar("Sichern"),
                            databases=sqlite_databases(current_app.cfg))
    for broken in summary.skipped:
        click.echo(
            f"Nicht gesichert (unvollständig geschrieben): {broken.backend}/{broken.revid} – {broken.reason}", err=True
        )
    backends = ", ".join(f"{name}: {count}" for name, count in sorted(summary.per_backend.items()))
    click.echo(
        f"Gesichert: {summary.revisions} Revisionen von {summary.items} Seiten und Konten "
        f"({backends}; {_megabytes(summary.size)})."
    )
    for name, size in sorted(summary.databases.items()):
        click.echo(f"Dazu die Datenbank {name} (Benachrichtigungen, E-Mail-Protokoll; {_megabytes(size)}).")
    click.echo(
        "Nicht enthalten: der geheime Schlüssel (instance/secret_key bzw. PARTNERWIKI_SECRET_KEY) – getrennt aufbewahren."
    )
    click.echo(summary.path)


@cli.command("gaa-restore", with_appcontext=False)
@click.argument("backup_file", type=click.Path(dir_okay=False))
@click.option(
    "--overwrite", is_flag=True,
    help="Eine nicht leere Instanz ersetzen (ihre Daten werden beiseitegelegt, nicht gelöscht).",
)
def restore_command(backup_file: str, overwrite: bool) -> None:
    """Eine Sicherung in eine leere Instanz laden, Suchindex und Katalog neu aufbauen."""
    try:
        manifest = verify_backup(backup_file, progress=ProgressBar("Sicherung prüfen"))
    except BackupError as e:
        raise click.ClickException(f"Nichts wiederhergestellt – {e}") from e
    cfg = wiki_config()
    instance_dir = os.path.abspath(cfg.instance_dir)
    existing = stored_revisions([cfg.data_dir])
    if existing and not overwrite:
        raise click.ClickException(
            f"Nichts wiederhergestellt – die Instanz {instance_dir} ist nicht leer ({existing} Revisionen). "
            "Zum Ersetzen: make restore BACKUP=… FORCE=1 (bzw. gaa-restore --overwrite); "
            "die bisherigen Daten werden dabei beiseitegelegt, nicht gelöscht."
        )
    databases = sqlite_databases(cfg)
    if existing:
        files = [f for path in databases.values() for f in database_files(path)]
        aside = move_aside(instance_dir, [cfg.data_dir, index_dir(), cfg.gaa_catalog_dir, *files])
        click.echo(f"Bisherige Daten ({existing} Revisionen) beiseitegelegt in {aside}.")
    os.makedirs(os.path.dirname(index_dir()), exist_ok=True)
    try:
        restored = restore_databases(backup_file, manifest, databases)
    except BackupError as e:
        raise click.ClickException(f"Wiederherstellung abgebrochen – {e}") from e
    app = create_app(create_backend=True)
    with app.app_context():
        before_wiki()
        load_into(app.storage.backend, backup_file, manifest, progress=ProgressBar("Wiederherstellen"))
        report = recovery.check(app.storage)
        recovery.repair(app.storage, report, instance_dir, progress=ProgressBar("Suchindex aufbauen"))
        catalog = partnerwiki().catalog
        records = catalog.replace_all(read_records(app.storage, progress=ProgressBar("Katalog aufbauen")))
        after = recovery.check(app.storage)
        if not after.ok or len(after.scan.revisions) != manifest["revisions"]:
            raise click.ClickException(
                f"Wiederherstellung unvollständig: {len(after.scan.revisions)} von {manifest['revisions']} "
                "Revisionen; "
                f"{after.summary()}."
            )
    click.echo(
        f"Wiederhergestellt: {manifest['revisions']} Revisionen von {manifest['items']} Seiten und Konten "
        f"(Sicherung vom {manifest['created']}); Suchindex und Katalog ({records} Datensätze) neu aufgebaut."
    )
    for name in restored:
        click.echo(f"Datenbank {name} wiederhergestellt.")
    click.echo(
        "Der geheime Schlüssel gehört nicht zur Sicherung: mit einem anderen Schlüssel als vorher melden sich alle "
        "neu an (Passwörter und Kalender-Schlüssel gelten weiter)."
    )


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


# The combined log format, then the time taken and the worker's process id: „… 12ms <4711>“.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %(p)s'
# gunicorn kills a worker whose main loop has not reported for this long; a worker's first report comes only after
# it has opened the wiki, which takes a while on a busy machine (requests run in threads and do not count).
WORKER_TIMEOUT = 120


def default_workers() -> int:
    """Two per core plus one (gunicorn's advice), counting the cores this process may use."""
    return 2 * len(os.sched_getaffinity(0)) + 1


class ProductionServer(BaseApplication):
    """gunicorn with our app factory: every worker creates its own app after the fork (nothing opened is shared)."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self):
        return create_app()


def open_wiki_once() -> None:
    """Open the wiki once before the workers fork: start-up writes (a missing catalog is built) happen here once,
    not in every worker at the same moment.  In a child process, so the master hands no open index to the workers."""
    child = multiprocessing.get_context("fork").Process(target=create_app)
    child.start()
    child.join()
    if child.exitcode:
        raise click.ClickException("Das Wiki ließ sich nicht öffnen (Meldung oben); der Server startet nicht.")


@cli.command("gaa-serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse, an der der Server lauscht.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port.")
@click.option("--workers", type=click.IntRange(1), default=None, help="Arbeitsprozesse (Standard: 2 × Kerne + 1).")
@click.option("--threads", type=click.IntRange(1), default=4, show_default=True, help="Threads je Arbeitsprozess.")
@click.option("--log-dir", default=None, help="Ordner für access.log und error.log (Standard: log/ in der Instanz).")
@click.option(
    "--graceful-timeout", type=click.IntRange(1), default=30, show_default=True,
    help="Sekunden, die laufende Anfragen beim Beenden (SIGTERM) noch bekommen.",
)
def serve(host: str, port: int, workers: int | None, threads: int, log_dir: str | None, graceful_timeout: int) -> None:
    """Produktionsserver (gunicorn): mehrere Arbeitsprozesse, Protokolle in Dateien."""
    if not instance_exists():
        raise click.ClickException("Keine Instanz gefunden – bitte zuerst `make setup` (partnerwiki gaa-setup).")
    open_wiki_once()
    workers = workers or default_workers()
    log_dir = os.path.abspath(log_dir or os.path.join(wiki_config().instance_dir, "log"))
    os.makedirs(log_dir, exist_ok=True)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    click.echo(f"PartnerWiki auf http://{address}/ – {workers} Arbeitsprozesse mit je {threads} Threads; "
               f"Protokolle in {log_dir}")
    ProductionServer({
        "bind": address,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": graceful_timeout,
        "accesslog": os.path.join(log_dir, "access.log"),
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": os.path.join(log_dir, "error.log"),
        "capture_output": True,  # the workers' own output (moin's log, tracebacks) into error.log, too
        "forwarded_allow_ips": "",  # proxy headers are trusted by the app alone, with PARTNERWIKI_BEHIND_PROXY=1
        "control_socket_disable": True,  # gunicorn's control socket would be shared by every instance of a user
        "proc_name": "partnerwiki",
    }).run()
