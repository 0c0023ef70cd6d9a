"""Settings come from the environment: production is checked, and refuses to start half-set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-for-this-test-only-0123456789",
    "DJANGO_ALLOWED_HOSTS": "guide.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}
# Development settings on PostgreSQL: read, never connected to.
POSTGRESQL = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "DJANGO_DEBUG": "1"}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_variables_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_missing_secret_key_stops_start_up_with_a_message_naming_it():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_missing_allowed_hosts_stop_start_up_with_a_message_naming_them():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_postgresql_connections_get_the_planner_settings_and_they_can_be_replaced():
    """Read in a fresh process: the settings module reads the environment once."""
    show = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    default = manage("shell", "--no-imports", "-c", show, **POSTGRESQL)
    assert default.stdout.strip() == "-c random_page_cost=1.1", default.stderr
    replaced = manage(
        "shell", "--no-imports", "-c", show, DJANGO_PG_OPTIONS="-c work_mem=8MB", **POSTGRESQL
    )
    assert replaced.stdout.strip() == "-c work_mem=8MB", replaced.stderr


def test_a_prepare_threshold_that_is_not_a_number_stops_start_up_with_a_message():
    result = manage("check", DJANGO_PG_PREPARE_THRESHOLD="sometimes", **POSTGRESQL)
    assert result.returncode != 0
    assert "DJANGO_PG_PREPARE_THRESHOLD must be a number of executions" in result.stderr
    assert "'sometimes'" in result.stderr
