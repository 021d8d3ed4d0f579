from django.urls import reverse


def test_autocomplete_returns_keyboard_options(client, communes):
    response = client.get(reverse("territories:commune_autocomplete"), {"q": "st paul 974"})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="option"' in content and 'data-value="97415"' in content
    response = client.get(reverse("territories:commune_autocomplete"), {"commune_label": "zzz"})
    assert "Aucune commune trouvée" in response.content.decode()
