from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hubguide.export import ExportError, export_content


class Command(BaseCommand):
    help = (
        "Write the published content back as fixtures that rebuild_db loads: numbered "
        "JSON files with natural keys, and the media they name. The old files are "
        "replaced only once everything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help=(
                "Directory to write (default: settings.FIXTURES_DIR). Its numbered *.json "
                "files and media/ are replaced; other files are left alone."
            ),
        )

    def handle(self, *args, output, **options):
        try:
            result = export_content(output)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        verbosity = options["verbosity"]
        if verbosity < 1:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {result.total} records and {len(result.media)} media files to "
                f"{result.output_dir} in {result.seconds:.2f} s:"
            )
        )
        for name, count in result.count_lines():
            self.stdout.write(f"  {count:5d} {name}")
        if verbosity >= 2:
            for name in result.media:
                self.stdout.write(f"  media {name}")
        for name in result.other_files:
            self.stderr.write(
                self.style.WARNING(
                    f"{result.output_dir / name} is not an export_fixtures file, and "
                    "rebuild_db will load it too."
                )
            )
