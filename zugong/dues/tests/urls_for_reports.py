"""The project's URLs plus the dues reports under /dues/reports/ in the "dues" namespace, for the report
tests: the same paths and names ``zugong.dues.urls`` gives them, without depending on the rest of it."""

from django.urls import include, path

from zugong.urls import urlpatterns as project_urlpatterns

if any(getattr(p, "namespace", None) == "dues" for p in project_urlpatterns):
    urlpatterns = list(project_urlpatterns)
else:
    urlpatterns = [
        *project_urlpatterns,
        path("dues/", include(([path("reports/", include("zugong.dues.urls_reports"))], "dues"))),
    ]
