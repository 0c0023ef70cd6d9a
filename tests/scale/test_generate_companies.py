"""generate_companies: synthetic companies in bulk, removable without touching real content."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cities.models import City, Zone
from companies.models import Company, Presence, Sector
from companies.search_schema import GIN_INDEXES, GIN_PENDING_LIST_KB
from hubguide.publishing import Status
from tests.factories import make_city, make_company, make_presence, make_sector, make_zone

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def generate(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_companies", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def content():
    """Hand-made content: two published cities with zones, a draft city, a sector and a
    company with a presence, none of which the generator may touch."""
    beijing = make_city(slug="beijing", name="Beijing", name_zh="北京")
    shenzhen = make_city(slug="shenzhen", name="Shenzhen", name_zh="深圳")
    draft = make_city(slug="draft-city", name="Draft City", status=Status.DRAFT)
    zones = {
        beijing.pk: {make_zone(city=beijing).pk, make_zone(city=beijing).pk},
        shenzhen.pk: {make_zone(city=shenzhen).pk},
    }
    sectors = [make_sector(slug="robotics", name="Robotics", name_zh="机器人"), make_sector()]
    company = make_company(sectors=sectors[:1], slug="huawei", name="Huawei")
    make_presence(company=company, city=shenzhen, zone=Zone.objects.filter(city=shenzhen)[0])
    return {"cities": [beijing, shenzhen], "draft": draft, "zones": zones, "company": company}


def test_generates_the_requested_number_of_published_companies(content):
    out, err = generate("--count", "300", "--seed", "7", "--batch-size", "70")

    generated = Company.objects.filter(slug__startswith="gen-")
    assert generated.count() == 300
    assert Company.objects.count() == 301
    assert set(generated.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert "Added 300 companies" in out
    assert "300/300" in err  # the progress bar, on stderr


def test_generated_companies_are_complete_and_plausible(content):
    generate("--count", "300", "--seed", "7")

    generated = Company.objects.filter(slug__startswith="gen-").prefetch_related(
        "sectors", "presences"
    )
    slugs = [company.slug for company in generated]
    assert len(set(slugs)) == len(slugs) == 300
    for company in generated:
        assert CHINESE.search(company.name_zh), company.name_zh
        assert company.name and company.headquarters
        assert 1980 <= company.founded <= 2025
        assert company.kind in Company.Kind.values
        assert 1 <= len(company.sectors.all()) <= 3
        assert 1 <= len(company.presences.all()) <= 3
        city_names = {city.name for city in content["cities"]}
        assert any(name in company.summary for name in city_names), company.summary
        sector_names = {sector.name.lower() for sector in company.sectors.all()}
        assert any(name in company.summary for name in sector_names), company.summary
    # The generator reuses what exists rather than inventing its own.
    assert Sector.objects.count() == 2
    assert City.objects.count() == 3


def test_presences_are_in_published_cities_and_their_zones_in_the_same_city(content):
    generate("--count", "300", "--seed", "7")

    presences = Presence.objects.filter(company__slug__startswith="gen-").select_related("zone")
    assert presences.count() >= 300
    published = {city.pk for city in content["cities"]}
    for presence in presences:
        assert presence.city_id in published
        if presence.zone_id is not None:
            assert presence.zone_id in content["zones"][presence.city_id]
            assert presence.zone.city_id == presence.city_id
    for presence in presences[:40]:  # as an editor's form would validate them
        presence.full_clean()
        presence.company.full_clean()
    assert presences.exclude(zone=None).exists()
    assert not Presence.objects.filter(city=content["draft"]).exists()
    assert len({presence.company_id for presence in presences}) == 300


def test_the_same_seed_gives_the_same_companies(content):
    generate("--count", "300", "--seed", "11")
    first = list(
        Company.objects.filter(slug__startswith="gen-")
        .order_by("slug")
        .values_list("slug", "name_zh")
    )

    generate("--clear", "--count", "300", "--seed", "11")
    second = list(
        Company.objects.filter(slug__startswith="gen-")
        .order_by("slug")
        .values_list("slug", "name_zh")
    )

    assert first == second
    generate("--clear", "--count", "300", "--seed", "12")
    third = list(
        Company.objects.filter(slug__startswith="gen-")
        .order_by("slug")
        .values_list("slug", "name_zh")
    )
    assert third != first


def test_a_second_run_adds_to_the_first_with_new_slugs(content):
    generate("--count", "50", "--seed", "1")
    generate("--count", "50", "--seed", "1")

    slugs = list(Company.objects.filter(slug__startswith="gen-").values_list("slug", flat=True))
    assert len(set(slugs)) == 100


def test_clear_removes_only_generated_rows(content):
    company = content["company"]
    generate("--count", "300", "--seed", "7")

    out, _ = generate("--clear")

    assert list(Company.objects.all()) == [company]
    assert list(Presence.objects.values_list("company", flat=True)) == [company.pk]
    assert list(company.sectors.values_list("slug", flat=True)) == ["robotics"]
    assert Sector.objects.count() == 2
    assert City.objects.count() == 3
    assert Zone.objects.count() == 3
    assert "300 companies" in out


def test_on_an_empty_database_it_makes_sectors_cities_and_zones_and_clear_removes_them():
    hand_made = make_company(slug="gen-digital", name="Gen Digital")
    out, _ = generate("--count", "40", "--seed", "3")

    assert "generated 8 sectors, 5 cities, 10 zones" in out
    assert City.objects.published().filter(slug__startswith="gen-").count() == 5
    assert Zone.objects.filter(slug__startswith="gen-").count() == 10
    assert Company.objects.filter(slug__startswith="gen-0").count() == 40

    generate("--clear")

    assert list(Company.objects.all()) == [hand_made]
    assert not Sector.objects.exists()
    assert not City.objects.exists()
    assert not Zone.objects.exists()


def test_clear_keeps_a_generated_city_that_hand_made_content_uses():
    generate("--count", "10", "--seed", "3")
    city = City.objects.get(slug="gen-city-wuhan")
    make_presence(city=city)

    generate("--clear")

    assert City.objects.filter(pk=city.pk).exists()
    assert not Company.objects.filter(slug__startswith="gen-0").exists()


def test_asking_for_nothing_is_an_error():
    with pytest.raises(CommandError, match="Nothing to do"):
        generate()


def test_the_planner_knows_the_new_size_after_a_run(content):
    """After a bulk load the database's statistics count the new rows, so its query plans
    fit half a million companies rather than a handful."""
    generate("--count", "300", "--seed", "3")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", [Presence._meta.db_table]
            )
            (rows,) = cursor.fetchone()
        else:
            cursor.execute(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx = %s",
                [Presence._meta.db_table, "presence_city_kind_idx"],
            )
            (stat,) = cursor.fetchone()
            rows = int(stat.split()[0])
    assert rows >= Presence.objects.count() > 300


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
def test_a_run_leaves_nothing_pending_in_the_search_indexes(content):
    """Rows pending in a GIN index are read whole by every search until merged: a bulk
    load merges them, and the pending list is bounded in size anyway."""
    generate("--count", "300", "--seed", "4")
    with connection.cursor() as cursor:
        for name in GIN_INDEXES:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [name])
            assert cursor.fetchone()[0] == [f"gin_pending_list_limit={GIN_PENDING_LIST_KB}"]
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
            assert cursor.fetchone()[0] == 0, f"{name} had pages pending"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's visibility map")
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction only
def test_a_run_leaves_its_tables_vacuumed_for_index_only_scans(content):
    """A page a bulk load wrote is not yet marked all-visible, and an index-only scan then
    reads the row's page anyway: a run outside a transaction vacuums what it filled."""
    generate("--count", "300", "--seed", "5")
    tables = [model._meta.db_table for model in (Company, Company.sectors.through, Presence)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpages, relallvisible FROM pg_class WHERE relname = ANY(%s)",
            [tables],
        )
        pages = {name: (total, visible) for name, total, visible in cursor.fetchall()}
    assert set(pages) == set(tables)
    for name, (total, visible) in pages.items():
        assert total > 0 and visible == total, f"{name}: {visible} of {total} pages all-visible"
