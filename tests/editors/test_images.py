"""Images done properly: what an upload must be, the renditions visitors get, the markup.

Every test gets its own MEDIA_ROOT and an empty cache, so renditions made by one test
never satisfy another.
"""

import contextlib
import html
import io
import re
import struct
import zlib
from unittest import mock

import pytest
from django.contrib import admin
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import modelform_factory
from django.template import Context, Template
from django.test import RequestFactory
from PIL import Image, ImageCms

from cities.models import City
from companies.models import Company
from hubguide.fixtures import rebuild_content
from hubguide.images import (
    ImageUploadField,
    ensure_renditions,
    rendition_set,
    validate_image_file,
)
from hubguide.publishing import Status
from tests.admin import form_data
from tests.factories import make_city, make_company

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

DJANGO_INVALID_IMAGE = "Upload a valid image. The file you uploaded was either not an image"


# Files an editor might upload


def image_bytes(size=(64, 40), kind="PNG", mode="RGB", color="red", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=kind, **options)
    return buffer.getvalue()


def striped_jpeg(size=(2000, 1000), quality=90, **options):
    """A JPEG with something in it, so its renditions are real pictures."""
    image = Image.new("RGB", size, "white")
    for x in range(0, size[0], 50):
        image.paste((200, 30, 30), (x, 0, x + 25, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **options)
    return buffer.getvalue()


def claiming_png(width, height):
    """A tiny PNG whose header claims ``width`` × ``height`` pixels: a decompression bomb.

    Made by Pillow as an 8 × 8 one-bit image, then its IHDR chunk says otherwise (with a
    valid checksum), as a hostile file would; opening it reads no more than the header.
    """
    data = bytearray(image_bytes((8, 8), mode="1", color=0))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width="
    b'"10" height="10"/></svg>'
)
NOT_AN_IMAGE = b"Quarterly figures, not a photo.\n" * 40
TRUNCATED_JPEG = striped_jpeg((400, 300))[:1500]
TOO_LARGE = image_bytes() + b"\0" * (10 * 1024 * 1024)  # a real PNG, padded past 10 MB


def upload(name, data, content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# (id, file name, bytes, the message an editor reads, whether Django's own form field
# refuses it first, whether Pillow warns on opening it)
REFUSALS = [
    ("svg", "logo.svg", SVG, "SVG drawings are not accepted", True, False),
    ("gif", "logo.gif", image_bytes(kind="GIF"), "GIF images are not accepted", False, False),
    (
        "not-an-image",
        "photo.jpg",
        NOT_AN_IMAGE,
        "This file is not an image we can open; upload a JPEG, PNG or WebP.",
        True,
        False,
    ),
    (
        "damaged-jpeg",
        "photo.jpg",
        TRUNCATED_JPEG,
        "This image is damaged or incomplete",
        False,
        False,
    ),
    (
        "over-10-mb",
        "big.png",
        TOO_LARGE,
        "This file is 10.0\xa0MB; images may be at most 10.0\xa0MB.",
        False,
        False,
    ),
    (
        "over-40-megapixels",
        "wide.png",
        claiming_png(8000, 6000),
        "This image is 8000 × 6000 pixels (48 megapixels); the limit is 40 megapixels.",
        False,
        False,
    ),
    (
        "bomb-pillow-only-warns-about",
        "bomb.png",
        claiming_png(10000, 10000),
        "This image says it is 100 megapixels, in a file of only",
        False,
        True,
    ),
    (
        "bomb-pillow-refuses",
        "bomb.png",
        claiming_png(20000, 20000),
        "This image says it is 400 megapixels, in a file of only",
        True,
        False,
    ),
]
BOMBS_ARE_EXPLAINED = "(“decompression bombs”) exhaust the server's memory when opened"


def refusals(*, skip=()):
    return [
        pytest.param(name, data, message, warns, id=case)
        for case, name, data, message, _, warns in REFUSALS
        if case not in skip
    ]


def pillow_warning(warns):
    return pytest.warns(Image.DecompressionBombWarning) if warns else contextlib.nullcontext()


def city_fields(**kwargs):
    fields = {
        "slug": "new-hub",
        "name": "New Hub",
        "province": "Sichuan",
        "region": City.Region.SOUTHWEST,
        "standing": City.Standing.RISING,
        "summary": "A hub.",
    }
    fields.update(kwargs)
    return fields


def saved_image(data, name="cities/skyline.jpg"):
    return default_storage.save(name, ContentFile(data))


def city_with_hero(data=None, name="cities/skyline.jpg", **kwargs):
    fields = {
        "hero_alt": "Towers along the river at dusk",
        "hero_credit": "Jane Doe",
        "hero_licence": "CC BY 4.0",
    }
    fields.update(kwargs)
    return make_city(hero_image=saved_image(data or striped_jpeg((1000, 500)), name), **fields)


def rendition_files(root):
    """``{path: mtime}`` of every rendition in storage."""
    folder = root / "renditions"
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
    }


