"""Reading raw messages: as far as they safely parse, or refused with a reason."""

import email
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidly.lib.importreport import ImportReport
from candidly.mail.ingest import ledger_body, message_ingest
from candidly.mail.models import MailMessage
from candidly.mail.parsing import (
    MAX_ADDRESSES,
    SUBJECT_MAX,
    MessageRefused,
    ParsedMessage,
    html_to_text,
    message_key,
    parse_message,
)

SIMPLE = (
    b"From: Jordan Ellis <Jordan.Ellis@Example.com>\n"
    b"To: alex@agency.example, Sam <sam@agency.example>\n"
    b'Cc: "Reyes, Morgan" <morgan@northwind.example>\n'
    b"Subject: About the role\n"
    b"Date: Tue, 02 Jan 2024 10:00:00 +0100\n"
    b"Message-ID: <abc.123@example.com>\n"
    b"In-Reply-To: <prev@agency.example>\n"
    b"References: <root@agency.example>\n <prev@agency.example>\n"
    b"\n"
    b"Hello Alex,\nI am interested.\n"
)


def test_a_plain_message():
    p = parse_message(SIMPLE)
    assert p.key == p.message_id == "abc.123@example.com"
    assert p.from_address == "jordan.ellis@example.com" and p.from_name == "Jordan Ellis"
    assert p.to == ["alex@agency.example", "sam@agency.example"]
    assert p.cc == ["morgan@northwind.example"]
    assert p.names["morgan@northwind.example"] == "Reyes, Morgan"
    assert p.subject == "About the role"
    assert p.sent_at.isoformat() == "2024-01-02T10:00:00+01:00"
    assert p.in_reply_to == "prev@agency.example"
    assert p.references == ["root@agency.example", "prev@agency.example"]
    assert p.body_text == "Hello Alex,\nI am interested."
    assert not p.is_automated and not p.notes


def test_encoded_words_and_charsets():
    raw = (
        b"From: =?utf-8?q?Ren=C3=A9e_M=C3=BCller?= <renee@example.com>\n"
        b"To: alex@agency.example\n"
        b"Subject: =?iso-8859-1?q?R=E9sum=E9?= attached\n"
        b"Content-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\n"
        b"Voil=E0 mon CV.\n"
    )
    p = parse_message(raw)
    assert p.from_name == "Renée Müller"
    assert p.subject == "Résumé attached"
    assert p.body_text == "Voilà mon CV."


def test_a_wrong_charset_falls_back_and_is_noted():
    raw = (
        b"From: a@example.com\nTo: b@example.com\nSubject: x\n"
        b"Content-Type: text/plain; charset=utf-8\n\ncaf\xe9 cr\xe8me\n"
    )
    p = parse_message(raw)
    assert p.body_text == "café crème"
    assert "the body was not readable as utf-8" in p.notes


def test_an_unknown_charset_is_read_as_utf8_and_noted():
    raw = (
        b"From: a@example.com\nTo: b@example.com\n"
        b"Subject: =?x-nonsense?q?caf=C3=A9?=\n"
        b"Content-Type: text/plain; charset=x-nonsense\n\ncaf\xc3\xa9\n"
    )
    p = parse_message(raw)
    assert p.subject == "café" and p.body_text == "café"
    assert "the body was not readable as x-nonsense" in p.notes


def test_undeclared_8bit_headers_are_read():
    raw = "From: Zoë <zoe@example.com>\nTo: b@example.com\nSubject: Crème brûlée\n\nx\n"
    p = parse_message(raw.encode("utf-8"))
    assert p.from_name == "Zoë" and p.subject == "Crème brûlée"
    p = parse_message(raw.encode("latin-1"))
    assert p.from_name == "Zoë" and p.subject == "Crème brûlée"


def test_html_only_becomes_text_without_markup():
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "Hi"
    msg.set_content(
        "<html><head><title>T</title><style>p{color:red}</style>"
        "<script>alert('x')</script></head><body><p>Hello &amp; welcome</p>"
        "<p>See <a href='https://evil.example/'>my profile</a><br>Thanks</p>"
        "<ul><li>one</li><li>two</li></ul><img src=x onerror=alert(1)></body></html>",
        subtype="html",
    )
    p = parse_message(msg.as_bytes())
    assert p.body_text == "Hello & welcome\n\nSee my profile\nThanks\n\n- one\n- two"
    assert "<" not in p.body_text and "alert" not in p.body_text


