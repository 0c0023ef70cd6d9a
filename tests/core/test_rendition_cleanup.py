"""Renditions of an image no row shows any more are deleted once the change commits.

Every test gets its own MEDIA_ROOT and an empty cache. Saves run inside the test's
transaction, so ``django_capture_on_commit_callbacks(execute=True)`` stands for the
commit; the rebuild_db test commits for real.
"""

import io
import re
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from PIL import Image

from cities.models import City
from companies.models import Company
from hubguide.publishing import Status
from tests.admin import form_data
from tests.factories import make_city, make_company

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

MEDIA_URL = re.compile(r"/media/([\w./-]+)")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """``with commit():`` runs what waits for the commit when the block ends, as a commit
    would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def jpeg(size=(1200, 600), color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def stored(name, data=None):
    return default_storage.save(name, ContentFile(data or jpeg()))


def upload(name, data=None):
    return SimpleUploadedFile(name, data or jpeg(color="blue"), content_type="image/jpeg")


def city_with_hero(name="cities/skyline.jpg", data=None, **kwargs):
    return make_city(hero_image=stored(name, data), hero_alt="Towers by the river", **kwargs)


def company_with_logo(name="companies/logo.jpg", data=None, **kwargs):
    return make_company(logo=stored(name, data), logo_alt="A red square", **kwargs)


def renditions_on_disk(media):
    folder = media / "renditions"
    return {str(p.relative_to(media)) for p in folder.rglob("*") if p.is_file()}


def shown_on(client, url, media):
    """The media files a visitor's browser would fetch from the page at ``url``; every
    one of them is on disk."""
    response = client.get(url)
    assert response.status_code == 200
    names = set(MEDIA_URL.findall(response.content.decode()))
    missing = {name for name in names if not (media / name).is_file()}
    assert not missing, f"the page points at deleted files: {missing}"
    return names


def renditions_shown_on(client, url, media):
    return {name for name in shown_on(client, url, media) if name.startswith("renditions/")}


def test_replacing_a_hero_image_deletes_the_old_renditions_and_the_page_shows_the_new_ones(
    client, commit, media
):
    city = city_with_hero()
    old = renditions_shown_on(client, city.get_absolute_url(), media)
    assert len(old) == 6

    with commit():
        city.hero_image = upload("harbour.jpg")
        city.save()

    assert renditions_on_disk(media).isdisjoint(old)
    new = renditions_shown_on(client, city.get_absolute_url(), media)
    assert new and new.isdisjoint(old)
    assert all(name.startswith("renditions/cities/harbour-") for name in new)


def test_a_replaced_original_stays_while_the_history_can_bring_it_back(
    admin_client, client, commit, media
):
    city = city_with_hero()
    with commit():
        city.hero_image = upload("harbour.jpg")
        city.save()
    assert (media / "cities/skyline.jpg").is_file()
    first = city.history.earliest()

    revert_url = f"/admin/cities/city/{city.pk}/history/{first.history_id}/"
    with commit():
        response = admin_client.post(revert_url, form_data(admin_client.get(revert_url)))
    assert response.status_code == 302

    shown = renditions_shown_on(client, city.get_absolute_url(), media)
    assert shown and all(name.startswith("renditions/cities/skyline-") for name in shown)


@pytest.mark.parametrize("change", ["replace", "clear"])
def test_changing_the_hero_image_in_the_admin_deletes_the_old_renditions(
    admin_client, client, commit, media, change
):
    city = city_with_hero()
    old = renditions_shown_on(client, city.get_absolute_url(), media)
    url = f"/admin/cities/city/{city.pk}/change/"
    data = form_data(admin_client.get(url))
    if change == "replace":
        data["hero_image"] = upload("harbour.jpg")
    else:
        data.update({"hero_image-clear": "on", "hero_alt": ""})

    with commit():
        response = admin_client.post(url, data)

    assert response.status_code == 302
    assert renditions_on_disk(media).isdisjoint(old)
    shown = renditions_shown_on(client, city.get_absolute_url(), media)
    assert shown.isdisjoint(old)
    assert bool(shown) is (change == "replace")


def test_a_save_that_is_rolled_back_deletes_nothing(client, commit, media):
    city = city_with_hero()
    old = renditions_shown_on(client, city.get_absolute_url(), media)

    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        city.hero_image = upload("harbour.jpg")
        city.save()
        raise RuntimeError("the editor's save failed further on")

    assert old <= renditions_on_disk(media)
    assert (media / "cities/skyline.jpg").is_file()
    assert renditions_shown_on(client, city.get_absolute_url(), media) == old


def test_a_save_that_leaves_the_image_alone_deletes_nothing(client, commit, media):
    city = city_with_hero()
    old = renditions_shown_on(client, city.get_absolute_url(), media)

    with commit():
        city.summary = "A new summary."
        city.save()

    assert renditions_on_disk(media) == old
    assert renditions_shown_on(client, city.get_absolute_url(), media) == old


@pytest.mark.parametrize("other", ["city", "company"])
def test_a_file_another_row_still_shows_is_kept_with_its_renditions(client, commit, media, other):
    city = city_with_hero("cities/shared.jpg")
    if other == "city":
        still = make_city(hero_image=city.hero_image.name, hero_alt="The same towers")
    else:
        still = make_company(logo=city.hero_image.name, logo_alt="The same towers")
    kept = renditions_shown_on(client, still.get_absolute_url(), media)
    assert kept == renditions_shown_on(client, city.get_absolute_url(), media)

    with commit():
        city.hero_image = upload("harbour.jpg")
        city.save()
    with commit():
        city.delete()

    assert (media / "cities/shared.jpg").is_file()
    assert kept <= renditions_on_disk(media)
    assert renditions_shown_on(client, still.get_absolute_url(), media) == kept


def test_deleting_a_company_deletes_its_logo_renditions(client, commit, media):
    company = company_with_logo()
    old = renditions_shown_on(client, company.get_absolute_url(), media)
    assert old

    with commit():
        company.delete()

    assert renditions_on_disk(media).isdisjoint(old)
    # The cache forgot them: a company given the same file later gets them drawn again.
    again = make_company(logo=company.logo.name, logo_alt="A red square")
    assert renditions_shown_on(client, again.get_absolute_url(), media) == old


def test_an_original_no_row_and_no_version_names_is_deleted_with_its_renditions(
    client, commit, media
):
    # Rows written with bulk_create (generate_companies) have no history.
    (company,) = Company.objects.bulk_create(
        [
            Company(
                slug="bulk",
                name="Bulk Co",
                kind=Company.Kind.CHINESE,
                summary="Made in bulk.",
                status=Status.PUBLISHED,
                logo=stored("companies/bulk.jpg"),
                logo_alt="A red square",
            )
        ]
    )
    old = renditions_shown_on(client, company.get_absolute_url(), media)

    with commit():
        company.logo = upload("new-logo.jpg")
        company.save()

    assert not (media / "companies/bulk.jpg").exists()
    assert renditions_on_disk(media).isdisjoint(old)
    assert renditions_shown_on(client, company.get_absolute_url(), media)


@pytest.mark.django_db(transaction=True)
def test_rebuild_db_keeps_the_renditions_its_pages_show_and_leaves_no_others(client, media):
    call_command("rebuild_db", stdout=StringIO())
    beijing = City.objects.get(hero_image="cities/beijing.jpg")
    shipped = renditions_shown_on(client, beijing.get_absolute_url(), media)
    drawn_at = {name: (media / name).stat().st_mtime_ns for name in shipped}
    edited = City.objects.exclude(pk=beijing.pk).exclude(hero_image="").first()
    edited.hero_image = upload("upload.jpg")
    edited.save()
    uploaded = renditions_shown_on(client, edited.get_absolute_url(), media)

    call_command("rebuild_db", "--no-migrate", stdout=StringIO())

    shown = set()
    for city in City.objects.exclude(hero_image=""):
        shown |= renditions_shown_on(client, city.get_absolute_url(), media)
    assert renditions_on_disk(media) == shown
    assert shown.isdisjoint(uploaded)
    assert {name: (media / name).stat().st_mtime_ns for name in shipped} == drawn_at
