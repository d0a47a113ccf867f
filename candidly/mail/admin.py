"""Mail in the admin: read-only, because messages are kept by the importers and services.
Nothing from a message is rendered as HTML here either (the admin escapes every value); the
mailbox password is never shown."""

from django.contrib import admin

from candidly.mail.models import Attachment, MailboxConnection, MailIdentity, MailMessage


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ["name", "content_type", "size", "stored"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MailMessage)
class MailMessageAdmin(ReadOnly):
    list_display = ["subject", "from_address", "direction", "state", "is_automated", "sent_at",
                    "mailbox_owner"]  # fmt: skip
    list_filter = ["state", "direction", "is_automated", "source", "mailbox_owner"]
    list_select_related = ["mailbox_owner"]
    search_fields = ["=message_id", "=from_address", "subject"]
    exclude = ["candidate", "hiring_manager", "activity"]
    readonly_fields = ["person", "activity_link"]
    inlines = [AttachmentInline]
    show_full_result_count = False

    @admin.display(description="person")
    def person(self, obj):
        return obj.person or "—"

    @admin.display(description="activity")
    def activity_link(self, obj):
        return obj.activity_id or "—"


@admin.register(MailIdentity)
class MailIdentityAdmin(admin.ModelAdmin):
    list_display = ["address", "user"]
    search_fields = ["address"]


@admin.register(MailboxConnection)
class MailboxConnectionAdmin(ReadOnly):
    list_display = ["username", "host", "folder", "user", "enabled", "last_synced_at"]
    list_filter = ["enabled"]
    exclude = ["password_encrypted"]