def test_plain_is_preferred_to_html():
    msg = EmailMessage()
    msg["From"], msg["To"] = "a@example.com", "b@example.com"
    msg.set_content("the plain words")
    msg.add_alternative("<p>the <b>html</b> words</p>", subtype="html")
    assert parse_message(msg.as_bytes()).body_text == "the plain words"


def test_html_to_text_is_robust():
    assert html_to_text("<p>unclosed <b>bold <script>x") == "unclosed bold"
    assert html_to_text("&lt;script&gt;") == "<script>"  # text, shown escaped, never run


def test_attachments_are_recorded_and_kept_up_to_the_limit():
    msg = EmailMessage()
    msg["From"], msg["To"] = "a@example.com", "b@example.com"
    msg.set_content("see attached")
    msg.add_attachment(b"%PDF-small", maintype="application", subtype="pdf", filename="cv.pdf")
    msg.add_attachment(b"x" * 2000, maintype="image", subtype="png", filename="../../big.png")
    p = parse_message(msg.as_bytes(), attachment_max_bytes=1000)
    assert [(a.name, a.content_type, a.size) for a in p.attachments] == [
        ("cv.pdf", "application/pdf", 10),
        ("big.png", "image/png", 2000),
    ]
    assert p.attachments[0].content == b"%PDF-small" and p.attachments[1].content is None
    assert p.body_text == "see attached"


def test_missing_headers():
    p = parse_message(b"To: b@example.com\n\nbody\n")
    assert p.from_address == "" and p.sent_at is None and p.subject == ""
    assert p.key.startswith("sha256:") and p.message_id == ""
    assert "no sender" in p.notes and "no Message-ID: identified by its content" in p.notes


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"   \n\n", "empty message"),
        (b"just some text without any header", "no headers: not an email message"),
        (b"Subject: hi\n\nno one sent or received this\n", "no sender and no recipients"),
    ],
)
def test_refusals_say_why(raw, reason):
    with pytest.raises(MessageRefused, match=reason):
        parse_message(raw)


def test_huge_headers_are_cut():
    many = ", ".join(f"p{i}@example.com" for i in range(5000))
    raw = (
        f"From: a@example.com\nTo: {many}\nSubject: {'word ' * 100_000}\n"
        f"References: {' '.join(f'<r{i}@x>' for i in range(2000))}\n\nbody\n"
    ).encode()
    p = parse_message(raw)
    assert len(p.subject) <= SUBJECT_MAX
    assert len(p.to) == MAX_ADDRESSES
    assert p.references[0] == "r0@x" and p.references[-1].startswith("r")
    assert len(p.references) <= 50
    assert any("cut" in n or "only the first" in n for n in p.notes)


def test_broken_mime_is_taken_as_far_as_it_goes():
    raw = (
        b"From: a@example.com\nTo: b@example.com\n"
        b'Content-Type: multipart/mixed; boundary="zz"\n\n'
        b"--zz\nContent-Type: text/plain\n\nfirst part\n"
        b"--zz\nContent-Type: application/pdf; name=cv.pdf\n"
        b"Content-Transfer-Encoding: base64\n\n!!!not base64 at all@@@\n"
    )  # no closing boundary
    p = parse_message(raw)
    assert p.body_text == "first part"
    assert [a.name for a in p.attachments] == ["cv.pdf"]


def test_deep_nesting_is_bounded():
    inner = b"Content-Type: text/plain\n\ndeep\n"
    for i in range(60):
        inner = (
            f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode()
            + inner
            + f"\n--b{i}--\n".encode()
        )
    p = parse_message(b"From: a@example.com\nTo: b@example.com\n" + inner)
    assert isinstance(p, ParsedMessage)


@pytest.mark.parametrize(
    "headers",
    [
        b"Auto-Submitted: auto-replied\n",
        b"Precedence: bulk\n",
        b"Precedence: list\n",
        b"List-Id: <x.lists.example>\n",
        b"X-Autoreply: yes\n",
        b"Return-Path: <>\n",
        b"Subject: Out of Office: back Monday\n",
        b"Subject: Automatic reply: About the role\n",
    ],
)
def test_automated_mail(headers):
    raw = b"From: a@example.com\nTo: b@example.com\n" + headers + b"\nbody\n"
    assert parse_message(raw).is_automated


def test_a_mailer_daemon_bounce_is_automated():
    raw = b"From: MAILER-DAEMON@mx.example\nTo: b@example.com\n\nbody\n"
    assert parse_message(raw).is_automated


