from django.contrib import admin
from django.urls import include, path

from zugong.accounts.views import admin_login

urlpatterns = [
    path("", include("zugong.core.urls")),
    path("accounts/", include("zugong.accounts.urls")),
    path("orgs/", include("zugong.orgs.urls")),
    path("people/", include("zugong.people.urls")),
    path("dues/", include("zugong.dues.urls")),
    path("training/", include("zugong.training.urls")),
    path("evaluations/issues/", include("zugong.evaluations.urls_opinions")),
    path("evaluations/", include("zugong.evaluations.urls")),
    path("v/", include("zugong.evaluations.urls_vote")),  # voting: public, by one-time code
    path("studyday/me/", include("zugong.studyday.urls_mine")),
    path("studyday/checks/", include("zugong.studyday.urls_checks")),
    path("studyday/", include("zugong.studyday.urls")),
    path("materials/", include("zugong.studyday.urls_materials")),
    path("audit/", include("zugong.auditlog.urls")),
    path("imports/", include("zugong.imports.urls")),
    path("api/", include("zugong.api_urls")),
    # Before the admin's own login form, which would skip the dynamic code.
    path("admin/login/", admin_login, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
]
