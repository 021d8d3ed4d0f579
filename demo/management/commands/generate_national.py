from django.core.management.base import CommandError

from core.management.base import WetRunCommand
from demo.national import FULL, generate, scaled


class Command(WetRunCommand):
    help = (
        "Jeu de données national pour les mesures (base vide, communes chargées) : à l'échelle 1, "
        + ", ".join(f"{count:,} {name}".replace(",", " ") for name, count in FULL.items())
        + " de 10 chèques, leurs unités et leurs événements. COPY sur PostgreSQL."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--scale", type=float, default=1.0, help="Taille relative (1.0).")
        parser.add_argument("--seed", type=int, default=2026)

    def run(self, *args, **options):
        scale = options["scale"]
        if not 0 < scale <= 10:
            raise CommandError("--scale : un nombre entre 0 (exclu) et 10, par exemple 0.01.")
        self.stdout.write(f"Échelle {scale} : {scaled(scale)}")
        try:
            figures = generate(scale=scale, seed=options["seed"], log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Fait en {figures['seconds']} s : "
            + ", ".join(f"{name} {count}" for name, count in figures.items() if name != "seconds")
        )