def test_the_ledger_keeps_the_new_text():
    body = "Sounds good, see you then.\n\nOn Mon, Jan 1, 2024 at 9:00 Alex wrote:\n> old\n> text"
    assert ledger_body(body) == "Sounds good, see you then."
    long = "word " * 2000
    assert len(ledger_body(long)) <= 2002 and ledger_body(long).endswith("…")


# --- properties ------------------------------------------------------------------------------


def _clean(text: str) -> bool:
    text.encode("utf-8")  # raises on lone surrogates
    return "\x00" not in text


def check_invariants(raw: bytes) -> None:
    try:
        p = parse_message(raw, attachment_max_bytes=100)
    except MessageRefused as exc:
        assert str(exc)
        return
    for text in (p.key, p.subject, p.body_text, p.from_address, p.from_name, p.in_reply_to):
        assert _clean(text)
    assert all(_clean(a) and "@" in a and a == a.lower() for a in p.addresses)
    assert 0 < len(p.key) <= 300
    assert len(p.subject) <= SUBJECT_MAX
    assert all(a.content is None or len(a.content) <= 100 for a in p.attachments)
    assert p.key == message_key(raw)[0]


SAMPLES = [
    SIMPLE,
    (
        b"From: a@example.com\nTo: b@example.com\nMessage-ID: <m@x>\n"
        b'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        b"aGVsbG8gd29ybGQ=\n--b\nContent-Type: text/html\n\n<p>hello</p>\n--b--\n"
    ),
]


@st.composite
def mutated(draw):
    raw = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "header", "dup"]))
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        if action == "flip" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(1, 40))]
        elif action == "insert":
            raw[at:at] = draw(st.binary(max_size=40))
        elif action == "header":
            name = draw(st.sampled_from(
                [b"Content-Type", b"From", b"To", b"Subject", b"Message-ID", b"Date",
                 b"Content-Transfer-Encoding", b"References", b"X-Junk"]
            ))  # fmt: skip
            value = draw(st.binary(max_size=60)).replace(b"\n", b" ")
            raw[0:0] = name + b": " + value + b"\n"
        elif action == "dup":
            raw += raw[at:]
    return bytes(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_escape(raw):
    check_invariants(raw)


@settings(max_examples=500, deadline=None)
@given(mutated())
def test_mutated_messages_never_escape(raw):
    check_invariants(raw)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["utf-8", "latin-1", "utf-16", "koi8-r", "bogus", "utf-7", "idna"]),
)
def test_any_text_in_any_declared_charset(text, charset):
    body = text.encode("utf-8", "surrogatepass")
    raw = (
        f"From: a@example.com\nTo: b@example.com\nSubject: =?{charset}?b?"
        f"{email.base64mime.body_encode(body).strip()}?=\n"
        f"Content-Type: text/plain; charset={charset}\n\n"
    ).encode() + body
    check_invariants(raw)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(mutated(), min_size=1, max_size=4))
def test_ingest_takes_or_refuses_each_and_never_raises(recruiter, raws):
    report = ImportReport()
    for raw in raws:
        message_ingest(raw=raw, mailbox_owner=recruiter, source="test", report=report)
    assert report.imported + report.duplicates + len(report.refused) == len(raws)
    assert MailMessage.objects.filter(source="test").count() >= report.imported


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"Message-Idx: <no@x>\nMessage-ID: <yes@x>\nTo: a@b.example\n\nx", "yes@x"),
        (b"message-id:\n <folded@x>\nTo: a@b.example\n\nx", "folded@x"),
        (b"To: a@b.example\nMessage-Idea: <no@x>\n\nMessage-ID: <body@x>\n", None),
    ],
)
def test_the_key_is_read_from_the_header_block_only(raw, key):
    assert message_key(raw)[0] == (key or message_key(raw)[0])
    if key is None:
        assert message_key(raw)[0].startswith("sha256:")
    assert parse_message(raw).key == message_key(raw)[0]


@pytest.mark.django_db
def test_a_nul_anywhere_is_stored_without_it(recruiter):
    raw = (
        b"From: a\x00b <a@example.com>\nTo: b@example.com\nSubject: x\x00y\n"
        b"Content-Type: text/plain; charset=ab\x00cd\n\nbo\x00dy\n"
    )
    report = ImportReport()
    message = message_ingest(raw=raw, mailbox_owner=recruiter, source="test", report=report)
    assert report.imported == 1, report.refused
    message.refresh_from_db()
    for text in (message.subject, message.from_name, message.body_text, message.parse_notes):
        assert "\x00" not in text
