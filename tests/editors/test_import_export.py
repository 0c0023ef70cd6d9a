"""Editors import companies from CSV or XLSX with a dry run, and export them back."""

import csv
import io

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from companies.models import Company, Presence
from companies.resources import COLUMNS, IMPORT_REASON
from hubguide.publishing import Status
from tests.admin import EDITOR, make_staff
from tests.factories import make_city, make_company, make_presence, make_sector, make_zone

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:companies_company_import")
PROCESS_URL = reverse("admin:companies_company_process_import")
EXPORT_URL = reverse("admin:companies_company_export")
CHANGELIST_URL = reverse("admin:companies_company_changelist")
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # positions in CompanyAdmin.formats


@pytest.fixture
def editor():
    return make_staff("editor", EDITOR)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def places():
    """Beijing with Zhongguancun, Shenzhen, two sectors and Huawei already in the guide."""
    beijing = make_city(slug="beijing", name="Beijing")
    shenzhen = make_city(slug="shenzhen", name="Shenzhen")
    zhongguancun = make_zone(city=beijing, slug="zhongguancun", name="Zhongguancun")
    drones = make_sector(slug="drones", name="Drones")
    telecoms = make_sector(slug="telecoms", name="Telecoms")
    huawei = make_company(
        slug="huawei", name="Huawei", kind=Company.Kind.CHINESE, founded=1987, sectors=[telecoms]
    )
    make_presence(company=huawei, city=shenzhen, kind=Presence.Kind.HEADQUARTERS)
    return {
        "beijing": beijing,
        "shenzhen": shenzhen,
        "zhongguancun": zhongguancun,
        "drones": drones,
        "telecoms": telecoms,
        "huawei": huawei,
    }


def row(**values):
    base = {
        "name_zh": "",
        "kind": "chinese",
        "founded": "2006",
        "headquarters": "Shenzhen, China",
        "website": "",
        "summary": "A summary.",
        "body": "",
        "status": "",
        "sectors": "",
        "presences": "",
    }
    base.update(values)
    return [base.get(column, "") for column in COLUMNS]


