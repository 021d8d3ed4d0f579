import pytest
from django.core import mail
from django.db import transaction

from core.services import send_after_commit
from core.sms import outbox


@pytest.mark.django_db(transaction=True)
def test_messages_leave_only_once_the_transaction_commits():
    outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        send_after_commit(text="code 1234", phone="0692000000")
        send_after_commit(subject="S", text="T", emails=["a@example.org"])
        raise RuntimeError("rolled back")
    assert outbox == [] and mail.outbox == []
    with transaction.atomic():
        send_after_commit(text="code 1234", phone="0692000000")
        send_after_commit(subject="S", text="T", emails=["a@example.org", "", "b@example.org"])
    assert outbox == [{"to": "0692000000", "text": "code 1234"}]
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["b@example.org"]]
