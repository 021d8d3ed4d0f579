from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    return render(request, "public/home.html")


@require_GET
def accessibility(request):
    return render(request, "public/accessibility.html")


@require_GET
def legal(request):
    return render(request, "public/legal.html")


@require_GET
def personal_data(request):
    return render(request, "public/personal_data.html")


def bad_request(request, exception=None):
    """A request Django cannot read: too big a form, too many fields, a bad header."""
    return render(request, "400.html", status=400)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors that touch the database: the error may come from it.
    return render(request, "500.html", status=500)