# Validation through the model


@pytest.mark.parametrize(
    ("name", "data", "message", "warns"), refusals(skip={"bomb-pillow-refuses"})
)
def test_the_model_refuses_a_bad_upload_with_a_message_an_editor_understands(
    name, data, message, warns
):
    with pillow_warning(warns):
        city = City(**city_fields(hero_image=upload(name, data), hero_alt="A view"))
        with pytest.raises(ValidationError) as refused:
            city.full_clean()
    messages = refused.value.message_dict["hero_image"]
    assert any(message in text for text in messages), messages
    if "bomb" in name:
        assert any(BOMBS_ARE_EXPLAINED in text for text in messages)


def test_the_model_refuses_a_bomb_above_pillows_hard_limit_with_a_message():
    city = City(**city_fields(hero_image=upload("bomb.png", claiming_png(20000, 20000))))
    with pytest.raises(ValidationError) as refused:
        city.full_clean()
    assert "400 megapixels" in " ".join(refused.value.message_dict["hero_image"])


def test_the_validator_refuses_a_bomb_above_pillows_hard_limit_with_a_message():
    with pytest.raises(ValidationError) as refused:
        validate_image_file(upload("bomb.png", claiming_png(20000, 20000)))
    assert "This image says it is 400 megapixels, in a file of only" in refused.value.messages[0]
    assert BOMBS_ARE_EXPLAINED in refused.value.messages[0]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", striped_jpeg((800, 600))),
        ("logo.png", image_bytes((300, 100), mode="P")),
        ("logo.png", image_bytes((300, 100), mode="RGBA", color=(0, 0, 0, 0))),
        ("photo.webp", image_bytes((800, 600), kind="WEBP")),
        (
            "phone.jpg",
            image_bytes(
                (800, 600),
                kind="MPO",
                save_all=True,
                append_images=[Image.new("RGB", (800, 600), "blue")],
            ),
        ),
    ],
    ids=["jpeg", "palette-png", "transparent-png", "webp", "phone-jpeg-with-two-pictures"],
)
def test_the_model_accepts_a_jpeg_png_or_webp_and_stores_its_size(name, data):
    city = City(**city_fields(hero_image=upload(name, data), hero_alt="A view"))
    city.full_clean()
    city.save()
    city.refresh_from_db()
    assert (city.hero_width, city.hero_height) == Image.open(io.BytesIO(data)).size
    assert default_storage.exists(city.hero_image.name)


def test_a_hero_image_needs_alt_text():
    city = City(**city_fields(hero_image=upload("photo.jpg", striped_jpeg((400, 300)))))
    with pytest.raises(ValidationError) as refused:
        city.full_clean()
    assert refused.value.message_dict == {
        "hero_alt": ["Describe the hero image for people who cannot see it."]
    }


def test_a_logo_needs_alt_text():
    company = make_company()
    company.logo = upload("logo.png", image_bytes((120, 40)))
    company.logo_alt = "   "
    with pytest.raises(ValidationError) as refused:
        company.full_clean()
    assert refused.value.message_dict == {
        "logo_alt": ["Describe the logo for people who cannot see it."]
    }


def test_the_validator_leaves_the_file_where_it_found_it():
    data = upload("photo.jpg", striped_jpeg((400, 300)))
    data.seek(100)
    validate_image_file(data)
    assert data.tell() == 100


