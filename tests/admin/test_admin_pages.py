"""The admin as an editor (staff, in the Editor group, not a superuser) uses it."""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cities.models import City, Figure, Policy, Source, Zone
from companies.models import Company, Presence, Sector
from hubguide.publishing import Status
from tests.admin import EDITOR, add_inline_row, form_data, make_staff
from tests.factories import (
    make_city,
    make_company,
    make_figure,
    make_policy,
    make_presence,
    make_sector,
    make_source,
    make_zone,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"cities", "companies"}
ADMIN_MODELS = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}"
    for model in admin.site._registry
    if model._meta.app_label in OUR_APPS
)
NEXT_YEAR = timezone.now().year + 1


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", EDITOR))
    return client


@pytest.fixture
def content():
    """One row of every model, linked as real content is."""
    source = make_source(title="Statistical Yearbook", publisher="Shenzhen Statistics Bureau")
    city = make_city(name="Shenzhen", name_zh="深圳", slug="shenzhen")
    zone = make_zone(city=city, name="Shenzhen Special Economic Zone", name_zh="深圳经济特区")
    figure = make_figure(city=city, source=source, label="Population")
    policy = make_policy(cities=[city], zones=[zone], name="Made in China 2025")
    sector = make_sector(name="Drones", name_zh="无人机")
    company = make_company(sectors=[sector], name="DJI", name_zh="大疆创新")
    presence = make_presence(company=company, city=city, zone=zone, source=source)
    return {
        "cities.source": source,
        "cities.city": city,
        "cities.zone": zone,
        "cities.figure": figure,
        "cities.policy": policy,
        "companies.sector": sector,
        "companies.company": company,
        "companies.presence": presence,
    }


def test_every_model_of_the_guide_has_an_admin():
    assert ADMIN_MODELS == [
        "cities.city",
        "cities.figure",
        "cities.policy",
        "cities.source",
        "cities.zone",
        "companies.company",
        "companies.presence",
        "companies.sector",
    ]


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_an_editor_opens_list_search_filter_add_change_and_history(label, editor_client, content):
    obj = content[label]
    model = type(obj)

    changelist = editor_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200

    found = editor_client.get(admin_url(model, "changelist"), {"q": obj.slug})
    assert found.status_code == 200
    assert found.context["cl"].result_count == 1

    filter_links = [
        choice["query_string"]
        for spec in changelist.context["cl"].filter_specs
        for choice in spec.choices(changelist.context["cl"])
        if not choice["selected"]
    ]
    if admin.site._registry[model].list_filter:
        filtered = editor_client.get(admin_url(model, "changelist") + filter_links[0])
        assert filtered.status_code == 200
        assert filtered.context["cl"].has_filters

    assert editor_client.get(admin_url(model, "add")).status_code == 200
    change = editor_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200

    history = editor_client.get(admin_url(model, "history", obj.pk))
    assert history.status_code == 200
    record = obj.history.latest()
    revert = editor_client.get(admin_url(model, "simple_history", obj.pk, record.history_id))
    assert revert.status_code == 200


@pytest.mark.parametrize(
    ("model", "query"),
    [(City, "深圳"), (Zone, "经济特区"), (Company, "大疆"), (Sector, "无人机"), (Presence, "DJI")],
)
def test_search_finds_chinese_and_related_names(model, query, editor_client, content):
    response = editor_client.get(admin_url(model, "changelist"), {"q": query})
    assert response.context["cl"].result_count == 1


def test_a_change_page_saved_untouched_saves(editor_client, content):
    city = content["cities.city"]
    url = admin_url(City, "change", city.pk)
    response = editor_client.post(url, form_data(editor_client.get(url)))
    assert response.status_code == 302, response.context["errors"]


