from django.db import models


class OrientationStatus(models.TextChoices):
    SENT = "sent", "en attente"
    CAME = "came", "venue"
    NO_SHOW = "no_show", "pas venue"
