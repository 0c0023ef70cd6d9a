"""Who may do what in the admin: the Editor and Chief editor groups, and plain staff."""

import pytest
from django.contrib.auth.models import Group, User
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


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("operator", password="not-used"))
    return client


BUILDERS = {City: make_city, Zone: make_zone, Policy: make_policy, Company: make_company}


@pytest.mark.parametrize("model", list(BUILDERS), ids=lambda model: model.__name__)
def test_an_editor_publishes_with_the_action(model, editor_client):
    obj = BUILDERS[model](status=Status.DRAFT)

    response = editor_client.post(
        admin_url(model, "changelist"), {"action": "publish", "_selected_action": [obj.pk]}
    )

    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == Status.PUBLISHED


@pytest.mark.parametrize("model", [City, Zone, Policy], ids=lambda model: model.__name__)
def test_an_editor_calling_the_delete_action_anyway_deletes_nothing(model, editor_client):
    obj = BUILDERS[model](status=Status.PUBLISHED)

    response = editor_client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "No action selected." in [str(m) for m in response.context["messages"]]
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("role", [EDITOR, CHIEF_EDITOR])
def test_no_role_sees_users_or_groups(role, client):
    user = make_staff("someone", role)
    group = Group.objects.get(name=role)
    client.force_login(user)

    # The admin answers 404 for an app of which the user may see nothing.
    assert client.get("/admin/auth/").status_code == 404
    for url in [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        reverse("admin:auth_user_change", args=[user.pk]),
        reverse("admin:auth_user_password_change", args=[user.pk]),
        "/admin/auth/group/",
        "/admin/auth/group/add/",
        reverse("admin:auth_group_change", args=[group.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    index = client.get(reverse("admin:index"))
    assert "auth" not in [app["app_label"] for app in index.context["app_list"]]
    assert "/admin/auth/" not in index.text


@pytest.mark.parametrize("role", [EDITOR, CHIEF_EDITOR])
def test_no_role_may_make_itself_a_superuser(role, client):
    user = make_staff("someone", role)
    client.force_login(user)

    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {"username": "someone", "is_staff": "on", "is_superuser": "on", "is_active": "on"},
    )

    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


@pytest.mark.parametrize("model", [Zone, Policy, Company], ids=lambda model: model.__name__)
def test_a_chief_editor_deletes_a_published_zone_policy_or_company(model, chief_client):
    obj = BUILDERS[model](status=Status.PUBLISHED)

    page = chief_client.get(admin_url(model, "change", obj.pk))
    assert page.context["has_delete_permission"]
    response = chief_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not model.objects.filter(pk=obj.pk).exists()


def test_a_chief_editor_deletes_with_the_bulk_action(chief_client):
    cities = [make_city(), make_city()]
    url = admin_url(City, "changelist")

    actions = [
        name for name, _ in chief_client.get(url).context["action_form"].fields["action"].choices
    ]
    assert "delete_selected" in actions
    chief_client.post(
        url,
        {"action": "delete_selected", "_selected_action": [c.pk for c in cities], "post": "yes"},
    )

    assert not City.objects.filter(pk__in=[c.pk for c in cities]).exists()


def test_a_chief_editor_cannot_open_the_users(chief_client):
    assert chief_client.get("/admin/auth/user/").status_code == 403


def test_a_superuser_does_everything(superuser_client):
    city = make_city(status=Status.PUBLISHED)

    for path in ["/admin/auth/", "/admin/auth/user/", "/admin/auth/group/", "/admin/quality/"]:
        assert superuser_client.get(path).status_code == 200
    assert superuser_client.get(admin_url(City, "history", city.pk)).status_code == 200
    superuser_client.post(
        admin_url(City, "changelist"), {"action": "unpublish", "_selected_action": [city.pk]}
    )
    city.refresh_from_db()
    assert city.status == Status.DRAFT

    response = superuser_client.post(admin_url(City, "delete", city.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not City.objects.filter(pk=city.pk).exists()


@pytest.mark.parametrize("role", [EDITOR, CHIEF_EDITOR])
def test_both_roles_open_the_data_quality_page_and_history(role, client):
    city = make_city()
    client.force_login(make_staff("someone", role))

    assert client.get("/admin/quality/").status_code == 200
    assert client.get(admin_url(City, "history", city.pk)).status_code == 200
