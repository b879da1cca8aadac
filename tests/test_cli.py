"""The ``partnerwiki`` command: moin's commands plus ours, run as a user runs them."""

import json
import os
import shutil
import subprocess
import sys

import pytest

BIN = os.path.join(os.path.dirname(sys.executable), "partnerwiki")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def instance(tmp_path):
    """Environment for a CLI run on a new instance with a two-page seed folder."""
    seeds = tmp_path / "seeds"
    (seeds / "Lebensphasen").mkdir(parents=True)
    (seeds / "Startseite.data").write_text("= Start =\n<<Vocabulary(life_phases)>>\n")
    (seeds / "Startseite.meta").write_text(json.dumps({"summary": "Start"}))
    (seeds / "Lebensphasen" / "Kita.data").write_text("Kita")
    (seeds / "Lebensphasen" / "Kita.meta").write_text(
        json.dumps({"summary": "Kita", "gaa_type": "lebensphase", "gaa_fields": {"key": "kita"}})
    )
    env = dict(os.environ, PARTNERWIKI_INSTANCE=str(tmp_path / "instance"))
    env.pop("PARTNERWIKI_SECRET_KEY", None)  # the instance generates its own
    return env, str(seeds), tmp_path / "instance"


def run(env, *args, input=None):
    return subprocess.run(
        [BIN, *args], env=env, cwd=REPO, input=input, capture_output=True, text=True, timeout=120
    )


def test_setup_creates_the_instance_then_reuses_it(instance):
    env, seeds, instance_dir = instance
    first = run(env, "gaa-setup", "--seed-dir", seeds)
    assert first.returncode == 0, first.stderr
    assert "Neue Instanz angelegt." in first.stdout
    assert "Startseiten: 2 neu, 0 aktualisiert, 0 unverändert." in first.stdout
    secret = (instance_dir / "secret_key").read_text()
    assert len(secret) == 64 and oct((instance_dir / "secret_key").stat().st_mode)[-3:] == "600"

    second = run(env, "gaa-setup", "--seed-dir", seeds)
    assert second.returncode == 0, second.stderr
    assert "Neue Instanz" not in second.stdout
    assert "Startseiten: 0 neu, 0 aktualisiert, 2 unverändert." in second.stdout
    assert "Katalog ist aktuell." in second.stdout
    assert (instance_dir / "secret_key").read_text() == secret


def test_a_missing_catalog_is_rebuilt_with_a_progress_bar(instance):
    env, seeds, instance_dir = instance
    assert run(env, "gaa-setup", "--seed-dir", seeds).returncode == 0
    shutil.rmtree(instance_dir / "gaa-catalog")
    result = run(env, "gaa-catalog-check")
    assert result.returncode == 0, result.stderr
    assert "Katalog fehlt – aufbauen" in result.stderr and "100%" in result.stderr
    assert "Katalog ist aktuell." in result.stdout


def test_a_broken_seed_page_stops_setup_with_file_and_reason(instance):
    env, seeds, _ = instance
    with open(os.path.join(seeds, "Lebensphasen", "Kita.meta"), "w") as f:
        f.write("{nicht json")
    result = run(env, "gaa-setup", "--seed-dir", seeds)
    assert result.returncode != 0
    assert "Kita.meta: kein gültiges JSON" in result.stderr


def test_create_admin_with_password_from_environment_or_prompt(instance):
    env, seeds, _ = instance
    assert run(env, "gaa-setup", "--seed-dir", seeds).returncode == 0
    with_env = run(
        dict(env, PARTNERWIKI_ADMIN_PASSWORD="Start-Passwort-2026"),
        "gaa-create-admin",
        "--name",
        "Anna Admin",
        "--email",
        "anna@example.org",
    )
    assert with_env.returncode == 0, with_env.stderr
    assert "Anna Admin ist Administrator/in und Moderator/in." in with_env.stdout
    prompted = run(env, "gaa-create-admin", input="Bert Admin\nbert@example.org\nAnderes-Passwort-7\nAnderes-Passwort-7\n")
    assert prompted.returncode == 0, prompted.stderr + prompted.stdout
    members = run(env, "item-get", "-n", "Administratoren", "-m", "/dev/stdout", "-d", "/dev/null")
    assert members.returncode == 0, members.stderr
    assert '"Anna Admin"' in members.stdout and '"Bert Admin"' in members.stdout


def test_moins_own_commands_still_work(instance):
    env, seeds, _ = instance
    assert run(env, "gaa-setup", "--seed-dir", seeds).returncode == 0
    help_text = run(env, "--help").stdout
    for command in ("index-build", "account-create", "item-get", "gaa-setup", "gaa-catalog-check"):
        assert command in help_text
    created = run(env, "account-create", "-n", "Carla", "-e", "carla@example.org", "-p", "Carla-Passwort-99")
    assert created.returncode == 0, created.stderr
    fetched = run(env, "item-get", "-n", "Startseite", "-m", "/dev/null", "-d", "/dev/stdout")
    assert fetched.returncode == 0 and "<<Vocabulary(life_phases)>>" in fetched.stdout
