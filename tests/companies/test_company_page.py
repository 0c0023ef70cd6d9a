"""The company page at /companies/<slug>/: facts, presences, drafts and queries."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from companies.models import Company, Presence
from hubguide.publishing import Status
from tests.factories import (
    make_city,
    make_company,
    make_presence,
    make_sector,
    make_source,
    make_zone,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def microsoft():
    beijing = make_city(slug="beijing", name="Beijing", name_zh="北京")
    zgc = make_zone(city=beijing, slug="zhongguancun", name="Zhongguancun")
    source = make_source(title="Microsoft in China", url="https://news.example.com/ms")
    company = make_company(
        slug="microsoft",
        name="Microsoft",
        name_zh="微软",
        kind=Company.Kind.MULTINATIONAL,
        founded=1975,
        headquarters="Redmond, United States",
        website="https://www.microsoft.com/",
        summary="Software, cloud and research.",
        body="Its **largest research centre** outside the United States is in Beijing.",
        sectors=[make_sector(slug="software", name="Software")],
    )
    make_presence(
        company=company,
        city=beijing,
        zone=zgc,
        slug="microsoft-beijing-lab",
        kind=Presence.Kind.RESEARCH_LAB,
        opened=1998,
        investment=280_000_000,
        investment_currency=Presence.Currency.USD,
        headcount=5000,
        headcount_is_minimum=True,
        source=source,
    )
    return company


def page(client, slug="microsoft"):
    return client.get(f"/companies/{slug}/")


def test_the_page_shows_the_company_facts(client, microsoft):
    response = page(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Microsoft <span" in html
    assert '<span class="zh" lang="zh-Hans">微软</span>' in html
    assert "Multinational" in html
    assert "1975" in html
    assert "Redmond, United States" in html
    assert (
        '<a href="https://www.microsoft.com/" rel="external noopener noreferrer">'
        "https://www.microsoft.com/</a>"
    ) in html
    assert "Software, cloud and research." in html


def test_each_sector_links_to_the_directory_filtered_by_it(client, microsoft):
    html = page(client).content.decode()
    assert 'href="/companies/?sector=software"' in html


def test_the_body_is_rendered_as_markdown(client, microsoft):
    html = page(client).content.decode()
    assert "<strong>largest research centre</strong>" in html
    assert "**largest" not in html


def test_the_body_cannot_carry_script(client, microsoft):
    Company.objects.filter(pk=microsoft.pk).update(
        body="<script>alert(1)</script> [x](javascript:alert(1))"
    )
    html = page(client).content.decode()
    assert "<script>alert(1)" not in html
    assert "javascript:alert" not in html


def test_a_website_that_is_not_http_is_not_linked(client, microsoft):
    Company.objects.filter(pk=microsoft.pk).update(website="javascript:alert(1)")
    assert "javascript:" not in page(client).content.decode()


def test_presences_show_investment_headcount_zone_year_and_source(client, microsoft):
    html = page(client).content.decode()
    assert 'id="presence-microsoft-beijing-lab"' in html
    assert 'Research lab in <a href="/cities/beijing/">Beijing</a>' in html
    assert '<a href="/zones/zhongguancun/">Zhongguancun</a>' in html
    assert "US$280 million" in html
    assert "over 5,000" in html
    assert "<dd>1998</dd>" in html
    assert 'href="https://news.example.com/ms"' in html


def test_a_planned_presence_is_marked_announced(client, microsoft):
    make_presence(
        company=microsoft,
        city=make_city(slug="chengdu", name="Chengdu"),
        slug="microsoft-chengdu",
        state=Presence.State.PLANNED,
        opened=2026,
        headcount=1200,
        investment=2_000_000_000,
        investment_currency=Presence.Currency.CNY,
    )
    html = page(client).content.decode()
    assert "announced" in html
    assert "Due to open" in html
    assert "2 billion yuan" in html
    assert "1,200" in html


def test_presences_in_draft_hubs_and_draft_zones_are_hidden_from_visitors(client, microsoft):
    beijing = microsoft.presences.get().city
    draft_city = make_city(slug="atlantis", name="Atlantis", status=Status.DRAFT)
    make_presence(company=microsoft, city=draft_city, slug="microsoft-atlantis")
    draft_zone = make_zone(city=beijing, slug="secret-zone", name="Secret Zone", status="draft")
    make_presence(company=microsoft, city=beijing, zone=draft_zone, kind="office")
    html = page(client).content.decode()
    assert "Atlantis" not in html
    assert "Secret Zone" not in html
    assert html.count('class="presence card"') == 2


def test_the_logo_is_shown_with_its_alt_text(client, microsoft):
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(buffer, format="PNG")
    microsoft.logo = SimpleUploadedFile("ms.png", buffer.getvalue(), content_type="image/png")
    microsoft.logo_alt = "Microsoft's four-coloured window"
    microsoft.save()
    html = page(client).content.decode()
    assert 'alt="Microsoft&#x27;s four-coloured window"' in html
    assert 'width="120" height="40"' in html


def test_a_draft_company_answers_404_to_visitors(client, microsoft):
    Company.objects.filter(pk=microsoft.pk).update(status=Status.DRAFT)
    assert page(client).status_code == 404


def test_a_scheduled_company_answers_404_until_its_time(client, microsoft):
    Company.objects.filter(pk=microsoft.pk).update(publish_at=timezone.now() + timedelta(days=1))
    assert page(client).status_code == 404


def test_staff_preview_a_draft_under_a_draft_banner(client, microsoft, django_user_model):
    Company.objects.filter(pk=microsoft.pk).update(status=Status.DRAFT)
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    response = page(client)
    assert response.status_code == 200
    assert "Draft — visitors cannot see this page." in response.content.decode()


def test_an_unknown_company_answers_404(client, microsoft):
    assert page(client, "no-such-company").status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(client, microsoft):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert page(client).status_code == 200
        return len(captured)

    few = queries()
    zone = microsoft.presences.get().zone
    for n in range(8):
        city = make_city(slug=f"hub-{n}", name=f"Hub {n}")
        make_presence(company=microsoft, city=city, source=make_source())
        make_presence(company=microsoft, city=zone.city, zone=zone, source=make_source())
        microsoft.sectors.add(make_sector())
        microsoft.sources.add(make_source())
    assert queries() == few == 4
