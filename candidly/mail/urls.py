"""Pages of this app; included from candidly/urls.py."""

from django.urls import path

from candidly.mail import views_import, views_send, views_unmatched

urlpatterns = [
    # Writing to a candidate, and a recruiter's own mailbox connections (views_send.py).
    path("candidates/<int:pk>/email/", views_send.compose, name="mail_compose"),
    path("mail/mailboxes/", views_send.mailbox_list, name="mailbox_list"),
    path("mail/mailboxes/new/", views_send.mailbox_new, name="mailbox_new"),
    path("mail/mailboxes/<int:pk>/", views_send.mailbox_edit, name="mailbox_edit"),
    path("mail/mailboxes/<int:pk>/delete/", views_send.mailbox_delete, name="mailbox_delete"),
    path("mail/mailboxes/<int:pk>/read/", views_send.mailbox_sync_now, name="mailbox_sync"),
    # Importing mail files from the web app (views_import.py).
    path("mail/import/", views_import.mail_upload, name="mail_upload"),
    # Mail that matched nobody (views_unmatched.py).
    path("mail/unmatched/", views_unmatched.unmatched_list, name="mail_unmatched"),
    path(
        "mail/unmatched/match-again/",
        views_unmatched.unmatched_match_again,
        name="mail_unmatched_match_again",
    ),
    path(
        "mail/unmatched/<int:pk>/",
        views_unmatched.unmatched_detail,
        name="mail_unmatched_detail",
    ),
    path(
        "mail/unmatched/<int:pk>/attach/",
        views_unmatched.unmatched_attach,
        name="mail_unmatched_attach",
    ),
    path(
        "mail/unmatched/<int:pk>/candidate/",
        views_unmatched.unmatched_create_candidate,
        name="mail_unmatched_create_candidate",
    ),
    path(
        "mail/unmatched/<int:pk>/dismiss/",
        views_unmatched.unmatched_dismiss,
        name="mail_unmatched_dismiss",
    ),
    path("mail/attachments/<int:pk>/", views_unmatched.attachment_download, name="mail_attachment"),
]
