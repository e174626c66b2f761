"""Texts of the data templates this app extends (datasets.html, dataset.html), so that `makemessages` in this
folder collects them into the app's own catalogue."""

from django.utils.translation import gettext_noop

DATA_TEMPLATES = [gettext_noop(text) for text in (
    "Upload data", "Your recent uploads", "File", "Dataset", "State", "Uploaded", "Partner", "Purpose",
    "Valid until", "Actions", "withdrawn", "active", "expired", "Withdraw", "Share with a partner",
    "Not shared with any partner.",
)]