def csv_file(rows, name="companies.csv"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="companies.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for values in rows:
        sheet.append(
            [int(v) if k == "founded" and v else v for k, v in zip(COLUMNS, values, strict=True)]
        )
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(
        name,
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def dry_run(client, upload, file_format=CSV_FORMAT):
    return client.post(IMPORT_URL, {"import_file": upload, "format": file_format, "resource": "0"})


def confirm(client, response):
    return client.post(PROCESS_URL, response.context["confirm_form"].initial)


def outcomes(response):
    """``{slug: outcome}`` of a dry run, as the preview shows them."""
    return {row.slug: row.import_type for row in response.context["result"].rows}


def new_rows():
    return [
        row(
            slug="dji",
            name="DJI",
            name_zh="大疆",
            sectors="drones; telecoms",
            presences="shenzhen:headquarters; beijing:research_lab:zhongguancun",
        ),
        row(
            slug="huawei",
            name="Huawei",
            founded="1987",
            status="published",
            sectors="telecoms",
            presences="shenzhen:headquarters; beijing:office",
        ),
    ]


def test_a_dry_run_shows_each_row_as_new_or_update_and_writes_nothing(editor_client, places):
    before = (Company.objects.count(), Presence.objects.count())

    response = dry_run(editor_client, csv_file(new_rows()))

    assert response.status_code == 200
    assert outcomes(response) == {"dji": "new", "huawei": "update"}
    assert response.context["confirm_form"] is not None
    assert "1 new, 1 changed, 0 unchanged, 0 rejected" in " ".join(response.text.split())
    assert (Company.objects.count(), Presence.objects.count()) == before
    assert not Company.objects.filter(slug="dji").exists()
    assert not Company.history.filter(slug="dji").exists()


def test_confirming_a_valid_csv_creates_companies_with_sectors_presences_and_history(
    editor_client, editor, places
):
    response = confirm(editor_client, dry_run(editor_client, csv_file(new_rows())))

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    dji = Company.objects.get(slug="dji")
    assert (dji.name, dji.name_zh, dji.founded, dji.status) == ("DJI", "大疆", 2006, Status.DRAFT)
    assert set(dji.sectors.values_list("slug", flat=True)) == {"drones", "telecoms"}
    assert set(dji.presences.values_list("city__slug", "kind", "zone__slug")) == {
        ("shenzhen", "headquarters", None),
        ("beijing", "research_lab", "zhongguancun"),
    }
    huawei = Company.objects.get(slug="huawei")
    assert huawei.status == Status.PUBLISHED
    assert set(huawei.presences.values_list("city__slug", "kind")) == {
        ("shenzhen", "headquarters"),
        ("beijing", "office"),
    }
    created = dji.history.earliest()
    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+",
        editor,
        IMPORT_REASON,
    )
    assert huawei.history.latest().history_change_reason == IMPORT_REASON
    presence = dji.presences.get(kind="research_lab")
    assert presence.history.get().history_user == editor
    assert LogEntry.objects.filter(object_id=str(dji.pk), action_flag=ADDITION).exists()


def test_an_xlsx_file_imports_like_a_csv_file(editor_client, places):
    response = dry_run(editor_client, xlsx_file(new_rows()), XLSX_FORMAT)
    assert outcomes(response) == {"dji": "new", "huawei": "update"}

    confirm(editor_client, response)

    dji = Company.objects.get(slug="dji")
    assert (dji.name_zh, dji.founded) == ("大疆", 2006)
    assert dji.presences.filter(zone__slug="zhongguancun").exists()


def test_one_bad_row_rejects_the_whole_file_and_the_page_names_each_row_and_reason(
    editor_client, places
):
    next_year = str(timezone.now().year + 1)
    rows = [
        *new_rows(),
        row(slug="acme", name="Acme", sectors="drones; quantum"),
        row(slug="future-co", name="Future Co", founded=next_year),
        row(slug="lost-co", name="Lost Co", presences="shenzhen:office:zhongguancun"),
    ]
    before = (Company.objects.count(), Presence.objects.count(), Company.history.count())

    response = dry_run(editor_client, csv_file(rows))

    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert outcomes(response) == {
        "dji": "new",
        "huawei": "update",
        "acme": "invalid",
        "future-co": "invalid",
        "lost-co": "invalid",
    }
    page = " ".join(response.text.split())
    assert "Nothing will be imported: 3 rows are rejected." in page
    for number, slug, reason in [
        (3, "acme", "There is no sector with the slug “quantum”."),
        (4, "future-co", f"{next_year} is in the future; enter the year it actually happened."),
        (
            5,
            "lost-co",
            "shenzhen:office:zhongguancun: Zhongguancun is in Beijing, not in Shenzhen.",
        ),
    ]:
        assert f"<td>{number}</td>" in page
        assert f"<strong>{slug}</strong>" in page
        assert reason in page
    assert (Company.objects.count(), Presence.objects.count(), Company.history.count()) == before
    assert not Company.objects.filter(slug="dji").exists()


def test_unknown_cities_zones_and_kinds_of_presence_are_named(editor_client, places):
    rows = [row(slug="acme", name="Acme", presences="paris:office; beijing:lab; beijing:office:x")]

    page = " ".join(dry_run(editor_client, csv_file(rows)).text.split())

    assert "paris:office: there is no city with the slug “paris”." in page
    assert "beijing:lab: Value &#x27;lab&#x27; is not a valid choice." in page
    assert "beijing:office:x: there is no zone with the slug “x”." in page


def test_a_file_that_turns_invalid_before_confirmation_writes_nothing(editor_client, places):
    response = dry_run(editor_client, csv_file(new_rows()))
    assert response.context["confirm_form"] is not None
    places["drones"].delete()  # someone deletes a sector the file names

    response = confirm(editor_client, response)

    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL
    assert not Company.objects.filter(slug="dji").exists()
    huawei = Company.objects.get(slug="huawei")
    assert huawei.status == Status.PUBLISHED  # as before: make_company publishes
    assert not huawei.presences.filter(city__slug="beijing").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Nothing was imported: row 1 is no longer valid." in m for m in messages)


def export(client, query="", file_format=CSV_FORMAT):
    response = client.post(f"{EXPORT_URL}{query}", {"format": file_format, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    return response


def exported_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_export_has_the_import_columns_and_reimporting_it_changes_nothing(
    article, editor_client
):
    response = export(editor_client)
    assert response.content.startswith("\ufeff".encode())  # for Excel
    rows = exported_rows(response)
    assert list(rows[0]) == list(COLUMNS)
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug["microsoft"]["presences"] == "beijing:research_lab"
    assert by_slug["baidu"]["sectors"] == "internet-services; search-ai"
    history = (Company.history.count(), Presence.history.count())
    updated = dict(Company.objects.values_list("slug", "updated_at"))

    upload = SimpleUploadedFile("companies.csv", response.content, content_type="text/csv")
    dry = dry_run(editor_client, upload)
    assert set(outcomes(dry).values()) == {"skip"}
    assert len(outcomes(dry)) == Company.objects.count()
    confirm(editor_client, dry)

    assert (Company.history.count(), Presence.history.count()) == history
    assert dict(Company.objects.values_list("slug", "updated_at")) == updated


def test_an_xlsx_export_has_the_same_columns(article, editor_client):
    response = export(editor_client, file_format=XLSX_FORMAT)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert sheet.max_row == Company.objects.count() + 1


def test_the_export_honours_the_changelist_filters(editor_client, places):
    make_company(slug="intel", name="Intel", kind=Company.Kind.MULTINATIONAL)
    make_company(slug="sony", name="Sony", kind=Company.Kind.MULTINATIONAL)
    query = "?kind__exact=multinational"

    changelist = editor_client.get(CHANGELIST_URL + query)
    assert f'href="{EXPORT_URL}{query}"' in changelist.text
    export_page = editor_client.get(EXPORT_URL + query)
    assert export_page.status_code == 200

    slugs = [r["slug"] for r in exported_rows(export(editor_client, query))]
    assert slugs == ["intel", "sony"]
    everything = [r["slug"] for r in exported_rows(export(editor_client))]
    assert set(everything) == {"huawei", "intel", "sony"}


def test_an_editor_may_import_and_export(editor_client, places):
    changelist = editor_client.get(CHANGELIST_URL)
    assert f'href="{IMPORT_URL}"' in changelist.text
    page = editor_client.get(IMPORT_URL)
    assert page.status_code == 200
    assert "<code>multinational</code>" in page.text  # how to write the file
    assert "<code>research_lab</code>" in page.text
    assert dry_run(editor_client, csv_file(new_rows())).status_code == 200
    assert editor_client.get(EXPORT_URL).status_code == 200


def test_staff_without_a_role_may_neither_import_nor_export(client, places):
    client.force_login(make_staff("nobody"))

    assert client.get(IMPORT_URL).status_code == 403
    assert dry_run(client, csv_file(new_rows())).status_code == 403
    assert client.post(PROCESS_URL, {"import_file_name": "x", "format": "0"}).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403
    assert client.post(EXPORT_URL, {"format": CSV_FORMAT}).status_code == 403
    assert not Company.objects.filter(slug="dji").exists()


def test_the_company_admin_says_when_the_library_is_not_installed(settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "import_export"]

    errors = admin.site.get_model_admin(Company).check()

    assert [error.id for error in errors] == ["companies.E001"]
