"""A Content-Security-Policy on every page, with no inline script (django-csp)."""

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/lieux/", "/carnets/solde/", "/compte/connexion/"])
def test_every_page_forbids_inline_scripts(client, communes, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    inline = list(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S))
    assert [body for body in inline if body.strip()] == []
    assert not re.search(r"\son[a-z]+=\"", html)  # no inline event handler either
