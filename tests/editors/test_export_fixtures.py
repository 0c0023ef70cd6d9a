"""export_fixtures writes the published content back as fixtures rebuild_db loads."""

import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from cities.models import City, Policy, Zone
from companies.models import Company
from hubguide.export import FIXTURE_FILES, export_content
from hubguide.publishing import Status
from tests.factories import (
    make_city,
    make_company,
    make_figure,
    make_policy,
    make_presence,
    make_zone,
)

pytestmark = pytest.mark.django_db

SHIPPED = Path(settings.FIXTURES_DIR)


def export(output):
    call_command("export_fixtures", "--output", str(output), verbosity=0)
    return output


def records(directory, name):
    return json.loads((directory / name).read_text(encoding="utf-8"))


def slugs(directory, name):
    return [record["fields"]["slug"] for record in records(directory, name)]


def canonical(directory, name):
    """A file's records by slug, with the orders and spellings a database does not keep.

    Many-to-many keys sorted, decimals as numbers, and fields that are null in one file
    and absent from the other (image dimensions of a missing logo) left out.
    """
    result = {}
    for record in records(directory, name):
        fields = {}
        for key, value in record["fields"].items():
            if value is None:
                continue
            if isinstance(value, list) and value and isinstance(value[0], list):
                value = sorted(value)
            elif isinstance(value, str) and key in {"latitude", "longitude", "value"}:
                value = Decimal(value)
            fields[key] = value
        result[fields["slug"]] = (record["model"], fields)
    return result


def test_the_export_of_the_shipped_content_holds_the_shipped_records(article, tmp_path):
    export(tmp_path)

    for name, label in FIXTURE_FILES:
        assert canonical(tmp_path, name) == canonical(SHIPPED, name), name
        assert {record["model"] for record in records(tmp_path, name)} == {label}


def test_the_files_have_the_fixtures_format(article, tmp_path):
    export(tmp_path)

    for name, _label in FIXTURE_FILES:
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.startswith('[\n  {\n    "model": ')
        assert text.endswith("\n  }\n]\n")
        assert slugs(tmp_path, name) == sorted(slugs(tmp_path, name))
        for record in records(tmp_path, name):
            assert set(record) == {"model", "fields"}  # no pk
            assert not {"created_at", "updated_at"} & set(record["fields"])
    cities = (tmp_path / "02_cities.json").read_text(encoding="utf-8")
    assert '"name_zh": "北京",' in cities  # not \u escapes
    assert '"sources": [["five-chinese-silicon-valleys"]]\n' in cities
    companies = records(tmp_path, "07_companies.json")
    baidu = next(r for r in companies if r["fields"]["slug"] == "baidu")
    assert list(baidu["fields"])[:9] == [
        "slug",
        "status",
        "publish_at",
        "name",
        "name_zh",
        "kind",
        "founded",
        "headquarters",
        "sectors",
    ]
    assert baidu["fields"]["sectors"] == [["internet-services"], ["search-ai"]]


def test_a_file_with_the_same_records_in_the_same_order_is_reproduced_byte_for_byte(
    article, tmp_path
):
    """Where a shipped file is already in export order, the export is that very file.

    The other shipped files list their records in the article's order (and some keys
    across several lines); a database keeps neither, so their export differs in order
    and layout only (see the test above for their records).
    """
    export(tmp_path)

    same = [
        name for name, _label in FIXTURE_FILES if records(tmp_path, name) == records(SHIPPED, name)
    ]
    assert "06_sectors.json" in same and "08_presences.json" in same
    for name in same:
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes()


def test_the_export_is_stable_through_a_rebuild(article, tmp_path):
    first = export(tmp_path / "first")
    call_command("rebuild_db", "--no-migrate", "--fixtures-dir", str(first), verbosity=0)
    second = export(tmp_path / "second")

    for name, _label in FIXTURE_FILES:
        assert (second / name).read_bytes() == (first / name).read_bytes()


