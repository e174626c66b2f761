"""Error pages that say what went wrong in the user's words: a refused request names the limit it passed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: a form with too many fields or files, or too much data, gets the limit; other bad requests a line."""
    if isinstance(exception, TooManyFieldsSent):
        message = _("The form sends more than %(n)s fields; this is more than the limit of %(n)s. A data file "
                    "this wide cannot be mapped: remove columns you do not need and upload it again.") % {
            "n": f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,}"}
    elif isinstance(exception, TooManyFilesSent):
        message = _("The form sends more than %(n)s files; this is more than the limit of %(n)s.") % {
            "n": f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES:,}"}
    elif isinstance(exception, RequestDataTooBig):
        message = _("The form sends more than %(mb)s MB; this is more than the limit of %(mb)s MB. Upload large "
                    "data as a file.") % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}
    else:
        message = _("The request could not be understood. Go back and try again.")
    return render(request, "400.html", {"message": message}, status=400)
