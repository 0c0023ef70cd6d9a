"""manage.py bench: a smoke run at a tiny size, and the bare view kept off the public site.

Timings are never asserted: they depend on the machine.
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from hubguide.bench_urls import BARE_PATH

pytestmark = pytest.mark.django_db


def test_the_bare_view_is_not_on_the_public_site(client):
    assert client.get(BARE_PATH).status_code == 404


def test_a_tiny_in_process_run_reports_every_page_as_a_table_and_json(tmp_path, capsys):
    results_path = tmp_path / "bench.json"

    call_command(
        "bench",
        "--sizes", "40", "--requests", "3", "--warmup", "1", "--cache", "both",
        "--no-gunicorn", "--rebuild-runs", "0", "--json", str(results_path),
    )  # fmt: skip

    results = json.loads(results_path.read_text())
    (run,) = results["runs"]
    assert run["companies"] >= 40
    for mode in ("cache_off", "cache_on"):
        pages = {page["page"]: page for page in run["in_process"][mode]}
        assert list(pages) == ["bare", "home", "city", "directory", "search", "filters", "company"]
        bare = pages["bare"]
        assert (bare["status"], bare["queries"], bare["requests"]) == (200, 0, 3)
        for page in pages.values():
            # A page that is missing or broken is reported, not fatal.
            assert page["status"] == 200 or page["median_ms"] is None
    assert "gunicorn" not in run
    assert "rebuild_db" not in results
    out = capsys.readouterr().out
    assert "bare view" in out and "company page" in out
    assert str(results_path) in out


@pytest.mark.django_db(transaction=True)  # PostgreSQL makes its scratch database outside any
def test_rebuild_db_is_timed_from_an_empty_database_in_a_fresh_process(tmp_path, capsys):
    results_path = tmp_path / "bench.json"

    call_command(
        "bench",
        "--sizes", "20", "--requests", "1", "--warmup", "0", "--cache", "off",
        "--no-gunicorn", "--rebuild-runs", "1", "--json", str(results_path),
    )  # fmt: skip

    rebuild = json.loads(results_path.read_text())["rebuild_db"]
    assert len(rebuild["runs"]) == 1
    assert rebuild["median_seconds"] > rebuild["check_median_seconds"] > 0
    out = capsys.readouterr().out
    assert "rebuild_db from an empty" in out and "migrations and media included" in out
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE '%%_rebuild'")
            assert cursor.fetchall() == []  # the scratch database is gone
