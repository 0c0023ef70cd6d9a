"""History and undo: each object's history lists who changed what, field by field, and
any earlier version comes back in two clicks (the version, then “Revert”)."""

import re

import pytest
from django.urls import reverse

from cities.models import City, Policy
from hubguide.publishing import Status
from tests.admin import EDITOR, form_data, make_staff
from tests.factories import make_city, make_figure, make_policy

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def editor():
    return make_staff("editor", EDITOR)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def edit(client, obj, **fields):
    """Change ``fields`` on the admin change page and save, as an editor does."""
    url = admin_url(type(obj), "change", obj.pk)
    data = form_data(client.get(url))
    data.update(fields)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]


def revert(client, record):
    """Open a version from the history and press “Revert”, sending the form as shown."""
    url = admin_url(record.instance_type, "simple_history", record.instance.pk, record.pk)
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, form_data(page))


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def city_edited_twice(editor_client):
    city = make_city(
        name="Chengdu",
        summary="Gateway to the west.",
        standing=City.Standing.RISING,
        nickname="",
    )
    edit(editor_client, city, summary="Home of the pandas and of Intel's chip plant.")
    edit(editor_client, city, standing=City.Standing.FRONTRUNNER, nickname="Land of abundance")
    city.refresh_from_db()
    return city


def test_the_history_lists_each_change_with_who_and_what(city_edited_twice, editor_client):
    page = editor_client.get(admin_url(City, "history", city_edited_twice.pk))

    assert page.status_code == 200
    records = list(page.context["page_obj"])
    assert len(records) == 3
    latest, middle, first = records
    assert {change["field"] for change in latest.history_delta_changes} == {
        "Nickname",
        "Standing",
    }
    assert {change["field"] for change in middle.history_delta_changes} == {"Summary"}
    assert latest.history_user.username == middle.history_user.username == "editor"

    shown = text(page.text)
    assert "Standing: Rising hub → Frontrunner" in shown
    assert "Nickname: – → Land of abundance" in shown
    assert (
        "Summary: Gateway to the west. → Home of the pandas and of Intel&#x27;s chip plant."
        in shown
    )
    assert shown.count("editor") >= 2
    assert "first version" in shown


def test_each_version_in_the_history_links_to_its_revert_page(city_edited_twice, editor_client):
    page = editor_client.get(admin_url(City, "history", city_edited_twice.pk))

    for record in city_edited_twice.history.all():
        version_url = admin_url(City, "simple_history", city_edited_twice.pk, record.pk)
        assert f'href="{version_url}"' in page.text

    first = city_edited_twice.history.earliest()
    version = editor_client.get(admin_url(City, "simple_history", city_edited_twice.pk, first.pk))
    assert '<input type="submit" value="Revert"' in version.text
    assert "This is the version saved on" in version.text


def test_the_history_page_has_no_inline_style(city_edited_twice, editor_client):
    """The site's Content-Security-Policy refuses inline styles."""
    page = editor_client.get(admin_url(City, "history", city_edited_twice.pk))
    assert " style=" not in page.text


def test_long_texts_are_cut_short_in_the_history(editor_client):
    city = make_city(body="Old. " + "Unchanged words. " * 50)
    edit(editor_client, city, body="New. " + "Unchanged words. " * 50)

    page = editor_client.get(admin_url(City, "history", city.pk))

    (change,) = page.context["page_obj"][0].history_delta_changes
    assert change["field"] == "Body"
    assert len(change["old"]) < 120
    assert "chars]" in change["new"]


def test_reverting_restores_the_first_version_and_is_recorded(
    city_edited_twice, editor, editor_client
):
    city = city_edited_twice
    first = city.history.earliest()
    count = city.history.count()

    response = revert(editor_client, first)

    assert response.status_code == 302
    city.refresh_from_db()
    assert city.summary == "Gateway to the west."
    assert city.standing == City.Standing.RISING
    assert city.nickname == ""
    assert city.history.count() == count + 1
    latest = city.history.latest()
    assert latest.history_user == editor
    assert {change.field for change in latest.diff_against(latest.prev_record).changes} == {
        "summary",
        "standing",
        "nickname",
    }


