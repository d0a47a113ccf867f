import os
import subprocess
import sys

import pytest
from django.db import connection

from candidly.lib.env import database_from_url


def _import_settings(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import candidly.settings"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = _import_settings({"DEBUG": "0", "CANDIDLY_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_with_a_real_secret_key_when_debug_is_off(tmp_path):
    result = _import_settings(
        {"DEBUG": "0", "SECRET_KEY": "x" * 50, "CANDIDLY_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_a_secret_key_once(tmp_path):
    env = {"CANDIDLY_VAR_DIR": str(tmp_path)}
    assert _import_settings(env).returncode == 0
    first = (tmp_path / "secret_key").read_text()
    assert _import_settings(env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == first
    assert len(first) >= 50


def test_database_url_switches_to_postgresql():
    db = database_from_url("postgres://rec:p%40ss@db.internal:6543/candidly?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "rec",
        "p@ss",
        "db.internal",
        "6543",
        "candidly",
    )
    assert db["OPTIONS"] == {
        "sslmode": "require",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    pooled = database_from_url("postgres://x@y/z?prepare_threshold=none&server_side_binding=false")
    assert pooled["OPTIONS"] == {"server_side_binding": False, "prepare_threshold": None}


def test_database_url_rejects_other_engines():
    with pytest.raises(ValueError, match="postgres://"):
        database_from_url("mysql://x@y/z")


@pytest.mark.django_db
def test_the_connection_is_set_up_for_this_engine():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 20000
        else:
            cursor.execute("SHOW TimeZone")
            assert cursor.fetchone()[0] == "UTC"


def test_sqlite_file_database_uses_wal(tmp_path):
    code = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "candidly.settings",
            "CANDIDLY_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "wal", result.stderr
