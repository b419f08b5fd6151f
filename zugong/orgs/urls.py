from django.urls import path
from django.views.generic import RedirectView

from . import views, views_units

app_name = "orgs"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="orgs:tree")),
    path("tree/", views.tree, name="tree"),
    path("list/", views.org_list, name="list"),
    path("export/", views.org_export, name="export"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.tree_children, name="tree_children"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/dissolve/", views.dissolve, name="dissolve"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("units/", views_units.unit_list, name="unit_list"),
    path("units/export/", views_units.unit_export, name="unit_export"),
    path("units/new/", views_units.unit_create, name="unit_create"),
    path("units/<int:pk>/", views_units.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views_units.unit_edit, name="unit_edit"),
    path("units/<int:unit_pk>/teams/new/", views_units.team_create, name="team_create"),
    path("teams/<int:pk>/edit/", views_units.team_edit, name="team_edit"),
    path("teams/<int:team_pk>/positions/new/", views_units.position_create, name="position_create"),
    path("positions/<int:pk>/edit/", views_units.position_edit, name="position_edit"),
    path("positions/<int:pk>/delete/", views_units.position_delete, name="position_delete"),
]
