from django.apps import apps
from django.contrib import admin, messages
from django.core import checks
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from companies.models import Company, Presence, Sector
from companies.resources import CompanyResource
from hubguide.admin import AutoSlugForm, CompactTabularInline, GuideAdmin, PublishableAdmin
from hubguide.publishing import Status

# An import creates and changes companies, and adds, moves and deletes their presences.
IMPORT_PERMISSIONS = (
    "companies.add_company",
    "companies.change_company",
    "companies.add_presence",
    "companies.change_presence",
    "companies.delete_presence",
)


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
        return (
            super()
            .get_queryset(request)
            .annotate(company_count=Count("companies"))
            .order_by("name")
        )

    @admin.display(description=_("companies"), ordering="company_count")
    def company_count(self, obj):
        return obj.company_count


@admin.register(Company)
class CompanyAdmin(ImportExportMixin, PublishableAdmin):
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

    # Spreadsheets: import with a dry run, export of the changelist's current result.
    resource_classes = (CompanyResource,)
    formats = (CSV, XLSX)
    # Every column, always: an export is meant to come back as an import.
    export_form_class = ExportForm
    import_template_name = "admin/companies/company/import.html"
    # Our own, so the list renders even while the library's templates are missing.
    change_list_template = "admin/companies/company/change_list.html"
    import_export_change_list_template = None
    # Excel reads a CSV file without a byte order mark as the local code page.
    to_encoding = "utf-8-sig"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sectors")

    @admin.display(description=_("sectors"))
    def sector_list(self, obj):
        return ", ".join(sector.name for sector in obj.sectors.all())

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not apps.is_installed("import_export"):
            errors.append(
                checks.Error(
                    "The company import and export pages need django-import-export's "
                    "templates and static files.",
                    hint='Add "import_export" to INSTALLED_APPS.',
                    obj=self.__class__,
                    id="companies.E001",
                )
            )
        return errors

    def has_import_permission(self, request):
        # The library lets every staff user import unless a setting says otherwise.
        return request.user.has_perms(IMPORT_PERMISSIONS)

    def has_export_permission(self, request):
        return self.has_view_or_change_permission(request)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        # For the page's notes on how to write the file.
        context["company_kinds"] = Company.Kind.values
        context["statuses"] = Status.values
        context["presence_kinds"] = Presence.Kind.values
        return context

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # One invalid row rolls the whole file back, at the confirm step too (where the
        # library would otherwise save the valid rows).
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Only when the data changed between the dry run and the confirmation.
            rows = sorted(
                {row.number for row in result.invalid_rows}
                | {row.number for row in result.error_rows}
            )
            messages.error(
                request,
                ngettext(
                    "Nothing was imported: row %(rows)s is no longer valid. "
                    "Upload the file again to see why.",
                    "Nothing was imported: rows %(rows)s are no longer valid. "
                    "Upload the file again to see why.",
                    len(rows),
                )
                % {"rows": ", ".join(map(str, rows))},
            )
            return HttpResponseRedirect(
                reverse("admin:companies_company_import", current_app=self.admin_site.name)
            )
        return super().process_result(result, request)


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
