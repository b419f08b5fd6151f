"""笔记审阅: the notes waiting for review in the user's scope (oldest first, optionally one session's), and one
member's notes and reflection with the photo or PDF they attached, approved (审阅通过) or returned (退回)
with a comment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can
from zugong.core.views_helpers import paginate

from . import selectors
from .forms import ReviewForm, parse_id
from .models import Session, Submission
from .services_notes import review_submission, submission_file
from .views import SERVICE_ERRORS, error_text, file_response, require_staff, staff_object

INLINE_TYPES = ("image/jpeg", "image/png", "application/pdf")


@login_required
@require_safe
def review_queue(request):
    user = request.user
    require_staff(user, Action.CHANGE)
    queue = selectors.review_queue(user)
    session = None
    if pk := parse_id(request.GET.get("session")):
        session = selectors.sessions_for(user).filter(pk=pk).first()
        queue = queue.filter(session=session) if session is not None else queue.none()
    page, qs = paginate(request, queue)
    return render(request, "studyday/review_queue.html", {"page": page, "qs": qs, "session": session})


@login_required
@require_http_methods(["GET", "POST"])
def submission(request, pk: int):
    user = request.user
    action = Action.CHANGE if request.method == "POST" else Action.VIEW
    obj = staff_object(request, Submission, pk, action)
    obj = Submission.objects.select_related("person", "session", "session__org", "reviewed_by").get(pk=obj.pk)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            review_submission(
                actor=user, submission=obj, approve=approve, comment=form.cleaned_data["comment"]
            )
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            verb = "审阅通过" if approve else "退回"
            messages.success(request, f"已{verb}{obj.person.name}的笔记和心得（{obj.session.title}）。")
            return redirect("studyday:review_queue")
    can_review = (
        obj.status == Submission.Status.SUBMITTED
        and obj.session.archived_at is None
        and can(user, Action.CHANGE, obj)
        and getattr(user, "person_id", None) != obj.person_id
    )
    attendance = obj.session.attendance.filter(person_id=obj.person_id).first()
    context = {
        "sub": obj,
        "session": obj.session,
        "attendance": attendance,
        "form": form,
        "can_review": can_review,
        "can_view_session": Session.objects.restrict(user, Action.VIEW).filter(pk=obj.session_id).exists(),
        "is_image": obj.file_type in ("image/jpeg", "image/png"),
    }
    return render(request, "studyday/submission.html", context)


@login_required
@require_safe
def submission_download(request, pk: int):
    obj = staff_object(request, Submission, pk)
    if not obj.file_name:
        raise Http404("该笔记没有附件。")
    try:
        name, content_type, data = submission_file(actor=request.user, submission=obj)
    except ValidationError as exc:  # no bytes kept for it
        raise Http404(error_text(exc)) from None
    inline = request.GET.get("inline") == "1" and content_type in INLINE_TYPES
    return file_response(name, content_type, data, inline=inline)