@pytest.mark.parametrize(("name", "data", "message", "warns"), refusals(skip={"over-10-mb"}))
def test_the_upload_form_field_gives_our_reasons_before_djangos(name, data, message, warns):
    """What ImageUploadField is for: Django's own field says only "not an image or a
    corrupted image" for an SVG, a GIF, a decompression bomb."""
    form_class = modelform_factory(
        City, fields=["hero_image", "hero_alt"], field_classes={"hero_image": ImageUploadField}
    )
    with pillow_warning(warns):
        form = form_class(data={"hero_alt": "A view"}, files={"hero_image": upload(name, data)})
        assert not form.is_valid()
    assert message in " ".join(form.errors["hero_image"])
    assert DJANGO_INVALID_IMAGE not in " ".join(form.errors["hero_image"])


# Validation through the admin, as a superuser


def admin_gives_our_reasons(model, field_name, user):
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[model]
    field = model_admin.formfield_for_dbfield(model._meta.get_field(field_name), request)
    return isinstance(field, ImageUploadField)


def page_text(response):
    return html.unescape(response.content.decode())


def add_city_data(admin_client, **fields):
    data = form_data(admin_client.get("/admin/cities/city/add/"))
    data.update(
        name="New Hub",
        slug="new-hub",
        province="Sichuan",
        region=City.Region.SOUTHWEST,
        standing=City.Standing.RISING,
        summary="A hub.",
        status=Status.PUBLISHED,
    )
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("case", "name", "data", "message", "django_first", "warns"),
    REFUSALS,
    ids=[case[0] for case in REFUSALS],
)
def test_the_admin_refuses_a_bad_hero_image_and_saves_nothing(
    admin_client, admin_user, media, case, name, data, message, django_first, warns
):
    post = add_city_data(admin_client, hero_alt="A view", hero_image=upload(name, data))
    with pillow_warning(warns):
        response = admin_client.post("/admin/cities/city/add/", post)

    assert response.status_code == 200
    text = page_text(response)
    assert "Please correct the error below." in text
    if django_first and not admin_gives_our_reasons(City, "hero_image", admin_user):
        # Until the admin uses ImageUploadField, Django's form field answers first.
        assert DJANGO_INVALID_IMAGE in text
    else:
        assert message in text
    assert not City.objects.filter(slug="new-hub").exists()
    assert not (media / "cities").exists()


@pytest.mark.parametrize(
    ("case", "name", "data", "message", "django_first", "warns"),
    [
        case
        for case in REFUSALS
        if case[0] in {"svg", "not-an-image", "bomb-pillow-only-warns-about"}
    ],
    ids=["svg", "not-an-image", "bomb-pillow-only-warns-about"],
)
def test_the_admin_refuses_a_bad_logo_on_a_company_and_changes_nothing(
    admin_client, admin_user, media, case, name, data, message, django_first, warns
):
    company = make_company()
    url = f"/admin/companies/company/{company.pk}/change/"
    post = form_data(admin_client.get(url))
    post.update(logo=upload(name, data), logo_alt="The company's logo")
    with pillow_warning(warns):
        response = admin_client.post(url, post)

    assert response.status_code == 200
    text = page_text(response)
    if django_first and not admin_gives_our_reasons(Company, "logo", admin_user):
        assert DJANGO_INVALID_IMAGE in text
    else:
        assert message in text
    company.refresh_from_db()
    assert not company.logo
    assert company.logo_alt == ""
    assert not (media / "companies").exists()


def test_the_admin_asks_for_alt_text_with_an_image(admin_client, media):
    post = add_city_data(admin_client, hero_image=upload("photo.jpg", striped_jpeg((400, 300))))
    response = admin_client.post("/admin/cities/city/add/", post)

    assert response.status_code == 200
    assert "Describe the hero image for people who cannot see it." in page_text(response)
    assert not City.objects.filter(slug="new-hub").exists()


