from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_totp, name="login_totp"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("totp/", views.totp_setup, name="totp_setup"),
    path("locks/", views.lock_list, name="locks"),
    path("locks/<int:pk>/lift/", views.lock_lift, name="lock_lift"),
]
