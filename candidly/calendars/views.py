"""The calendar page (feed address, .ics upload) and the feed itself. Thin: the services
write, feed.py reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from candidly.calendars.feed import feed_for, feed_ics, feed_url
from candidly.calendars.forms import CalendarUploadForm
from candidly.calendars.models import CalendarFeed
from candidly.calendars.services import calendar_feed_regenerate, calendar_import


def calendar_page(request: HttpRequest) -> HttpResponse:
    return _page(request, CalendarUploadForm())


def _page(request: HttpRequest, form, report=None, status: int = 200) -> HttpResponse:
    feed = feed_for(request.user)
    template = "calendars/calendar.html"
    if request.method == "POST" and request.htmx and not request.htmx.boosted:
        # htmx swaps the report (or what was wrong with the upload) into the page.
        template += "#report"
        status = 200
    context = {
        "feed": feed,
        "feed_url": feed_url(feed) if feed else "",
        "form": form,
        "report": report,
    }
    return render(request, template, context, status=status)


@require_POST
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    had = feed_for(request.user) is not None
    calendar_feed_regenerate(recruiter=request.user)
    messages.success(
        request,
        "New feed address: the old one no longer works; subscribe again with this one."
        if had
        else "Your feed address is ready: subscribe to it from your calendar app.",
    )
    return redirect("calendar_page")


@require_POST
def calendar_upload(request: HttpRequest) -> HttpResponse:
    form = CalendarUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    report = calendar_import(
        files=[(f.name, f.read()) for f in form.cleaned_data["files"]],
        recruiter=request.user,
        time_zone=form.cleaned_data["time_zone"],
    )
    return _page(request, CalendarUploadForm(), report)


@login_not_required
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for calendar apps: the secret address is the only key."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("recruiter"), token=token)
    if not feed.recruiter.is_active:
        raise Http404
    response = HttpResponse(feed_ics(feed.recruiter), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="candidly.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
