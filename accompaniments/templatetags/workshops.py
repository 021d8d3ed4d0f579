from django import template

from accompaniments.selectors import workshops_upcoming
from accounts.perms import is_member_of_kind

register = template.Library()


@register.inclusion_tag("accompaniments/includes/upcoming_workshops.html", takes_context=True)
def upcoming_workshops(context, place):
    user = context["request"].user
    return {
        "place": place,
        "workshops": list(workshops_upcoming(place=place).select_related("track")[:10]),
        "can_book": is_member_of_kind(user, "prescriber"),
    }