def test_an_image_uploaded_in_the_admin_gets_renditions_on_its_first_view(admin_client, client):
    post = add_city_data(
        admin_client,
        hero_image=upload("photo.jpg", striped_jpeg((1200, 800))),
        hero_alt="Red stripes",
    )
    response = admin_client.post("/admin/cities/city/add/", post)
    assert response.status_code == 302
    city = City.objects.get(slug="new-hub")
    assert (city.hero_width, city.hero_height) == (1200, 800)

    page = client.get(city.get_absolute_url()).content.decode()

    assert "<picture" in page
    assert "1200w" in page
    assert all(default_storage.exists(r.name) for r in ensure_renditions(city.hero_image))


# Renditions


def test_renditions_are_480_960_and_1600_wide_in_webp_and_jpeg(media):
    city = city_with_hero(striped_jpeg((2000, 1000)))

    renditions = ensure_renditions(city.hero_image)

    assert [(r.format, r.width, r.height) for r in renditions] == [
        ("webp", 480, 240),
        ("webp", 960, 480),
        ("webp", 1600, 800),
        ("jpeg", 480, 240),
        ("jpeg", 960, 480),
        ("jpeg", 1600, 800),
    ]
    for rendition in renditions:
        assert re.fullmatch(
            r"renditions/cities/skyline-[0-9a-f]{8}-(480|960|1600)\.(webp|jpg)", rendition.name
        )
        with Image.open(media / rendition.name) as stored:
            assert stored.format == {"webp": "WEBP", "jpeg": "JPEG"}[rendition.format]
            assert stored.size == (rendition.width, rendition.height)
            assert stored.mode == "RGB"
        assert rendition.url == f"/media/{rendition.name}"


def test_renditions_are_made_once(media):
    city = city_with_hero()
    first = ensure_renditions(city.hero_image)
    made = rendition_files(media)
    assert len(made) == 6

    with mock.patch.object(FileSystemStorage, "_save", side_effect=AssertionError("saved")):
        again = ensure_renditions(city.hero_image)

    assert again == first
    assert rendition_files(media) == made


@pytest.mark.parametrize(
    ("size", "widths"),
    [((300, 200), [300]), ((960, 640), [480, 960]), ((1200, 800), [480, 960, 1200])],
)
def test_renditions_never_upscale_and_keep_the_original_width_as_the_largest(size, widths):
    city = city_with_hero(striped_jpeg(size))

    renditions = ensure_renditions(city.hero_image)

    assert [r.width for r in renditions if r.format == "webp"] == widths
    assert [r.width for r in renditions if r.format == "jpeg"] == widths
    largest = renditions[-1]
    assert (largest.width, largest.height) == size


def test_an_image_replaced_under_the_same_name_gets_new_renditions():
    city = city_with_hero(striped_jpeg((800, 400)))
    before = {r.name for r in ensure_renditions(city.hero_image)}
    default_storage.delete(city.hero_image.name)
    saved_image(striped_jpeg((800, 400), quality=60))

    after = {r.name for r in ensure_renditions(city.hero_image)}

    assert before.isdisjoint(after)


def test_renditions_carry_no_metadata():
    exif = Image.Exif()
    exif[0x013B] = "Jane Doe, at home"  # Artist
    exif[0x010F] = "PhoneMaker"  # Make
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    city = city_with_hero(
        striped_jpeg((600, 400), exif=exif.tobytes(), icc_profile=profile, comment=b"secret")
    )

    for rendition in ensure_renditions(city.hero_image):
        with default_storage.open(rendition.name) as handle:
            data = handle.read()
        assert b"Jane Doe" not in data
        assert b"PhoneMaker" not in data
        assert b"secret" not in data
        with Image.open(io.BytesIO(data)) as stored:
            assert not stored.getexif()
            assert "icc_profile" not in stored.info


