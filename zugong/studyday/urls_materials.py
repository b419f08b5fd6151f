"""学习资料 pages, mounted at /materials/ (namespace "materials"): the library's list, upload, one material,
在线查看 / 下载 of a copy stamped for its reader, 归档, the register of copies (领取登记) with its Excel export,
and the trace tool (泄露追查)."""

from django.urls import path

from . import views_materials as views

app_name = "materials"
urlpatterns = [
    path("", views.material_list, name="list"),
    path("new/", views.material_create, name="create"),
    path("<int:pk>/", views.material_detail, name="detail"),
    path("<int:pk>/view/", views.material_view, name="view"),
    path("<int:pk>/download/", views.material_download, name="download"),
    path("<int:pk>/archive/", views.material_archive, name="archive"),
    path("register/", views.register, name="register"),
    path("register/export/", views.register_export, name="register_export"),
    path("trace/", views.trace, name="trace"),
]
