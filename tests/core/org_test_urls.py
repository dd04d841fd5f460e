"""The project's URLs with the organisation pages, until peiban/urls.py includes them itself."""

from django.urls import URLResolver, include, path

from peiban import urls as project

urlpatterns = list(project.urlpatterns)
if not any(isinstance(p, URLResolver) and p.namespace == "org" for p in urlpatterns):
    urlpatterns.append(path("org/", include("peiban.core.org_urls")))

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
