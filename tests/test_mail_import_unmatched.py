"""Mail that matched nobody: the list, attaching, creating a candidate, setting aside."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.lib.importreport import ImportReport
from candidly.mail.ingest import message_ingest
from candidly.mail.models import MailMessage
from candidly.mail.services import split_name
from candidly.obligations.models import Obligation
from candidly.people.models import Candidate, ContactPoint

LIST = "/mail/unmatched/"


def store(
    owner,
    *,
    sender="Casey Novak <casey.novak@mail.example>",
    to=None,
    subject="Hello",
    body="I saw your posting.\nCould we talk?",
    message_id=None,
    headers=(),
    files=(),
):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to or owner.email
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now() - timedelta(hours=3))
    msg["Message-ID"] = message_id or f"<{abs(hash((sender, subject, body)))}@mail.example>"
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message_ingest(
        raw=msg.as_bytes(), mailbox_owner=owner, source="test", report=ImportReport()
    )


def test_the_list_shows_what_waits(logged_in, recruiter, other_recruiter):
    store(recruiter)
    store(recruiter, sender="news@list.example", subject="Weekly", headers=[("List-Id", "<l>")])
    store(other_recruiter, sender="someone@else.example", subject="Not yours")
    page = logged_in.get(LIST).content.decode()
    assert "Casey Novak" in page and "casey.novak@mail.example" in page
    assert "I saw your posting. Could we talk?" in page
    assert "Weekly" not in page and "Not yours" not in page
    assert "Show automated mail too (1)" in page
    page = logged_in.get(LIST + "?automated=1").content.decode()
    assert "Weekly" in page and "Not yours" not in page


def test_what_a_message_says_is_shown_as_text(logged_in, recruiter):
    message = store(
        recruiter,
        subject="<script>alert(1)</script>",
        body="<img src=x onerror=alert(2)>",
        sender='"<b>Evil</b>" <evil@mail.example>',
    )
    for url in (LIST, reverse("mail_unmatched_detail", args=[message.pk])):
        page = logged_in.get(url).content.decode()
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
        assert "<b>Evil</b>" not in page
        assert "<img src=x" not in page


def test_another_recruiters_mail_is_not_found(logged_in, other_recruiter):
    message = store(other_recruiter)
    assert logged_in.get(reverse("mail_unmatched_detail", args=[message.pk])).status_code == 404
    response = logged_in.post(reverse("mail_unmatched_create_candidate", args=[message.pk]))
    assert response.status_code == 404
    assert not Candidate.objects.exists()


def test_create_candidate_in_one_click(logged_in, recruiter):
    message = store(recruiter)
    later = store(recruiter, subject="Following up", body="Any news?")
    response = logged_in.post(reverse("mail_unmatched_create_candidate", args=[message.pk]))
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert (candidate.first_name, candidate.last_name) == ("Casey", "Novak")
    assert candidate.owner == recruiter
    assert list(candidate.contact_points.values_list("value", flat=True)) == [
        "casey.novak@mail.example"
    ]
    for m in (message, later):
        m.refresh_from_db()
        assert m.state == MailMessage.State.MATCHED and m.candidate == candidate
        assert m.activity.direction == "inbound" and m.activity.candidate == candidate
    assert Obligation.objects.filter(kind=Obligation.Kind.REPLY, candidate=candidate).count() == 2
    assert "Nothing waiting" in logged_in.get(LIST).content.decode()


def test_attach_to_a_candidate_remembers_the_address(logged_in, recruiter, candidate):
    question = store(recruiter, sender="jordan@personal.example", subject="Question")
    answer = store(
        recruiter,
        sender=recruiter.email,
        to="jordan@personal.example",
        subject="Re: Question",
        headers=[("In-Reply-To", question.message_id and f"<{question.message_id}>")],
    )
    detail = reverse("mail_unmatched_detail", args=[question.pk])
    page = logged_in.get(detail + "?q=Ellis").content.decode()
    assert "Jordan Ellis" in page
    response = logged_in.post(
        reverse("mail_unmatched_attach", args=[question.pk]),
        {"person": f"c-{candidate.pk}", "remember": "1"},
    )
    assert response.status_code == 302
    assert ContactPoint.objects.filter(value="jordan@personal.example", candidate=candidate)
    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.candidate == candidate and answer.candidate == candidate
    assert answer.activity.direction == "outbound"
    reply = Obligation.objects.get(kind=Obligation.Kind.REPLY, candidate=candidate)
    assert reply.state == Obligation.State.MET and reply.met_by == answer.activity


def test_attach_without_remembering(logged_in, recruiter, candidate):
    message = store(recruiter, sender="jordan@personal.example")
    logged_in.post(
        reverse("mail_unmatched_attach", args=[message.pk]), {"person": f"c-{candidate.pk}"}
    )
    message.refresh_from_db()
    assert message.candidate == candidate
    assert not ContactPoint.objects.filter(value="jordan@personal.example").exists()


def test_attach_to_a_hiring_manager(logged_in, recruiter, manager):
    message = store(recruiter, sender="morgan@home.example")
    page = logged_in.get(
        reverse("mail_unmatched_detail", args=[message.pk]) + "?q=Reyes", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert page.lstrip().startswith('<div id="people">') and "Northwind Labs" in page
    logged_in.post(
        reverse("mail_unmatched_attach", args=[message.pk]), {"person": f"m-{manager.pk}"}
    )
    message.refresh_from_db()
    assert message.hiring_manager == manager and message.activity.hiring_manager == manager


def test_a_matched_message_cannot_be_attached_again(logged_in, recruiter, candidate, manager):
    message = store(recruiter, sender="jordan.ellis@example.com")
    assert message.state == MailMessage.State.MATCHED
    url = reverse("mail_unmatched_attach", args=[message.pk])
    response = logged_in.post(url, {"person": f"m-{manager.pk}"}, follow=True)
    assert "already recorded with Jordan Ellis" in response.content.decode()
    assert Activity.objects.count() == 1


def test_attach_to_nobody_real_is_not_found(logged_in, recruiter):
    message = store(recruiter)
    url = reverse("mail_unmatched_attach", args=[message.pk])
    assert logged_in.post(url, {"person": "c-999999"}).status_code == 404
    assert logged_in.post(url, {"person": "nonsense"}).status_code == 404
    assert logged_in.get(url).status_code == 405


def test_set_aside(logged_in, recruiter):
    message = store(recruiter)
    logged_in.post(reverse("mail_unmatched_dismiss", args=[message.pk]))
    message.refresh_from_db()
    assert message.state == MailMessage.State.DISMISSED
    assert "Nothing waiting" in logged_in.get(LIST).content.decode()


def test_attachments_are_downloads_only(logged_in, recruiter, other_recruiter, settings):
    settings.MAIL_ATTACHMENT_MAX_BYTES = 100
    message = store(recruiter, files=[("cv.pdf", b"%PDF-1.4 tiny"), ("big.pdf", b"x" * 500)])
    small, big = message.attachments.order_by("id")
    page = logged_in.get(reverse("mail_unmatched_detail", args=[message.pk])).content.decode()
    assert "cv.pdf" in page and "big.pdf" in page and "not kept" in page
    response = logged_in.get(reverse("mail_attachment", args=[small.pk]))
    assert response.status_code == 200 and response.content == b"%PDF-1.4 tiny"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    assert logged_in.get(reverse("mail_attachment", args=[big.pk])).status_code == 404
    theirs = store(other_recruiter, subject="Theirs", files=[("x.pdf", b"secret")])
    theirs = theirs.attachments.get()
    assert logged_in.get(reverse("mail_attachment", args=[theirs.pk])).status_code == 404


def test_the_list_has_a_fixed_query_count(logged_in, recruiter, django_assert_num_queries):
    for i in range(30):
        store(recruiter, sender=f"person{i}@mail.example", subject=f"Message {i}")
    logged_in.get(LIST)  # sessions and the like, once
    with django_assert_num_queries(6):
        logged_in.get(LIST)
    with django_assert_num_queries(6):
        logged_in.get(LIST + "?page=2")


@pytest.mark.parametrize(
    ("display", "address", "expected"),
    [
        ("Casey Novak", "x@y", ("Casey", "Novak")),
        ("Novak, Casey", "x@y", ("Casey", "Novak")),
        ("Mary Ann van Dyke", "x@y", ("Mary Ann van", "Dyke")),
        ("Cher", "x@y", ("Cher", "")),
        ("", "casey.novak@mail.example", ("Casey", "Novak")),
        ("casey@mail.example", "casey@mail.example", ("Casey", "")),
    ],
)
def test_names_from_senders(display, address, expected):
    assert split_name(display, address) == expected


def test_the_admin_shows_messages_as_text_and_never_the_password(client, lead, recruiter):
    from candidly.mail.models import MailboxConnection

    message = store(recruiter, subject="<i>hi</i>", files=[("cv.pdf", b"%PDF")])
    mailbox = MailboxConnection.objects.create(
        user=recruiter, host="imap.example", username="alex", password_encrypted="CIPHERTEXT"
    )
    client.force_login(lead)
    page = client.get(f"/admin/mail/mailmessage/{message.pk}/change/").content.decode()
    assert "&lt;i&gt;hi&lt;/i&gt;" in page and "cv.pdf" in page
    assert client.get("/admin/mail/mailmessage/").status_code == 200
    for url in (
        "/admin/mail/mailboxconnection/",
        f"/admin/mail/mailboxconnection/{mailbox.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200 and "CIPHERTEXT" not in response.content.decode()


def test_match_again_after_people_were_added_elsewhere(logged_in, recruiter):
    from candidly.people.services import candidate_create

    message = store(recruiter)
    page = logged_in.post("/mail/unmatched/match-again/", follow=True).content.decode()
    assert "No waiting message matches anybody yet." in page
    casey = candidate_create(first_name="Casey", last_name="N", emails=["casey.novak@mail.example"])
    page = logged_in.post("/mail/unmatched/match-again/", follow=True).content.decode()
    assert "1 message found their person." in page
    message.refresh_from_db()
    assert message.candidate == casey and message.activity.candidate == casey