def test_a_future_founding_year_is_refused_with_what_to_fix(editor_client):
    url = admin_url(Company, "add")
    data = form_data(editor_client.get(url))
    data.update(name="Future Co", slug="future-co", kind="chinese", summary="Soon.")
    data["founded"] = str(NEXT_YEAR)

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert f"{NEXT_YEAR} is in the future; enter the year it actually happened." in (response.text)
    assert not Company.objects.filter(slug="future-co").exists()


def test_a_negative_figure_in_the_city_inline_is_refused(editor_client, content):
    source = content["cities.source"]
    url = admin_url(City, "add")
    data = form_data(editor_client.get(url))
    data.update(
        name="Chengdu", slug="chengdu", province="Sichuan", region="southwest", standing="rising"
    )
    data["summary"] = "Gateway to the west."
    add_inline_row(data, "figures", label="GDP", value="-5", unit="cny", year=2016, kind="actual")
    data["figures-0-source"] = str(source.pk)

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.text
    assert not City.objects.filter(slug="chengdu").exists()
    assert not Figure.objects.filter(label="GDP").exists()


def test_a_negative_figure_on_its_own_page_is_refused(editor_client, content):
    url = admin_url(Figure, "add")
    data = form_data(editor_client.get(url))
    data.update(
        city=content["cities.city"].pk,
        label="Exports",
        value="-1",
        unit="usd",
        year=2016,
        kind="actual",
        source=content["cities.source"].pk,
    )

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.text
    assert not Figure.objects.filter(label="Exports").exists()


def test_a_zone_in_another_city_is_refused_in_the_company_inline(editor_client, content):
    zone = content["cities.zone"]
    chengdu = make_city(name="Chengdu", slug="chengdu")
    url = admin_url(Company, "add")
    data = form_data(editor_client.get(url))
    data.update(name="Tencent", slug="tencent", kind="chinese", summary="Games and chat.")
    add_inline_row(data, "presences", kind="office", state="operating", city=chengdu.pk)
    data["presences-0-zone"] = str(zone.pk)

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert f"{zone.name} is in Shenzhen, not in Chengdu." in response.text
    assert not Company.objects.filter(slug="tencent").exists()


def test_a_zone_in_another_city_is_refused_on_the_presence_page(editor_client, content):
    zone = content["cities.zone"]
    chengdu = make_city(name="Chengdu", slug="chengdu")
    url = admin_url(Presence, "add")
    data = form_data(editor_client.get(url))
    data.update(
        company=content["companies.company"].pk,
        kind="factory",
        state="operating",
        city=chengdu.pk,
        zone=zone.pk,
    )

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert f"{zone.name} is in Shenzhen, not in Chengdu." in response.text
    assert not Presence.objects.filter(kind="factory").exists()


def test_inline_rows_left_without_a_slug_get_one(editor_client, content):
    source = content["cities.source"]
    url = admin_url(City, "add")
    data = form_data(editor_client.get(url))
    data.update(
        name="Hangzhou", slug="hangzhou", province="Zhejiang", region="east", standing="rising"
    )
    data["summary"] = "Home of e-commerce."
    add_inline_row(
        data,
        "figures",
        label="Population",
        value="9000000",
        unit="people",
        year=2016,
        kind="actual",
        source=source.pk,
        position=0,
    )
    add_inline_row(
        data, "zones", name="Hangzhou Hi-tech Zone", kind="hitech", status="draft", slug=""
    )
    data["zones-0-slug"] = "hangzhou-hi-tech-zone"
    data["zones-0-summary"] = "Binjiang."

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert Figure.objects.get(city__slug="hangzhou").slug == "hangzhou-population-2016"
    assert Zone.objects.get(city__slug="hangzhou").slug == "hangzhou-hi-tech-zone"


def test_a_presence_left_without_a_slug_gets_a_unique_one(editor_client, content):
    company, city = content["companies.company"], content["cities.city"]
    make_presence(
        company=company, city=city, kind="factory", slug=f"{company.slug}-factory-shenzhen"
    )
    url = admin_url(Presence, "add")
    data = form_data(editor_client.get(url))
    data.update(company=company.pk, kind="factory", state="operating", city=city.pk)

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert Presence.objects.filter(slug=f"{company.slug}-factory-shenzhen-2").exists()


