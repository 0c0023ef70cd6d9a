from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from companies.models import Company, Presence, Sector
from hubguide.admin import AutoSlugForm, CompactTabularInline, GuideAdmin, PublishableAdmin


class PresenceForm(AutoSlugForm):
    slug_help_text = _("Leave blank to make one from the company, kind and city.")

    def slug_text(self, cleaned_data):
        company, kind, city = (cleaned_data.get(name) for name in ("company", "kind", "city"))
        if company and kind and city:
            return f"{company.slug} {kind} {city.slug}"
        return None


class PresenceInline(CompactTabularInline):
    """The essentials of each presence; its summary and slug are on its own page."""

    model = Presence
    form = PresenceForm
    fields = (
        "kind",
        "city",
        "zone",
        "state",
        "opened",
        "investment",
        "investment_currency",
        "headcount",
        "headcount_is_minimum",
        "source",
    )
    autocomplete_fields = ("city", "zone", "source")
    autocomplete_widths = {"city": "8em", "zone": "10em", "source": "8em"}


@admin.register(Sector)
class SectorAdmin(GuideAdmin):
    list_display = ("name", "name_zh", "slug", "company_count")
    search_fields = ("name", "name_zh", "slug")
    search_help_text = _("Search by English or Chinese name.")
    prepopulated_fields = {"slug": ("name",)}
    fields = (("name", "name_zh"), "slug", "description")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(company_count=Count("companies"))

    @admin.display(description=_("companies"), ordering="company_count")
    def company_count(self, obj):
        return obj.company_count


@admin.register(Company)
class CompanyAdmin(PublishableAdmin):
    list_display = (
        "name",
        "name_zh",
        "kind",
        "founded",
        "headquarters",
        "sector_list",
        "status",
        "is_live",
    )
    list_display_links = ("name", "name_zh")
    list_filter = ("status", "kind", "sectors", "presences__city")
    search_fields = ("name", "name_zh", "slug", "headquarters")
    search_help_text = _("Search by English or Chinese name, or headquarters.")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("sectors", "sources")
    inlines = (PresenceInline,)
    fieldsets = (
        (
            _("Identity"),
            {
                "fields": (
                    ("name", "name_zh"),
                    "slug",
                    ("kind", "founded"),
                    "headquarters",
                    "website",
                    "sectors",
                )
            },
        ),
        (_("Content"), {"fields": ("summary", "body", "sources")}),
        (_("Image"), {"fields": ("logo", "logo_alt")}),
        PublishableAdmin.publication_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sectors")

    @admin.display(description=_("sectors"))
    def sector_list(self, obj):
        return ", ".join(sector.name for sector in obj.sectors.all())


@admin.register(Presence)
class PresenceAdmin(GuideAdmin):
    form = PresenceForm
    list_display = (
        "company",
        "kind",
        "city",
        "zone",
        "state",
        "opened",
        "investment_display",
        "headcount_display",
    )
    list_filter = ("kind", "state", "city")
    list_select_related = ("company", "city", "zone")
    search_fields = (
        "slug",
        "summary",
        "company__name",
        "company__name_zh",
        "city__name",
        "city__name_zh",
        "zone__name",
    )
    search_help_text = _("Search by company, city or zone.")
    autocomplete_fields = ("company", "city", "zone", "source")
    fieldsets = (
        (_("Identity"), {"fields": ("company", "kind", ("city", "zone"), "slug")}),
        (
            _("Content"),
            {
                "fields": (
                    ("state", "opened"),
                    ("investment", "investment_currency"),
                    ("headcount", "headcount_is_minimum"),
                    "summary",
                    "source",
                ),
                "description": _(
                    "Enter the whole investment: US$280 million is 280000000. "
                    "The zone must lie in the city chosen above."
                ),
            },
        ),
    )

    @admin.display(description=_("investment"), ordering="investment")
    def investment_display(self, obj):
        return obj.display_investment() or None

    @admin.display(description=_("head count"), ordering="headcount")
    def headcount_display(self, obj):
        return obj.display_headcount() or None
