from unittest import mock

import pytest
from django.db import DatabaseError


@pytest.mark.django_db
def test_health_answers_when_the_database_answers(client):
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_503_when_the_database_does_not_answer(client):
    with mock.patch("core.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/sante/")
    assert response.status_code == 503 and response.json()["status"] == "error"
