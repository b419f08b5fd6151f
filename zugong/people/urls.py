from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("export/", views.person_export, name="export"),
    path("new/", views.person_create, name="create"),
    path("org-options/", views.org_options, name="org_options"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/export/", views.transfer_export, name="transfer_export"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("<int:pk>/membership/", views.person_membership, name="membership"),
    path("<int:pk>/cadre/", views.person_cadre, name="cadre"),
    path("<int:pk>/transfer/", views.person_transfer, name="transfer"),
    path("<int:pk>/archive/", views.person_archive, name="archive"),
    path("<int:pk>/restore/", views.person_restore, name="restore"),
]
