from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy

from zugong.core import audit

from .forms import LoginForm, PasswordChange


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        # An account set up with a temporary password goes straight to changing it.
        if getattr(self.request.user, "must_change_password", False):
            return reverse("accounts:password_change")
        return super().get_success_url()


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = PasswordChange
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        # Saved together with the new password by form.save().
        form.user.must_change_password = False
        response = super().form_valid(form)
        audit.record_event(actor=self.request.user, event="password_change")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
