"""Drafts and publishing: the actions leave a history, staff preview drafts, and a
publish-at time in the future keeps a published item from visitors until then."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cities.models import City, Policy, Zone
from companies.models import Company
from hubguide.publishing import Status
from tests.admin import EDITOR, make_staff
from tests.factories import make_city, make_company, make_policy, make_zone

pytestmark = pytest.mark.django_db

BUILDERS = {City: make_city, Zone: make_zone, Policy: make_policy, Company: make_company}
MODELS = list(BUILDERS)
LISTS = {City: "/cities/", Policy: "/policies/", Company: "/companies/"}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def editor():
    return make_staff("editor", EDITOR)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def changes(record):
    """``{field: (old, new)}`` between a history entry and the one before it."""
    delta = record.diff_against(record.prev_record)
    return {change.field: (change.old, change.new) for change in delta.changes}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_publishing_and_unpublishing_in_bulk_are_recorded_in_the_history(
    model, editor, editor_client
):
    drafts = [BUILDERS[model](status=Status.DRAFT) for _ in range(2)]
    url = admin_url(model, "changelist")
    selected = [obj.pk for obj in drafts]

    editor_client.post(url, {"action": "publish", "_selected_action": selected})

    for obj in drafts:
        record = obj.history.latest()
        assert record.history_user == editor
        assert record.history_change_reason == "Published"
        assert changes(record) == {"status": (Status.DRAFT, Status.PUBLISHED)}

    editor_client.post(url, {"action": "unpublish", "_selected_action": selected})

    for obj in drafts:
        record = obj.history.latest()
        assert record.history_user == editor
        assert record.history_change_reason == "Unpublished"
        assert changes(record) == {"status": (Status.PUBLISHED, Status.DRAFT)}


def test_publishing_what_is_published_already_adds_no_history(editor_client):
    city = make_city(status=Status.PUBLISHED)
    before = city.history.count()

    editor_client.post(
        admin_url(City, "changelist"), {"action": "publish", "_selected_action": [city.pk]}
    )

    assert city.history.count() == before


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_drafts_change_page_offers_a_preview_on_the_site(model, editor_client):
    obj = BUILDERS[model](status=Status.DRAFT)

    page = editor_client.get(admin_url(model, "change", obj.pk))

    preview_url = reverse("admin:view_on_site", args=[page.context["content_type_id"], obj.pk])
    assert f'<a href="{preview_url}" class="viewsitelink"' in page.text
    assert "Preview on site" in page.text
    assert "View on site" not in page.text

    redirect = editor_client.get(preview_url)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(obj.get_absolute_url())

    preview = editor_client.get(obj.get_absolute_url())
    assert preview.status_code == 200
    assert "Draft — visitors cannot see this page." in preview.text


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_published_items_change_page_says_view_on_site(model, editor_client):
    obj = BUILDERS[model](status=Status.PUBLISHED)

    page = editor_client.get(admin_url(model, "change", obj.pk))

    assert "View on site" in page.text
    assert "Preview on site" not in page.text


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_visitors_get_404_for_a_draft(model, client):
    obj = BUILDERS[model](status=Status.DRAFT)
    assert client.get(obj.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_published_item_with_a_future_publish_at_waits_for_its_time(model, client):
    later = timezone.now() + datetime.timedelta(days=2)
    obj = BUILDERS[model](status=Status.PUBLISHED, publish_at=later)

    assert not obj.is_published
    assert not model.objects.published().filter(pk=obj.pk).exists()
    assert client.get(obj.get_absolute_url()).status_code == 404
    if model in LISTS:
        assert obj.name not in client.get(LISTS[model]).text

    model.objects.filter(pk=obj.pk).update(publish_at=timezone.now() - datetime.timedelta(1))

    assert model.objects.published().filter(pk=obj.pk).exists()
    assert client.get(obj.get_absolute_url()).status_code == 200
    if model in LISTS:
        assert obj.name in client.get(LISTS[model]).text


def test_staff_preview_a_scheduled_item_with_its_time(editor_client):
    later = timezone.now() + datetime.timedelta(days=2)
    city = make_city(status=Status.PUBLISHED, publish_at=later)

    page = editor_client.get(city.get_absolute_url())

    assert page.status_code == 200
    assert "Scheduled for" in page.text
    assert "visitors cannot see this page yet" in page.text


def test_a_draft_with_a_past_publish_at_stays_hidden(client):
    city = make_city(status=Status.DRAFT, publish_at=timezone.now() - datetime.timedelta(1))
    assert client.get(city.get_absolute_url()).status_code == 404


def test_the_changelist_says_which_items_are_live(editor_client):
    later = timezone.now() + datetime.timedelta(days=2)
    live = make_city(name="Live City", status=Status.PUBLISHED)
    scheduled = make_city(name="Scheduled City", status=Status.PUBLISHED, publish_at=later)
    draft = make_city(name="Draft City", status=Status.DRAFT)

    page = editor_client.get(admin_url(City, "changelist"))

    model_admin = page.context["cl"].model_admin
    assert [model_admin.is_live(city) for city in (live, scheduled, draft)] == [
        True,
        False,
        False,
    ]
