"""What needs an editor's attention, and the admin page that lists it.

Each rule is a plain function returning a queryset, so the page, a test or a shell can
ask the same question. The page runs one query per rule and model whatever the number of
rows: the rows shown and their total come back together.
"""

import datetime
from dataclasses import dataclass

from django.contrib import admin
from django.db.models import Count, Window
from django.db.models.functions import Trim
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cities.models import City, Figure, Policy, Zone
from companies.models import Company, Sector
from hubguide.publishing import Status

FIGURE_MAX_AGE_YEARS = 5
DRAFT_MAX_IDLE_DAYS = 30
# Rows listed per rule and model; the total is always given.
ROWS_SHOWN = 50


def untraceable_figures():
    """Figures whose source names neither a publisher nor a link.

    Every figure has a source (the database requires one), but a source that is only a
    title gives a reader nothing to follow.
    """
    return (
        Figure.objects.annotate(_publisher=Trim("source__publisher"), _url=Trim("source__url"))
        .filter(_publisher="", _url="")
        .select_related("city", "source")
        .order_by("city__name", "position", "label")
    )


def outdated_figures(today=None):
    """Figures describing a year more than five years before this one (targets included:
    a target whose year is long past needs its outcome)."""
    today = today or timezone.localdate()
    return (
        Figure.objects.filter(year__lt=today.year - FIGURE_MAX_AGE_YEARS)
        .select_related("city", "source")
        .order_by("year", "city__name", "label")
    )


def without_chinese_name(model):
    """Rows of ``model`` (anything with ``name_zh``) whose Chinese name is blank."""
    return model.objects.annotate(_name_zh=Trim("name_zh")).filter(_name_zh="").order_by("name")


def cities_without_image_alt():
    """Cities with a hero image but no text saying what it shows."""
    return (
        City.objects.annotate(_alt=Trim("hero_alt"))
        .filter(_alt="")
        .exclude(hero_image="")
        .order_by("name")
    )


def companies_without_logo_alt():
    """Companies with a logo but no text saying what it shows."""
    return (
        Company.objects.annotate(_alt=Trim("logo_alt"))
        .filter(_alt="")
        .exclude(logo="")
        .order_by("name")
    )


def forgotten_drafts(model, now=None):
    """Drafts of ``model`` nobody has changed for thirty days, the longest forgotten first."""
    now = now or timezone.now()
    return model.objects.filter(
        status=Status.DRAFT,
        updated_at__lt=now - datetime.timedelta(days=DRAFT_MAX_IDLE_DAYS),
    ).order_by("updated_at")


@dataclass(frozen=True)
class Check:
    """One model's part of a rule: its rows, and what to say about each one."""

    model: type
    rows: object  # () -> QuerySet
    detail: object = None  # (row) -> str


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    description: str
    checks: tuple


def _figure_source(figure):
    return f"{figure.year} · {figure.source}"


def _last_changed(row):
    return _("last changed %(date)s") % {
        "date": formats.date_format(timezone.localtime(row.updated_at), "DATE_FORMAT")
    }


def rules():
    return (
        Rule(
            "untraceable-figures",
            _("Figures without a traceable source"),
            _("Their source names neither a publisher nor a link: add one to the source."),
            (Check(Figure, untraceable_figures, _figure_source),),
        ),
        Rule(
            "outdated-figures",
            _("Figures older than five years"),
            _("They describe a year before %(year)s: look for newer numbers.")
            % {"year": timezone.localdate().year - FIGURE_MAX_AGE_YEARS},
            (Check(Figure, outdated_figures, _figure_source),),
        ),
        Rule(
            "missing-chinese-names",
            _("Without a Chinese name"),
            _("Visitors search in Chinese too: add the name in simplified characters."),
            tuple(
                Check(model, lambda model=model: without_chinese_name(model))
                for model in (City, Zone, Policy, Company, Sector)
            ),
        ),
        Rule(
            "missing-alt-text",
            _("Images without alt text"),
            _("Say what the image shows, for people who cannot see it."),
            (
                Check(City, cities_without_image_alt, lambda city: city.hero_image.name),
                Check(Company, companies_without_logo_alt, lambda company: company.logo.name),
            ),
        ),
        Rule(
            "forgotten-drafts",
            _("Drafts untouched for 30 days"),
            _("Publish them, finish them, or ask a chief editor to delete them."),
            tuple(
                Check(model, lambda model=model: forgotten_drafts(model), _last_changed)
                for model in (City, Zone, Policy, Company)
            ),
        ),
    )


def _can_view(request, model):
    model_admin = admin.site.get_model_admin(model)
    return model_admin.has_view_or_change_permission(request)


def _group(check):
    """The first rows of a check and how many there are, in one query."""
    opts = check.model._meta
    rows = list(check.rows().annotate(_total=Window(Count("pk")))[:ROWS_SHOWN])
    change = f"admin:{opts.app_label}_{opts.model_name}_change"
    return {
        "name": opts.verbose_name_plural,
        "count": rows[0]._total if rows else 0,
        "rows": [
            {
                "label": str(row),
                "url": reverse(change, args=[row.pk]),
                "detail": check.detail(row) if check.detail else "",
            }
            for row in rows
        ],
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }


def quality_view(request):
    """The data-quality page: each rule, the rows it finds, each linking to its change page.

    Staff only: hubguide/urls.py wraps it in ``admin.site.admin_view``. A rule's rows are
    listed only for the models the user may view.
    """
    sections = []
    for rule in rules():
        groups = [_group(check) for check in rule.checks if _can_view(request, check.model)]
        if groups:
            sections.append(
                {
                    "key": rule.key,
                    "title": rule.title,
                    "description": rule.description,
                    "groups": groups,
                    "count": sum(group["count"] for group in groups),
                }
            )
    context = {
        **admin.site.each_context(request),
        "title": _("Data quality"),
        "subtitle": None,
        "sections": sections,
        "rows_shown": ROWS_SHOWN,
    }
    return render(request, "admin/quality.html", context)
