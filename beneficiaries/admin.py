from django.contrib import admin

from beneficiaries.models import Orientation


@admin.register(Orientation)
class OrientationAdmin(admin.ModelAdmin):
    list_display = ("pk", "prescriber", "place", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("prescriber", "place", "structure", "created_by", "outcome_by")
