"""The voting pages, public (no login): /v/ to type a code, /v/<code>/ opened from the slip's QR code."""

from django.urls import path

from . import views_vote

app_name = "vote"
urlpatterns = [
    path("", views_vote.start, name="start"),
    path("<str:code>/", views_vote.ballot, name="ballot"),
]
