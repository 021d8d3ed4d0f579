from django.db import models


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = "région"

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        ordering = ["code"]
        verbose_name = "département"

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=150)
    search_name = models.CharField(max_length=150, db_index=True)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="communes", null=True, blank=True
    )
    postal_codes = models.CharField("codes postaux", max_length=200, blank=True)
    population = models.PositiveIntegerField("population", default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "commune"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="commune_latitude_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.departement_id})" if self.departement_id else self.name

    @property
    def postal_code_list(self) -> list[str]:
        return [code for code in self.postal_codes.split("|") if code]

    @property
    def label(self) -> str:
        codes = self.postal_code_list
        return f"{self.name} ({codes[0]})" if codes else str(self)


class PostalCode(models.Model):
    code = models.CharField("code postal", max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postal_code_rows")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="postal_code_unique"),
        ]

    def __str__(self):
        return self.code
