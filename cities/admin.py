from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cities.models import City, Figure, Policy, Source, Zone
from hubguide.admin import (
    AutoSlugForm,
    CompactTabularInline,
    GuideAdmin,
    PublishableAdmin,
    TextareaLineEndsMixin,
)

SHORT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class FigureForm(AutoSlugForm):
    slug_help_text = _("Leave blank to make one from the city, label and year.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.value is not None:
            # 11900000, not the stored 11900000.000
            self.initial["value"] = format(self.instance.value.normalize(), "f")

    def slug_text(self, cleaned_data):
        city, label, year = (cleaned_data.get(name) for name in ("city", "label", "year"))
        if city and label and year:
            return f"{city.slug} {label} {year}"
        return None


class FigureInline(CompactTabularInline):
    model = Figure
    form = FigureForm
    fields = (
        "label",
        "qualifier",
        "value",
        "unit",
        "year",
        "kind",
        "source",
        "is_key",
    )
    autocomplete_fields = ("source",)
    autocomplete_widths = {"source": "11em"}
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 18})}}


class ZoneInline(TextareaLineEndsMixin, admin.StackedInline):
    model = Zone
    fields = (
        ("name", "name_zh"),
        ("slug", "kind"),
        ("established", "status"),
        "summary",
    )
    prepopulated_fields = {"slug": ("name",)}
    formfield_overrides = SHORT_TEXT
    extra = 0
    show_change_link = True


@admin.register(Source)
class SourceAdmin(GuideAdmin):
    list_display = ("title", "publisher", "published_on", "url", "figure_count")
    list_filter = ("publisher",)
    search_fields = ("title", "publisher", "url", "slug", "note")
    search_help_text = _("Search by title, publisher or link.")
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ("publisher", "title")}
    fields = ("title", "publisher", "slug", "published_on", "url", "note")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(figure_count=Count("figures")).order_by("title")
        )

    @admin.display(description=_("figures"), ordering="figure_count")
    def figure_count(self, obj):
        return obj.figure_count


@admin.register(City)
class CityAdmin(PublishableAdmin):
    list_display = (
        "name",
        "name_zh",
        "province",
        "region",
        "standing",
        "status",
        "is_live",
        "updated_at",
    )
    list_display_links = ("name", "name_zh")
    list_filter = ("status", "standing", "region")
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ("name", "name_zh", "province", "nickname", "slug")
    search_help_text = _("Search by English or Chinese name, province or nickname.")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("sources",)
    inlines = (ZoneInline, FigureInline)
    fieldsets = (
        (
            _("Identity"),
            {
                "fields": (
                    ("name", "name_zh"),
                    "slug",
                    ("province", "region"),
                    "nickname",
                    "standing",
                )
            },
        ),
        (_("Content"), {"fields": ("summary", "body", ("latitude", "longitude"), "sources")}),
        (
            _("Image"),
            {
                "fields": ("hero_image", "hero_alt", ("hero_credit", "hero_licence")),
                "description": _("A photo of the city, with what it shows and who took it."),
            },
        ),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Zone)
class ZoneAdmin(PublishableAdmin):
    list_display = (
        "name",
        "name_zh",
        "city",
        "kind",
        "established",
        "national_rank",
        "status",
        "is_live",
    )
    list_filter = ("status", "kind", "city")
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ("city",)
    search_fields = ("name", "name_zh", "short_name", "slug", "city__name", "city__name_zh")
    search_help_text = _("Search by English or Chinese name, abbreviation or city.")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("city", "sources")
    fieldsets = (
        (
            _("Identity"),
            {"fields": (("name", "name_zh"), ("short_name", "slug"), "city", "kind")},
        ),
        (
            _("Content"),
            {"fields": (("established", "national_rank"), "summary", "body", "sources")},
        ),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Policy)
class PolicyAdmin(PublishableAdmin):
    list_display = ("name", "name_zh", "level", "launched", "status", "is_live")
    list_filter = ("status", "level", "cities")
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ("name", "name_zh", "slug")
    search_help_text = _("Search by English or Chinese name.")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("cities", "zones", "sources")
    fieldsets = (
        (_("Identity"), {"fields": (("name", "name_zh"), "slug", ("level", "launched"))}),
        (_("Content"), {"fields": ("summary", "body", "cities", "zones", "sources")}),
        PublishableAdmin.publication_fieldset,
    )


@admin.register(Figure)
class FigureAdmin(GuideAdmin):
    form = FigureForm
    list_display = ("label", "city", "display_value", "year", "kind", "is_key", "source")
    list_filter = ("kind", "is_key", "unit", "city")
    list_select_related = ("city", "source")
    search_fields = (
        "label",
        "slug",
        "note",
        "city__name",
        "city__name_zh",
        "source__title",
        "source__publisher",
    )
    search_help_text = _("Search by label, city or source.")
    autocomplete_fields = ("city", "source")
    fieldsets = (
        (_("Identity"), {"fields": ("city", "label", "slug")}),
        (
            _("Content"),
            {
                "fields": (("qualifier", "value", "unit"), ("year", "kind"), "source", "note"),
                "description": _(
                    "Enter the whole number: 480 billion yuan is 480000000000, "
                    "shown to readers as “480 billion yuan”."
                ),
            },
        ),
        (_("Publication"), {"fields": ("is_key", "position")}),
    )

    @admin.display(description=_("value"), ordering="value")
    def display_value(self, obj):
        return obj.display_value()
