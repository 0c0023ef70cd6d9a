from django.core.management.base import BaseCommand, CommandError

from companies import generator


class Command(BaseCommand):
    help = (
        "Add N synthetic, published companies (English and Chinese names, sectors, "
        "presences in published cities and their zones) in bulk, for trying the site at "
        "scale. Every generated slug starts with 'gen-'; --clear removes exactly those rows. "
        "Rows are written with bulk_create, so django-simple-history records no history for "
        "them and no signal is sent. Sectors and five cities with zones are generated too "
        "when the database has none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=0, help="How many companies to add (default 0)."
        )
        parser.add_argument(
            "--seed", type=int, help="Seed for the random choices: the same seed, the same data."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=generator.DEFAULT_BATCH_SIZE,
            help="Companies written per transaction (default %(default)s).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="First remove every generated company, its presences and sector links, and "
            "the generated sectors, zones and cities nothing else uses.",
        )

    def handle(self, *args, count, seed, batch_size, clear, verbosity, **options):
        if count < 0:
            raise CommandError("--count cannot be negative.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not clear and not count:
            raise CommandError("Nothing to do: give --count N, --clear, or both.")

        if clear:
            deleted = generator.clear_generated()
            if verbosity:
                summary = ", ".join(f"{n:,} {kind}" for kind, n in deleted.items() if n)
                self.stdout.write(f"Removed {summary or 'nothing: no generated rows'}.")

        if count:
            progress = generator.text_progress(self.stderr._out) if verbosity else None
            result = generator.generate_companies(
                count, seed=seed, batch_size=batch_size, progress=progress
            )
            if verbosity:
                made = ", ".join(f"{n} {kind}" for kind, n in result.created.items() if n)
                if made:
                    self.stdout.write(f"No content to draw from yet: generated {made}.")
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Added {result.companies:,} companies, {result.presences:,} presences "
                        f"and {result.sector_links:,} sector links in {result.seconds:.1f} s "
                        f"({result.per_second:,.0f} companies/s)."
                    )
                )
