"""CSV and JSON exports of the directory's current result."""

import csv
import io
import json

import pytest
from django.urls import reverse

from companies.exports import COLUMNS
from companies.models import Company, Presence
from hubguide.publishing import Status
from tests.factories import make_city, make_company, make_presence, make_sector

DIRECTORY = reverse("companies:directory")
CSV_URL = reverse("companies:export_csv")
JSON_URL = reverse("companies:export_json")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """The directory's own answers, not the page cache's (tests/test_cache.py has those)."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def content():
    """50 companies over two hubs and two sectors, a draft, and a company in a draft hub."""
    beijing = make_city(slug="beijing", name="Beijing")
    shenzhen = make_city(slug="shenzhen", name="Shenzhen")
    hidden = make_city(slug="hidden", name="Hidden Hub", status=Status.DRAFT)
    software = make_sector(slug="software", name="Software")
    drones = make_sector(slug="drones", name="Drones")
    for n in range(50):
        company = make_company(
            slug=f"co-{n:02}",
            name=f"Company {n:02}",
            name_zh=f"公司{n:02}",
            founded=1990 + n % 20,
            sectors=[software] if n % 2 else [software, drones],
            website=f"https://co{n}.example.com/",
        )
        make_presence(company=company, city=beijing if n % 3 else shenzhen)
    make_presence(company=Company.objects.get(slug="co-01"), city=hidden)
    make_company(slug="draft-co", name="Company Draft", sectors=[software], status=Status.DRAFT)
    return {"beijing": beijing}


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def read_json(response):
    return json.loads(b"".join(response.streaming_content).decode("utf-8"))


def on_screen(client, query):
    """Slugs of every page of the directory for ``query``, in order."""
    slugs, number = [], 1
    while True:
        response = client.get(f"{DIRECTORY}?{query}&page={number}")
        slugs += [company.slug for company in response.context["companies"]]
        if not response.context["page_obj"].has_next():
            return slugs
        number += 1


@pytest.mark.parametrize(
    "query",
    [
        "sector=software",
        "sector=software&sort=-founded",
        "city=beijing&q=company&sort=-name",
        "q=公司1",
        "founded_min=1995&founded_max=2005&sort=founded",
        "founded_min=x&city=beijing",
    ],
)
def test_csv_and_json_hold_the_on_screen_result_across_all_pages(client, content, query):
    expected = on_screen(client, query)
    assert len(expected) > 1
    csv_rows = read_csv(client.get(f"{CSV_URL}?{query}"))
    assert [row["slug"] for row in csv_rows] == expected
    data = read_json(client.get(f"{JSON_URL}?{query}"))
    assert data["count"] == len(expected)
    assert [row["slug"] for row in data["results"]] == expected


def test_more_than_one_page_is_exported(client, content):
    assert len(read_csv(client.get(f"{CSV_URL}?sector=software"))) == 50


def test_the_columns_and_values(client, content):
    rows = read_csv(client.get(f"{CSV_URL}?q=Company+01"))
    assert list(rows[0]) == COLUMNS
    row = next(row for row in rows if row["slug"] == "co-01")
    assert row == {
        "slug": "co-01",
        "name": "Company 01",
        "name_zh": "公司01",
        "kind": "chinese",
        "founded": "1991",
        "headquarters": "",
        "sectors": "Software",
        "cities": "Beijing",  # not the draft hub
        "website": "https://co1.example.com/",
        "url": "http://testserver/companies/co-01/",
    }
    record = next(r for r in read_json(client.get(f"{JSON_URL}?q=Company+00"))["results"])
    assert record["sectors"] == ["Drones", "Software"]
    assert record["cities"] == ["Shenzhen"]
    assert record["founded"] == 1990


def test_drafts_are_never_exported_even_to_staff(client, content, django_user_model):
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    assert "draft-co" in on_screen(client, "sector=software")  # staff preview it on screen
    assert "draft-co" not in [row["slug"] for row in read_csv(client.get(CSV_URL))]
    assert "draft-co" not in [r["slug"] for r in read_json(client.get(JSON_URL))["results"]]


@pytest.mark.parametrize("query", ["sector=software&sort=-name", "city=hidden", "q=company+0"])
def test_a_staff_export_is_the_screen_less_the_drafts_and_says_how_many(
    client, content, django_user_model, query
):
    """Staff filter as they see (a draft hub included); the export leaves the drafts out,
    and the download link counts what the export holds."""
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    drafts = set(Company.objects.filter(status=Status.DRAFT).values_list("slug", flat=True))
    expected = [slug for slug in on_screen(client, query) if slug not in drafts]
    assert expected
    assert [row["slug"] for row in read_csv(client.get(f"{CSV_URL}?{query}"))] == expected
    data = read_json(client.get(f"{JSON_URL}?{query}"))
    assert [row["slug"] for row in data["results"]] == expected
    page = client.get(f"{DIRECTORY}?{query}")
    assert page.context["export_count"] == data["count"] == len(expected)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(client, content, prefix):
    make_company(
        slug="evil",
        name=f'{prefix}HYPERLINK("https://evil.example","x")',
        name_zh=f"{prefix}1+1",
        headquarters=f"{prefix}cmd|' /C calc'!A0",
    )
    (row,) = [row for row in read_csv(client.get(CSV_URL)) if row["slug"] == "evil"]
    assert row["name"] == f'\'{prefix}HYPERLINK("https://evil.example","x")'
    assert row["name_zh"] == f"'{prefix}1+1"
    assert row["headquarters"].startswith(f"'{prefix}")
    # JSON is data, not a spreadsheet: it keeps the value as it is.
    (record,) = [r for r in read_json(client.get(JSON_URL))["results"] if r["slug"] == "evil"]
    assert record["name"].startswith(prefix)


def test_a_sector_name_that_looks_like_a_formula_is_neutralised(client, content):
    company = make_company(slug="minus", name="Minus")
    company.sectors.set([make_sector(slug="minus-sector", name="-Negative")])
    (row,) = [row for row in read_csv(client.get(CSV_URL)) if row["slug"] == "minus"]
    assert row["sectors"] == "'-Negative"


def test_csv_content_type_and_filename(client, content):
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hubguide-companies.csv"'


def test_json_content_type_and_filename(client, content):
    response = client.get(JSON_URL)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="hubguide-companies.json"'


def test_an_empty_result_exports_a_header_and_an_empty_list(client, content):
    assert read_csv(client.get(f"{CSV_URL}?q=nothing+like+this")) == []
    assert read_json(client.get(f"{JSON_URL}?q=nothing+like+this")) == {"count": 0, "results": []}


@pytest.mark.parametrize(
    "query", ["q=%00", "city=%00", "page=abc", "sort=evil", "founded_min=x", "q=" + "x" * 5000]
)
def test_hostile_query_strings_never_break_an_export(client, content, query):
    assert client.get(f"{CSV_URL}?{query}").status_code == 200
    assert client.get(f"{JSON_URL}?{query}").status_code == 200
    read_json(client.get(f"{JSON_URL}?{query}"))


def test_presence_kind_and_hub_refer_to_the_same_presence_in_exports(client, content):
    company = Company.objects.get(slug="co-01")  # an office in Beijing
    make_presence(company=company, city=make_city(slug="xian"), kind=Presence.Kind.FACTORY)
    slugs = [
        row["slug"] for row in read_csv(client.get(f"{CSV_URL}?city=beijing&presence=factory"))
    ]
    assert slugs == []
