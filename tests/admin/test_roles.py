"""Who may do what in the admin: the Editor and Chief editor groups, and plain staff."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cities.models import City, Figure, Policy, Zone
from companies.models import Company
from hubguide.publishing import Status
from tests.admin import CHIEF_EDITOR, EDITOR, form_data, make_staff
from tests.factories import make_city, make_company, make_figure, make_policy, make_zone

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", EDITOR))
    return client


@pytest.fixture
def chief_client(client):
    client.force_login(make_staff("chief", CHIEF_EDITOR))
    return client


@pytest.mark.parametrize("group", [EDITOR, CHIEF_EDITOR])
def test_no_role_may_manage_users_or_groups(group):
    permissions = Group.objects.get(name=group).permissions
    assert permissions.exists()
    assert not permissions.filter(content_type__app_label="auth").exists()


def test_only_a_chief_editor_may_delete_cities_zones_policies_and_companies():
    editor = {p.codename for p in Group.objects.get(name=EDITOR).permissions.all()}
    chief = {p.codename for p in Group.objects.get(name=CHIEF_EDITOR).permissions.all()}
    for model in ["city", "zone", "policy", "company"]:
        assert f"delete_{model}" not in editor
        assert f"delete_{model}" in chief
    for model in ["figure", "presence", "source", "sector"]:
        assert f"delete_{model}" in editor
    assert editor < chief


def test_an_editor_adds_and_changes_a_city(editor_client):
    url = admin_url(City, "add")
    data = form_data(editor_client.get(url))
    data.update(
        name="Xi'an", slug="xian", province="Shaanxi", region="northwest", standing="rising"
    )
    data["summary"] = "Aerospace and semiconductors."

    assert editor_client.post(url, data).status_code == 302
    city = City.objects.get(slug="xian")

    url = admin_url(City, "change", city.pk)
    data = form_data(editor_client.get(url))
    data["nickname"] = "The ancient capital"
    assert editor_client.post(url, data).status_code == 302
    city.refresh_from_db()
    assert city.nickname == "The ancient capital"


@pytest.mark.parametrize("model", [City, Zone, Policy, Company])
@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.DRAFT])
def test_an_editor_cannot_delete_cities_zones_policies_or_companies(model, status, editor_client):
    build = {City: make_city, Zone: make_zone, Policy: make_policy, Company: make_company}[model]
    obj = build(status=status)

    assert editor_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert editor_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == (
        403
    )
    assert model.objects.filter(pk=obj.pk).exists()

    change = editor_client.get(admin_url(model, "change", obj.pk))
    assert not change.context["has_delete_permission"]
    changelist = editor_client.get(admin_url(model, "changelist"))
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "publish" in actions
    assert "delete_selected" not in actions


def test_an_editor_deletes_a_figure(editor_client):
    figure = make_figure()
    response = editor_client.post(admin_url(Figure, "delete", figure.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Figure.objects.filter(pk=figure.pk).exists()


@pytest.mark.parametrize(
    "path", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"]
)
def test_an_editor_cannot_open_users_or_groups(path, editor_client):
    assert editor_client.get(path).status_code == 403


def test_a_chief_editor_deletes_a_city_nothing_depends_on(chief_client):
    city = make_city()
    make_policy(cities=[city])

    response = chief_client.post(admin_url(City, "delete", city.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not City.objects.filter(pk=city.pk).exists()


def test_a_chief_editor_cannot_delete_a_city_with_zones(chief_client):
    zone = make_zone()
    url = admin_url(City, "delete", zone.city.pk)

    page = chief_client.get(url)
    assert page.status_code == 200
    assert page.context["protected"]

    chief_client.post(url, {"post": "yes"})
    assert City.objects.filter(pk=zone.city.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/cities/city/",
        "/admin/cities/zone/",
        "/admin/cities/policy/",
        "/admin/cities/figure/",
        "/admin/cities/source/",
        "/admin/companies/company/",
        "/admin/companies/presence/",
        "/admin/companies/sector/",
        "/admin/cities/city/add/",
    ],
)
def test_staff_without_a_group_sees_nothing(path, client):
    client.force_login(make_staff("nobody"))
    assert client.get(path).status_code == 403


def test_staff_without_a_group_gets_an_empty_index(client):
    client.force_login(make_staff("nobody"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/cities/city/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
