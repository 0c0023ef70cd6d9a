"""The admin's modules are discovered with the URLconf, not as Django starts
(hubguide.apps.AdminConfig): each check runs in a fresh Python, where nothing has loaded
the URLconf, as in ``manage.py check`` or ``rebuild_db``."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json, sys
import django
django.setup()
from django.contrib import admin
from django.core import checks
from django.core.management import call_command

found = {"at_start": sorted(m._meta.label_lower for m in admin.site._registry)}
if sys.argv[1] == "checks":
    found["errors"] = [str(e) for e in checks.run_checks(tags=[checks.Tags.admin])]
    found["checked"] = sorted(m._meta.label_lower for m in admin.site._registry)
else:
    call_command("rebuild_db", "--check", verbosity=0)
    found["spreadsheets_imported"] = "openpyxl" in sys.modules
print(json.dumps(found))
"""


def probe(what, database_url=None):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hubguide.settings", "DJANGO_DEBUG": "1"}
    if database_url:
        env["DATABASE_URL"] = database_url
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, what],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.splitlines()[-1])


def test_the_admin_checks_examine_every_registered_model_admin():
    found = probe("checks")
    assert found["at_start"] == []  # nothing imported them as Django started
    assert found["errors"] == []
    assert {"cities.city", "companies.company", "companies.presence"} <= set(found["checked"])


def test_rebuild_db_imports_no_admin_and_no_spreadsheet_library(tmp_path):
    database = tmp_path / "db.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"},
        check=True,
    )
    found = probe("rebuild", database_url=f"sqlite:///{database}")
    assert found == {"at_start": [], "spreadsheets_imported": False}