def test_the_media_the_records_name_is_copied_alongside(article, tmp_path):
    export(tmp_path)

    for city in City.objects.all():
        copied = tmp_path / "media" / city.hero_image.name
        assert copied.read_bytes() == (SHIPPED / "media" / city.hero_image.name).read_bytes()


def test_drafts_and_what_hangs_off_them_are_not_exported(tmp_path):
    city = make_city(slug="beijing")
    draft_city = make_city(slug="draft-city", status=Status.DRAFT)
    zone = make_zone(city=city, slug="zhongguancun")
    draft_zone = make_zone(city=city, slug="draft-zone", status=Status.DRAFT)
    make_zone(city=draft_city, slug="zone-of-draft-city")
    make_figure(city=draft_city, slug="figure-of-draft-city")
    make_figure(city=city, slug="figure-of-beijing")
    make_policy(slug="plan", cities=[city, draft_city], zones=[zone, draft_zone])
    company = make_company(slug="published-co")
    draft = make_company(slug="draft-co", status=Status.DRAFT)
    make_presence(company=draft, city=city, slug="draft-co-office")
    make_presence(company=company, city=draft_city, slug="office-in-draft-city")
    make_presence(company=company, city=city, zone=draft_zone, slug="office-in-draft-zone")

    export(tmp_path)

    assert slugs(tmp_path, "02_cities.json") == ["beijing"]
    assert slugs(tmp_path, "03_zones.json") == ["zhongguancun"]
    assert slugs(tmp_path, "05_figures.json") == ["figure-of-beijing"]
    [plan] = records(tmp_path, "04_policies.json")
    assert (plan["fields"]["cities"], plan["fields"]["zones"]) == (
        [["beijing"]],
        [["zhongguancun"]],
    )
    assert slugs(tmp_path, "07_companies.json") == ["published-co"]
    [presence] = records(tmp_path, "08_presences.json")
    assert presence["fields"]["slug"] == "office-in-draft-zone"
    assert presence["fields"]["zone"] is None  # as visitors see it


def test_a_failed_export_leaves_the_old_fixtures_as_they_were(article, tmp_path):
    export(tmp_path)
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    Company.objects.filter(slug="dji").update(name="DJI Technology")
    City.objects.filter(slug="xian").update(hero_image="cities/missing.jpg")

    with pytest.raises(CommandError, match=r'cities.city "xian", hero_image: cities/missing.jpg'):
        export(tmp_path)

    after = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    assert after == before
    names = {name for name, _label in FIXTURE_FILES}
    assert {path.name for path in tmp_path.iterdir()} == names | {"media"}  # no staging left


def test_the_export_replaces_old_media_and_leaves_other_files_alone(article, tmp_path, capsys):
    (tmp_path / "media" / "cities").mkdir(parents=True)
    (tmp_path / "media" / "cities" / "old.jpg").write_bytes(b"old")
    (tmp_path / "README.md").write_text("Our fixtures.\n")
    (tmp_path / "09_extra.json").write_text("[]\n")

    result = export_content(tmp_path)

    assert not (tmp_path / "media" / "cities" / "old.jpg").exists()
    assert (tmp_path / "media" / "cities" / "beijing.jpg").is_file()
    assert (tmp_path / "README.md").read_text() == "Our fixtures.\n"
    assert result.other_files == ["09_extra.json"]
    assert not list(tmp_path.glob(".export-*"))


class MainText(HTMLParser):
    """The text inside ``<main>``, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif tag in {"script", "style"}:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif tag in {"script", "style"}:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html):
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


def public_pages(client):
    urls = ["/", "/cities/", "/policies/", "/companies/"]
    for model in (City, Zone, Policy, Company):
        urls += [obj.get_absolute_url() for obj in model.objects.published().order_by("slug")]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = MainText.of(response.text)
    return pages


def test_rebuilding_from_the_export_leaves_every_public_page_unchanged(article, client, tmp_path):
    before = public_pages(client)
    assert len(before) == 4 + 5 + 5 + 8 + 15
    assert all(before.values())

    export(tmp_path)
    call_command("rebuild_db", "--no-migrate", "--fixtures-dir", str(tmp_path), verbosity=0)

    assert public_pages(client) == before
