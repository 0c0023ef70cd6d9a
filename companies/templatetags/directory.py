"""The directory's list of results, drawn in Python: ``{% load directory %}``."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from cities.models import City
from cities.templatetags.hubguide import draft_badge
from companies.models import Company
from hubguide.publishing import slug_urls

register = template.Library()

SUMMARY_LENGTH = 220


@register.simple_tag
def company_results(companies):
    """The ``<li>`` of each company in a page of the directory's results:
    ``{% company_results companies %}``.

    Drawn in Python, as ``presence_groups`` draws a hub's presences: a page lists twenty
    companies, and in a template each card's thirty lookups and conditions were a fifth
    of a filtered page's time (20 cards: about 4 ms as template code, 0.5 ms here, on
    PostgreSQL at 500,000 companies). Every text is escaped with ``html.escape``, as
    ``django.utils.html.escape`` does; a test checks it. Each company needs
    ``company.sector_list`` and ``company.hubs`` (companies.views.label_companies), each
    sector its ``narrowed_url`` (companies.views.DirectoryView.get_context_data). The
    year founded is written as it is, not localised.
    """
    urls = slug_urls(Company.url_name), slug_urls(City.url_name)
    return mark_safe("".join(company_result(company, *urls) for company in companies))


def company_result(company, company_url, city_url):
    """A company's card; ``company_url`` and ``city_url`` give a company's and a hub's
    address from its slug (``hubguide.publishing.slug_urls``)."""
    html = [
        '\n<li class="card company-card">'
        f'\n  <h3 class="card__title"><a href="{escape(company_url(company.slug))}">'
        f"{escape(company.name)}</a>"
    ]
    if company.name_zh:
        html.append(f' <span class="zh" lang="zh-Hans">{escape(company.name_zh)}</span>')
    html.append(f"{draft_badge(company)}</h3>")
    meta = [escape(company.get_kind_display())]
    if company.founded:
        meta.append(f"founded {company.founded:d}")
    if company.headquarters:
        meta.append(f"headquarters: {escape(company.headquarters)}")
    html.append(f'\n  <p class="meta">{" · ".join(meta)}</p>')
    if company.summary:
        # What |truncatechars does, less its pass over every character of a short one.
        summary = company.summary
        if len(summary) > SUMMARY_LENGTH:
            summary = Truncator(summary).chars(SUMMARY_LENGTH)
        html.append(f'\n  <p class="company-card__summary">{escape(summary)}</p>')
    html.append('\n  <dl class="company-card__facts">')
    if company.sector_list:
        links = " ".join(
            f'<a class="badge" href="{escape(sector.narrowed_url)}" '
            f'title="Only companies in {escape(sector.name)}">{escape(sector.name)}</a>'
            for sector in company.sector_list
        )
        html.append(f"\n    <div>\n      <dt>Sectors</dt>\n      <dd>{links}</dd>\n    </div>")
    if company.hubs:
        links = ", ".join(
            f'<a href="{escape(city_url(city.slug))}">{escape(city.name)}</a>'
            for city in company.hubs
        )
        html.append(f"\n    <div>\n      <dt>Present in</dt>\n      <dd>{links}</dd>\n    </div>")
    html.append("\n  </dl>\n</li>")
    return "".join(html)