def test_a_revert_can_itself_be_undone(city_edited_twice, editor_client):
    city = city_edited_twice
    before_revert = city.history.latest()
    revert(editor_client, city.history.earliest())

    revert(editor_client, before_revert)

    city.refresh_from_db()
    assert city.nickname == "Land of abundance"
    assert city.standing == City.Standing.FRONTRUNNER


def test_reverting_a_status_change_unpublishes_again(editor_client):
    city = make_city(status=Status.DRAFT)
    editor_client.post(
        admin_url(City, "changelist"), {"action": "publish", "_selected_action": [city.pk]}
    )

    revert(editor_client, city.history.earliest())

    city.refresh_from_db()
    assert city.status == Status.DRAFT


def test_reverting_a_policy_restores_its_cities(editor_client):
    """Many-to-many rows listed in ``m2m_fields`` are kept with each version; the revert
    page starts from the version's rows (simple_history alone would show today's), so
    “Revert” puts them back."""
    beijing, shenzhen = make_city(name="Beijing"), make_city(name="Shenzhen")
    policy = make_policy(cities=[beijing])
    version = policy.history.latest()
    edit(editor_client, policy, cities=[str(beijing.pk), str(shenzhen.pk)])
    assert set(policy.cities.all()) == {beijing, shenzhen}

    page = editor_client.get(admin_url(Policy, "simple_history", policy.pk, version.pk))
    assert page.context["adminform"].form["cities"].value() == [beijing.pk]

    revert(editor_client, version)

    assert list(policy.cities.all()) == [beijing]
    latest = policy.history.latest()
    assert [row.city_id for row in latest.cities.all()] == [beijing.pk]


def test_the_history_shows_changed_cities_by_name(editor_client):
    beijing, shenzhen = make_city(name="Beijing"), make_city(name="Shenzhen")
    policy = make_policy(cities=[beijing])
    edit(editor_client, policy, cities=[str(beijing.pk), str(shenzhen.pk)])

    page = editor_client.get(admin_url(Policy, "history", policy.pk))

    assert "Cities: Beijing → Beijing, Shenzhen" in text(page.text)


def test_reverting_a_city_leaves_its_figures_as_they_are(editor_client):
    """Rows with pages of their own (figures, zones, presences) have their own history:
    reverting the city does not delete a figure added since."""
    city = make_city(summary="First.")
    version = city.history.latest()
    edit(editor_client, city, summary="Second.")
    figure = make_figure(city=city, label="Population")

    revert(editor_client, version)

    city.refresh_from_db()
    assert city.summary == "First."
    assert list(city.figures.all()) == [figure]


def test_a_body_sent_with_the_browsers_line_ends_is_no_change(editor_client):
    """Browsers send a textarea's line ends as CRLF; the admin keeps the text's LF, and
    the line end the fixtures leave at the end of a body."""
    body = "    indented code\n\n## Trade\n\nA pilot city.\n\n- one\n- two\n"
    city = make_city(body=body)
    url = admin_url(City, "change", city.pk)
    data = form_data(editor_client.get(url))
    data["body"] = data["body"].replace("\n", "\r\n")
    before = city.history.count()

    assert editor_client.post(url, data).status_code == 302

    city.refresh_from_db()
    assert city.body == body
    latest = city.history.latest()
    assert city.history.count() == before + 1
    assert latest.diff_against(latest.prev_record).changes == []


def test_a_summary_of_blanks_is_still_missing(editor_client):
    city = make_city()
    url = admin_url(City, "change", city.pk)
    data = form_data(editor_client.get(url))
    data["summary"] = " \r\n "

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "This field is required." in response.text
