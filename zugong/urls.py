from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("zugong.core.urls")),
    path("accounts/", include("zugong.accounts.urls")),
    path("orgs/", include("zugong.orgs.urls")),
    path("people/", include("zugong.people.urls")),
    path("api/", include("zugong.api_urls")),
    path("admin/", admin.site.urls),
]
