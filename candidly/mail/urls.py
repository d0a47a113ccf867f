"""Pages of this app; included from candidly/urls.py."""

from django.urls import path

from candidly.mail import views_send

urlpatterns = [
    # Writing to a candidate, and a recruiter's own mailbox connections (views_send.py).
    path("candidates/<int:pk>/email/", views_send.compose, name="mail_compose"),
    path("mail/mailboxes/", views_send.mailbox_list, name="mailbox_list"),
    path("mail/mailboxes/new/", views_send.mailbox_new, name="mailbox_new"),
    path("mail/mailboxes/<int:pk>/", views_send.mailbox_edit, name="mailbox_edit"),
    path("mail/mailboxes/<int:pk>/delete/", views_send.mailbox_delete, name="mailbox_delete"),
    path("mail/mailboxes/<int:pk>/read/", views_send.mailbox_sync_now, name="mailbox_sync"),
]
