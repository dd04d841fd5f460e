from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from peiban.api.api import api
from peiban.core import views as core_views
from peiban.core.forms import RateLimitedAuthenticationForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=RateLimitedAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("org/", include("peiban.core.org_urls")),
    path("", include("peiban.ledger.urls")),
    path("", include("peiban.councils.urls")),
    path("", include("peiban.activities.urls")),
    path("", include("peiban.groups.urls")),
    path("", include("peiban.network.urls")),
    path("", include("peiban.needs.urls")),
    path("", include("peiban.chats.urls")),
    path("", include("peiban.surveys.urls")),
    path("", include("peiban.indicators.urls")),
    path("", include("peiban.places.urls")),
    path("", include("peiban.core.urls")),
]

handler400 = "peiban.core.errors.bad_request"
handler403 = "peiban.core.errors.permission_denied"
handler404 = "peiban.core.errors.page_not_found"
handler500 = "peiban.core.errors.server_error"
