"""Uploads and bodies too big or malformed get a clear French message, never an error 500:
the places import (page and command), the attachments of an application, a form's body, the
API's body (issue 14, point 4)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from accounts.enums import OrganisationKind as K
from core.uploads import SizeLimitedUploadHandler, TooLargeUpload, megabytes
from places.models import Place
from places.services import CSV_CELL_MAX, IMPORT_MAX_BYTES
from programs.models import ApplicationAttachment
from tests.factories import ApplicationFactory

MB = 1024 * 1024


@pytest.fixture
def operator(make_organisation, make_member):
    return make_member(make_organisation(name="Opérateur test", kinds=(K.OPERATOR,)))


def _import(client, content: bytes, name="lieux.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post("/lieux/import/", {"file": upload, "source": "essai"})
    assert response.status_code == 200
    return response.content.decode()


def test_sizes_are_said_in_megabytes_rounded_up():
    assert megabytes(10 * MB) == "10 Mo"
    assert megabytes(10 * MB + 1) == "10,1 Mo"
    assert megabytes(int(2.5 * MB)) == "2,5 Mo"


def test_the_handler_keeps_nothing_past_the_limit(settings):
    settings.PASSNUM_UPLOAD_MAX_BYTES = 10
    handler = SizeLimitedUploadHandler()
    handler.new_file("file", "gros.csv", "text/csv", None)
    assert handler.receive_data_chunk(b"12345678", 0) == b"12345678"
    assert handler.receive_data_chunk(b"12345678", 8) is None
    assert handler.receive_data_chunk(b"1", 16) is None
    kept = handler.file_complete(17)
    assert isinstance(kept, TooLargeUpload) and kept.size == 17 and kept.read() == b""
    handler.new_file("file", "petit.csv", "text/csv", None)
    handler.receive_data_chunk(b"123", 0)
    assert handler.file_complete(3) is None  # the next handler makes the file


def test_an_import_file_over_the_limit_is_refused_on_the_page(client, communes, operator):
    client.force_login(operator)
    page = _import(client, b"id,nom\n" + b"x" * (12 * MB - 7))
    assert "Le fichier fait 12 Mo : 10 Mo au plus" in page
    assert 'value="essai"' in page
    assert Place.objects.count() == 0


def test_an_import_file_over_the_limit_is_refused_by_the_command(communes, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_bytes(b"id,nom\n" + b"x" * IMPORT_MAX_BYTES)
    with pytest.raises(CommandError, match="10,1 Mo : 10 Mo au plus"):
        call_command("import_places", str(path), stdout=io.StringIO())


def test_a_csv_field_over_the_csv_module_limit_is_a_clear_message(client, communes, operator):
    client.force_login(operator)
    cell = "a" * (CSV_CELL_MAX + 1)
    page = _import(client, f'id,nom\n1,"{cell}"\n'.encode())
    assert "CSV illisible à partir de la ligne 2" in page
    assert "une case dépasse 131 072 caractères" in page


def test_a_csv_field_over_the_limit_is_a_clear_message_for_the_command(communes, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text('id,nom\n1,"' + "a" * (CSV_CELL_MAX + 1) + '"\n')
    with pytest.raises(CommandError, match="une case dépasse"):
        call_command("import_places", str(path), stdout=io.StringIO())


def test_deeply_nested_json_is_a_clear_message(client, communes, operator):
    client.force_login(operator)
    page = _import(client, b"[" * 200_000 + b"]" * 200_000, name="lieux.json")
    assert "trop de crochets ou d&#x27;accolades imbriqués" in page


def test_an_attachment_over_the_upload_limit_is_refused_with_its_size(
    client, open_call, structure, structure_user
):
    application = ApplicationFactory(call=open_call, structure=structure, actor=structure_user)
    client.force_login(structure_user)
    big = SimpleUploadedFile("statuts.pdf", b"%PDF" + b"0" * (11 * MB - 4))
    response = client.post(
        f"/programmes/candidatures/{application.pk}/", {"kind": "statutes", "file": big}
    )
    assert response.status_code == 200
    assert "Fichier trop lourd : il fait 11 Mo, 5 Mo au plus." in response.content.decode()
    assert not ApplicationAttachment.objects.exists()


def test_a_form_body_over_the_limit_gets_a_french_page(client, reunion_places, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    place = Place.objects.order_by("pk").first()
    response = client.post(f"/lieux/{place.pk}/signaler/", {"message": "x" * 2000})
    assert response.status_code == 400
    assert "Demande illisible" in response.content.decode()


@pytest.fixture
def api_key(money_program, structure, make_agreement):
    from accounts.services import api_key_create

    make_agreement(money_program, structure)
    return api_key_create(actor=None, organisation=structure, name="caisse")[1]


def _api(client, body: str, key: str):
    return client.post(
        "/api/v1/units/consume",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k1"},
    )


def test_a_huge_api_body_is_a_documented_413(client, api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _api(client, json.dumps({"serial": "A" * 5000, "code": "x"}), api_key)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "Corps de la requête trop grand : 1 Ko au plus."
    openapi = client.get("/api/v1/openapi.json").json()
    assert "413" in openapi["paths"]["/api/v1/units/consume"]["post"]["responses"]


def test_a_deeply_nested_api_body_is_a_documented_400(client, api_key):
    response = _api(client, "[" * 100_000 + "]" * 100_000, api_key)
    assert response.status_code == 400
    assert response.json()["title"] == "Requête illisible"
