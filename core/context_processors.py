from django.conf import settings


def platform(request):
    return {
        "PLATFORM": {
            "name": "passnum",
            "tagline": "Accompagnement au numérique : chèques et heures près de chez vous",
            "operator_name": settings.PASSNUM_OPERATOR_NAME,
            "operator_logo_url": settings.PASSNUM_OPERATOR_LOGO_URL,
            "operator_logo_alt": settings.PASSNUM_OPERATOR_LOGO_ALT,
            "operator_address": settings.PASSNUM_OPERATOR_ADDRESS,
            "operator_email": settings.PASSNUM_OPERATOR_EMAIL,
            "dpo_email": settings.PASSNUM_DPO_EMAIL,
            "publication_director": settings.PASSNUM_PUBLICATION_DIRECTOR,
            "hosting": settings.PASSNUM_HOSTING,
            "map_tile_attribution": settings.PASSNUM_MAP_TILE_ATTRIBUTION,
        }
    }
