"""Friendly error pages; API paths answer JSON with a code and a message instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"code": code, "message": message}, status=status)
    return render(request, f"{status}.html", {"message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "bad_request", _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, "forbidden", _("You may not do this."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "not_found", _("This page does not exist, or you may not see it."))


def server_error(request: HttpRequest) -> HttpResponse:
    message = _("Something went wrong on our side. It has been logged; please try again later.")
    if _is_api(request):
        return JsonResponse({"code": "server_error", "message": message}, status=500)
    # Render without the request context: whatever broke may be in it.
    return HttpResponse(loader.get_template("500.html").render({"message": message}), status=500)