def test_renditions_of_a_phone_photo_stand_upright():
    """A phone stores a portrait photo lying down, with an EXIF orientation to turn it."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    city = city_with_hero(striped_jpeg((1000, 500), exif=exif.tobytes()))
    assert (city.hero_width, city.hero_height) == (1000, 500)

    images = rendition_set(city.hero_image, city.hero_width, city.hero_height)

    assert (images.width, images.height) == (500, 1000)
    assert [(r.width, r.height) for r in images.jpeg] == [(480, 960), (500, 1000)]


def test_a_transparent_logo_stays_transparent_in_webp_and_sits_on_white_in_jpeg():
    logo = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    logo.paste((10, 90, 160, 255), (200, 50, 400, 150))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    company = make_company(logo=saved_image(buffer.getvalue(), "companies/logo.png"), logo_alt="x")

    renditions = ensure_renditions(company.logo)

    webp = next(r for r in renditions if r.format == "webp" and r.width == 600)
    jpeg = next(r for r in renditions if r.format == "jpeg" and r.width == 600)
    with Image.open(default_storage.open(webp.name)) as stored:
        assert stored.mode == "RGBA"
        assert stored.getpixel((5, 5))[3] == 0
    with Image.open(default_storage.open(jpeg.name)) as stored:
        assert all(channel > 245 for channel in stored.getpixel((5, 5)))


def test_rendition_set_touches_no_storage_once_the_cache_knows():
    city = city_with_hero()
    first = rendition_set(city.hero_image, city.hero_width, city.hero_height)
    assert first is not None

    broken = mock.Mock(side_effect=AssertionError("storage touched"))
    with (
        mock.patch.object(FileSystemStorage, "exists", broken),
        mock.patch.object(FileSystemStorage, "open", broken),
        mock.patch.object(FileSystemStorage, "size", broken),
        mock.patch.object(FileSystemStorage, "_save", broken),
    ):
        again = rendition_set(city.hero_image, city.hero_width, city.hero_height)

    assert again == first
    assert broken.call_count == 0


def test_rendition_set_makes_missing_renditions_on_first_use(media):
    city = city_with_hero()
    assert rendition_files(media) == {}

    images = rendition_set(city.hero_image, city.hero_width, city.hero_height)

    assert len(rendition_files(media)) == 6
    assert images.src.width == 960
    assert images.webp_srcset.endswith("-1000.webp 1000w")


@pytest.mark.parametrize(
    "name", ["cities/missing.jpg", "../outside.jpg"], ids=["missing", "outside-media"]
)
def test_rendition_set_is_none_for_an_original_it_cannot_read(name):
    city = make_city(hero_image=name, hero_alt="Gone", hero_width=1600, hero_height=900)
    assert rendition_set(city.hero_image, 1600, 900) is None
    with pytest.raises((OSError, ValueError, SuspiciousFileOperation)):
        ensure_renditions(city.hero_image)


def test_rebuild_db_makes_the_renditions_of_every_loaded_image(media):
    result = rebuild_content()

    assert result.committed
    assert result.unrendered == []
    for city in City.objects.all():
        names = {r.name for r in ensure_renditions(city.hero_image)}
        assert len(names) == 6
        assert all((media / name).is_file() for name in names)
    assert len(rendition_files(media)) == 6 * City.objects.count()
    with mock.patch.object(FileSystemStorage, "open", side_effect=AssertionError("opened")):
        for city in City.objects.all():  # and the cache knows, so pages do not look again
            assert rendition_set(city.hero_image, city.hero_width, city.hero_height)


def test_rebuild_db_check_makes_no_renditions(media):
    rebuild_content(check=True)
    assert rendition_files(media) == {}


# The markup


def test_the_city_page_shows_the_hero_as_a_responsive_picture(client):
    city = city_with_hero(striped_jpeg((2000, 1000)))

    response = client.get(city.get_absolute_url())

    page = response.content.decode()
    picture = re.search(r"<figure class=\"hero\">.*?</figure>", page, re.S).group(0)
    source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="[^"]+">', picture)
    assert source is not None
    assert re.fullmatch(
        r"/media/renditions/cities/skyline-\w{8}-480\.webp 480w, "
        r"/media/renditions/cities/skyline-\w{8}-960\.webp 960w, "
        r"/media/renditions/cities/skyline-\w{8}-1600\.webp 1600w",
        source.group(1),
    )
    image = re.search(r"<img [^>]*>", picture).group(0)
    assert re.search(r'src="/media/renditions/cities/skyline-\w{8}-960\.jpg"', image)
    assert re.search(
        r'srcset="[^"]*-480\.jpg 480w, [^"]*-960\.jpg 960w, [^"]*-1600\.jpg 1600w"', image
    )
    assert 'width="2000" height="1000" alt="Towers along the river at dusk"' in image
    assert 'loading="eager"' in image
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", picture, re.S).group(1)
    assert "Jane Doe" in caption
    assert "CC BY 4.0" in caption
    assert re.search(
        r'<meta property="og:image" content="http://testserver/media/renditions/cities/'
        r'skyline-\w{8}-1600\.jpg">',
        page,
    )
    assert '<meta property="og:image:width" content="1600">' in page


def test_the_city_page_without_its_original_renders_without_the_image(client):
    city = make_city(
        hero_image="cities/missing.jpg", hero_alt="Gone", hero_width=1600, hero_height=900
    )

    response = client.get(city.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "<picture" not in page
    assert "<figure" not in page
    assert "og:image" not in page


def test_the_city_page_with_a_broken_original_renders_without_the_image(client):
    name = saved_image(b"this is not a JPEG any more", "cities/broken.jpg")
    city = make_city(hero_image=name, hero_alt="Broken", hero_width=1600, hero_height=900)

    response = client.get(city.get_absolute_url())

    assert response.status_code == 200
    assert "<picture" not in response.content.decode()


def test_the_hub_cards_show_a_lazy_thumbnail(client):
    city_with_hero(striped_jpeg((1600, 900)))

    page = client.get("/cities/").content.decode()

    image = re.search(r'<img class="card__image" [^>]*>', page).group(0)
    assert 'alt=""' in image
    assert 'loading="lazy" decoding="async"' in image
    assert 'width="1600" height="900"' in image


@pytest.mark.parametrize("path", ["/", "/cities/"])
def test_each_hub_card_shows_its_own_picture_and_a_lost_original_costs_only_its_own(client, path):
    hubs = {
        "Anshan": saved_image(striped_jpeg((1600, 900)), "cities/anshan.jpg"),
        "Baotou": "cities/lost.jpg",
        "Changzhou": "",
        "Dalian": saved_image(striped_jpeg((1200, 800)), "cities/dalian.jpg"),
    }
    for name, image in hubs.items():
        make_city(name=name, hero_image=image, hero_width=1600, hero_height=900)

    page = client.get(path).content.decode()

    cards = {
        re.search(r'class="card__title"><a [^>]*>([^<]+)</a>', card).group(1): card
        for card in page.split('<article class="card card--city">')[1:]
    }
    assert sorted(cards) == sorted(hubs)
    assert re.search(r'srcset="[^"]*/cities/anshan-\w{8}-480\.webp 480w', cards["Anshan"])
    assert re.search(r'srcset="[^"]*/cities/dalian-\w{8}-480\.webp 480w', cards["Dalian"])
    assert "<picture" not in cards["Baotou"] and "<picture" not in cards["Changzhou"]


def test_the_company_page_shows_the_logo_as_a_responsive_picture(client):
    company = make_company(
        logo=saved_image(image_bytes((240, 80)), "companies/logo.png"), logo_alt="A blue wordmark"
    )

    page = client.get(company.get_absolute_url()).content.decode()

    image = re.search(r'<img class="company-profile__logo" [^>]*>', page).group(0)
    assert 'width="240" height="80" alt="A blue wordmark"' in image
    assert "240w" in image
    assert re.search(r'<source type="image/webp" srcset="[^"]*logo-\w{8}-240\.webp 240w"', page)


def test_the_responsive_image_tag_accepts_a_rendition_set_and_ignores_odd_loading_values():
    city = city_with_hero(striped_jpeg((500, 250)))
    template = Template(
        '{% load hubguide %}{% responsive_image hero "Alt" loading="sideways" %}'
        "|{% responsive_image city.logo_missing 'Alt' %}|"
    )
    hero = rendition_set(city.hero_image, city.hero_width, city.hero_height)

    rendered = template.render(Context({"city": city, "hero": hero}))

    assert 'loading="lazy"' in rendered
    assert 'width="500" height="250" alt="Alt"' in rendered
    assert rendered.split("|")[1].strip() == ""