@pytest.mark.parametrize("model", [City, Zone, Policy, Company])
def test_publish_and_unpublish_actions_report_how_many_changed(model, editor_client):
    build = {City: make_city, Zone: make_zone, Policy: make_policy, Company: make_company}[model]
    drafts = [build(status=Status.DRAFT) for _ in range(3)]
    already = build(status=Status.PUBLISHED)
    url = admin_url(model, "changelist")
    selected = [drafts[0].pk, drafts[1].pk, already.pk]
    plural = model._meta.verbose_name_plural

    response = editor_client.post(
        url, {"action": "publish", "_selected_action": selected}, follow=True
    )

    assert f"2 {plural} published." in [str(m) for m in response.context["messages"]]
    assert set(model.objects.filter(status=Status.PUBLISHED).values_list("pk", flat=True)) == {
        *selected
    }
    assert drafts[0].history.latest().history_change_reason == "Published"

    response = editor_client.post(
        url, {"action": "unpublish", "_selected_action": selected}, follow=True
    )

    assert f"3 {plural} unpublished: back to draft." in [
        str(m) for m in response.context["messages"]
    ]
    assert not model.objects.filter(status=Status.PUBLISHED).exists()


def test_publishing_from_the_change_page(editor_client):
    city = make_city(status=Status.DRAFT, name="Xi'an")
    url = admin_url(City, "change", city.pk)
    prefix = ActionLocation.CHANGE_FORM.value

    response = editor_client.post(
        url, {f"{prefix}-action": "publish", "_selected_action": [city.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "1 city published." in [str(m) for m in response.context["messages"]]
    city.refresh_from_db()
    assert city.status == Status.PUBLISHED


def test_reverting_to_an_earlier_version_from_history(editor_client, content):
    city = content["cities.city"]
    first = city.history.earliest()
    city.nickname = "A typo"
    city.save()
    url = admin_url(City, "simple_history", city.pk, first.history_id)
    data = form_data(editor_client.get(url))

    response = editor_client.post(url, data)

    assert response.status_code == 302
    city.refresh_from_db()
    assert city.nickname == first.nickname


# Each builder makes rows whose related rows differ, so a missing select_related or
# prefetch_related shows as one more query per row.
ROW_BUILDERS = {
    Source: make_source,
    City: make_city,
    Zone: make_zone,
    Policy: lambda: make_policy(cities=[make_city()]),
    Figure: make_figure,
    Sector: lambda: make_company(sectors=[make_sector()]).sectors.get(),
    Company: lambda: make_company(sectors=[make_sector(), make_sector()]),
    Presence: lambda: make_presence(zone=make_zone()),
}


@pytest.mark.parametrize("model", list(ROW_BUILDERS), ids=lambda model: model.__name__)
def test_changelist_queries_do_not_grow_with_rows(
    model, editor_client, django_assert_max_num_queries
):
    url = admin_url(model, "changelist")
    for _ in range(5):
        ROW_BUILDERS[model]()
    with CaptureQueriesContext(connection) as five_rows:
        assert editor_client.get(url).status_code == 200

    for _ in range(25):
        ROW_BUILDERS[model]()
    with django_assert_max_num_queries(len(five_rows)):
        response = editor_client.get(url)
    assert response.context["cl"].result_count == model.objects.count() == 30


def test_a_filter_and_a_search_combine(editor_client, content):
    make_city(name="Shenzhen Draft", status=Status.DRAFT)
    query = urlencode({"q": "Shenzhen", "status__exact": "published"})

    response = editor_client.get(f"{admin_url(City, 'changelist')}?{query}")

    assert [city.slug for city in response.context["cl"].result_list] == ["shenzhen"]


def test_the_site_is_named_for_editors(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert "hubguide editors" in response.text
