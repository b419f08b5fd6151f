"""The member's own pages, phone-first, mounted at /studyday/me/ (namespace "mystudy"). The room's screen links
its QR code to ``reverse("mystudy:signin", args=[session.pk]) + "?code=..."``."""

from django.urls import path

from . import views_mine as views

app_name = "mystudy"
urlpatterns = [
    path("", views.home, name="home"),
    path("attendance/", views.attendance, name="attendance"),
    path("reminders/read/", views.reminders_read, name="reminders_read"),
    path("session/<int:pk>/", views.session, name="session"),
    path("session/<int:pk>/signin/", views.signin, name="signin"),
    path("session/<int:pk>/notes/", views.notes, name="notes"),
    path("session/<int:pk>/leave/", views.leave, name="leave"),
    path("notes/<int:pk>/file/", views.notes_file, name="notes_file"),
    path("leave/<int:pk>/withdraw/", views.leave_withdraw, name="leave_withdraw"),
]
