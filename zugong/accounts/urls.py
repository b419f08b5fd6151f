from django.urls import path

from . import views, views_manage

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
    # 系统管理员
    path("users/", views_manage.user_list, name="user_list"),
    path("users/new/", views_manage.user_create, name="user_create"),
    path("users/<int:pk>/password/", views_manage.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/deactivate/", views_manage.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views_manage.user_reactivate, name="user_reactivate"),
    # 安全管理员
    path("grants/", views_manage.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views_manage.grant_user, name="grant_user"),
    path("grants/remove/<int:pk>/", views_manage.grant_remove, name="grant_remove"),
]
