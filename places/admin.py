from django.contrib import admin

from places.models import Place, PlaceErrorReport, PlaceMatch, PlaceProgram


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("nom", "commune", "code_postal", "source", "source_id", "structure")
    list_filter = ("source", "coordinates_approximate", "horaires_valid")
    search_fields = ("nom", "commune", "code_postal", "source_id")
    raw_id_fields = ("structure", "commune_ref")


admin.site.register(PlaceProgram)
admin.site.register(PlaceErrorReport)
admin.site.register(PlaceMatch)
