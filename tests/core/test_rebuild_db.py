"""rebuild_db replaces all content with the fixtures, in one transaction, or changes nothing."""

import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cities.models import City, Figure, Policy
from hubguide.fixtures import CONTENT_MODELS, DELETE_REASON, LOAD_REASON

TIMESTAMPS = {"created_at", "updated_at"}


def rebuild(*args):
    out = StringIO()
    call_command("rebuild_db", "--no-migrate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot():
    """Every content row by natural key, with its fields and relations, minus timestamps."""
    content = {}
    for label in CONTENT_MODELS:
        model = apps.get_model(label)
        records = json.loads(
            serializers.serialize(
                "json",
                model._default_manager.order_by("slug"),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        )
        for record in records:
            for name in TIMESTAMPS:
                record["fields"].pop(name, None)
        content[label] = records
    return content


def history_count():
    return sum(apps.get_model(label).history.count() for label in CONTENT_MODELS)


def copy_fixtures(directory):
    """A copy of the real fixtures, to break."""
    return Path(shutil.copytree(settings.FIXTURES_DIR, directory))


@pytest.fixture
def fixtures_dir(tmp_path):
    return copy_fixtures(tmp_path / "fixtures")


def edit_record(path, slug, change):
    """Apply ``change`` to the fields of the record ``slug``; return its 1-based number."""
    records = json.loads(path.read_text(encoding="utf-8"))
    index = next(i for i, record in enumerate(records) if record["fields"]["slug"] == slug)
    change(records[index]["fields"])
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return index + 1


def negative_figure(directory):
    number = edit_record(
        directory / "05_figures.json", "chengdu-gdp", lambda f: f.update(value="-1")
    )
    return [
        f'05_figures.json, record {number} (cities.figure "chengdu-gdp"): '
        "value: Ensure this value is greater than or equal to 0."
    ]


def zone_in_an_unknown_city(directory):
    number = edit_record(
        directory / "03_zones.json", "chengdu-hi-tech-zone", lambda f: f.update(city=["atlantis"])
    )
    return [
        f'03_zones.json, record {number} (cities.zone "chengdu-hi-tech-zone"): ',
        'city: there is no city with the slug "atlantis"',
    ]


def invalid_json(directory):
    path = directory / "04_policies.json"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    return ["04_policies.json: invalid JSON at line"]


@pytest.mark.django_db(transaction=True)
def test_running_it_twice_gives_the_same_content(media):
    call_command("rebuild_db", stdout=StringIO())
    first = snapshot()
    rebuild()
    assert snapshot() == first
    assert len(first["cities.city"]) == 5


def assert_refused(subtests, tmp_path, cases):
    """Each corrupted copy of the fixtures fails with an error naming the record."""
    before, history_before = snapshot(), history_count()
    for corrupt in cases:
        with subtests.test(corrupt.__name__):
            directory = copy_fixtures(tmp_path / corrupt.__name__)
            expected = corrupt(directory)

            with pytest.raises(CommandError) as error:
                rebuild("--fixtures-dir", str(directory))

            for text in expected:
                assert text in str(error.value)
            assert snapshot() == before
            assert history_count() == history_before


@pytest.mark.django_db(transaction=True)
def test_a_bad_record_changes_nothing_and_the_error_names_it(subtests, tmp_path, media):
    rebuild()
    assert_refused(subtests, tmp_path, [negative_figure, zone_in_an_unknown_city, invalid_json])


def duplicate_slug(directory):
    path = directory / "07_companies.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    records.append(records[0])
    path.write_text(json.dumps(records), encoding="utf-8")
    return [
        f'07_companies.json, record {len(records)} (companies.company "alibaba"): '
        "an earlier record already has this slug"
    ]


def record_with_a_pk(directory):
    path = directory / "06_sectors.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    records[1]["pk"] = 7
    path.write_text(json.dumps(records), encoding="utf-8")
    return ['06_sectors.json, record 2 (companies.sector "consumer-electronics"): has a "pk"']


def zone_in_another_city(directory):
    number = edit_record(
        directory / "08_presences.json",
        "alibaba-hangzhou-headquarters",
        lambda f: f.update(zone=["zhongguancun"]),
    )
    return [
        f'08_presences.json, record {number} (companies.presence "alibaba-hangzhou-headquarters")',
        "zone: Zhongguancun Science Park is in Beijing, not in Hangzhou.",
    ]


def missing_hero_image(directory):
    (directory / "media" / "cities" / "xian.jpg").unlink()
    default_storage.delete("cities/xian.jpg")
    return ['02_cities.json, record 5 (cities.city "xian"): hero_image: cities/xian.jpg']


def unknown_field(directory):
    number = edit_record(
        directory / "02_cities.json", "beijing", lambda f: f.update(mayor="nobody")
    )
    return [f'02_cities.json, record {number} (cities.city "beijing"): ', "no field 'mayor'"]


def model_that_is_not_content(directory):
    path = directory / "01_sources.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    records.append({"model": "auth.user", "fields": {"slug": "x", "username": "mallory"}})
    path.write_text(json.dumps(records), encoding="utf-8")
    return [f"01_sources.json, record {len(records)}: model 'auth.user' is not content"]


def future_year_for_an_actual_figure(directory):
    number = edit_record(
        directory / "05_figures.json", "xian-population", lambda f: f.update(year=2099)
    )
    return [
        f'05_figures.json, record {number} (cities.figure "xian-population"): ',
        "year: 2099 is in the future: only a target can be dated in the future.",
    ]


@pytest.mark.django_db
def test_other_bad_records_are_refused_by_name(subtests, tmp_path, media):
    """Also inside an outer transaction, as in a test: the database stays usable."""
    rebuild()
    assert_refused(
        subtests,
        tmp_path,
        [
            duplicate_slug,
            record_with_a_pk,
            zone_in_another_city,
            missing_hero_image,
            unknown_field,
            model_that_is_not_content,
            future_year_for_an_actual_figure,
        ],
    )


@pytest.mark.django_db(transaction=True)
def test_check_validates_everything_and_writes_nothing(media):
    out = rebuild("--check")

    assert out.startswith("fixtures are valid: 77 records in 8 files")
    assert re.search(r"^\s+5 cities$", out, re.MULTILINE)
    assert all(apps.get_model(label).objects.count() == 0 for label in CONTENT_MODELS)
    assert history_count() == 0
    assert not Path(media).exists()


@pytest.mark.django_db(transaction=True)
def test_check_leaves_existing_content_alone_and_reports_a_bad_record(fixtures_dir, media):
    rebuild()
    before, history_before = snapshot(), history_count()
    rebuild("--check")
    assert (snapshot(), history_count()) == (before, history_before)

    negative_figure(fixtures_dir)
    with pytest.raises(
        CommandError, match=r"05_figures.json, record \d+ \(cities.figure \"chengdu-gdp\"\)"
    ):
        rebuild("--check", "--fixtures-dir", str(fixtures_dir))


@pytest.mark.django_db
def test_check_on_an_unmigrated_database_says_to_migrate(monkeypatch):
    monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [])
    with pytest.raises(CommandError, match=r"no table cities_source.*manage\.py migrate"):
        rebuild("--check")


@pytest.mark.django_db
def test_the_output_lists_counts_per_model_and_the_time_taken(media):
    out = rebuild()

    assert re.search(r"Loaded 77 records from 8 fixture files .* in \d+\.\d\d s:", out)
    lines = re.findall(r"^\s+(\d+) (\w+)$", out, re.MULTILINE)
    counts = {name: int(count) for count, name in lines}
    assert counts == {
        "sources": 2,
        "cities": 5,
        "zones": 5,
        "policies": 8,
        "figures": 15,
        "sectors": 12,
        "companies": 15,
        "presences": 15,
    }


@pytest.mark.django_db
def test_media_overwrites_files_of_the_same_name_without_suffixes(media):
    default_storage.save("cities/beijing.jpg", ContentFile(b"stale"))
    rebuild()
    with default_storage.open("cities/beijing.jpg") as handle:
        assert handle.read() == (settings.FIXTURES_DIR / "media/cities/beijing.jpg").read_bytes()
    assert sorted(default_storage.listdir("cities")[1]) == [
        "beijing.jpg",
        "chengdu.jpg",
        "hangzhou.jpg",
        "shenzhen.jpg",
        "xian.jpg",
    ]


@pytest.mark.django_db
def test_history_says_rows_were_loaded_and_deleted_by_rebuild_db(media):
    rebuild()
    first = City.objects.get(slug="xian").pk
    rebuild()

    entries = list(
        City.history.filter(id=first)
        .order_by("history_id")
        .values_list("history_type", "history_change_reason")
    )
    assert entries == [("+", LOAD_REASON), ("-", DELETE_REASON)]
    figure = Figure.objects.get(slug="xian-population")
    assert figure.history.latest().history_change_reason == LOAD_REASON


@pytest.mark.django_db
def test_each_loaded_row_has_one_history_entry_holding_its_many_to_many_rows(media):
    """One entry a row, not one more per many-to-many field set: the entry a revert
    would go back to names the row's cities, zones and sources."""
    rebuild()

    policy = Policy.objects.get(slug="made-in-china-2025")
    [entry] = policy.history.all()
    assert entry.history_type == "+"
    assert {row.city_id for row in entry.cities.all()} == set(
        policy.cities.values_list("pk", flat=True)
    )
    assert {row.source_id for row in entry.sources.all()} == set(
        policy.sources.values_list("pk", flat=True)
    )
    assert entry.cities.exists() and entry.sources.exists()
    assert sum(apps.get_model(label).history.count() for label in CONTENT_MODELS) == sum(
        apps.get_model(label).objects.count() for label in CONTENT_MODELS
    )
