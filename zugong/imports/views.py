"""Roster import pages: upload, the job (problems, preview, confirm, progress), the files, history.
A job is seen only by the user who uploaded it (404 for anyone else)."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core.exports import XLSX
from zugong.core.roles import Action
from zugong.core.views_helpers import paginate, require_model_access
from zugong.people.models import Person

from . import report, services
from .forms import UploadForm
from .models import ImportJob
from .reader import CellIssue, WorkbookError

ISSUES_SHOWN = 500
FILE_CLEARED = "上传的文件已按保留期限清除，请重新上传。"


def _require_import(user) -> None:
    require_model_access(user, Person, Action.ADD, "您没有导入人员的权限。")


def _get_job_for_user(request, pk: int) -> ImportJob:
    _require_import(request.user)
    job = ImportJob.objects.filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404("导入任务不存在。")
    return job


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    user = request.user
    _require_import(user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        limit = settings.ZUGONG_IMPORT_MAX_BYTES
        try:
            if f.size > limit:  # refused before reading it into memory
                raise WorkbookError(
                    f"文件大小 {f.size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB。"
                )
            job = services.roster_import_upload(
                actor=user, file_name=f.name, data=f.read(), dry_run=form.cleaned_data["dry_run"]
            )
        except WorkbookError as exc:
            form.add_error("file", str(exc))
        else:
            if job.status == ImportJob.Status.VALIDATING:
                job = services.roster_import_start(actor=user, job=job, dry_run=job.dry_run)
            return redirect("imports:job", job.pk)
    return render(
        request, "imports/upload.html", {"form": form, "max_mb": settings.ZUGONG_IMPORT_MAX_BYTES // 1048576}
    )


@login_required
@require_safe
def template_download(request):
    _require_import(request.user)
    response = HttpResponse(report.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('人员名册导入模板.xlsx')}"
    return response


@login_required
@require_safe
def history(request):
    _require_import(request.user)
    jobs = ImportJob.objects.filter(created_by=request.user).defer("payload_enc", "issues")
    page, qs = paginate(request, jobs)
    return render(request, "imports/history.html", {"page": page, "qs": qs})


def _job_context(job: ImportJob) -> dict:
    live = services.progress_of(job.pk)
    return {
        "job": job,
        "Status": ImportJob.Status,
        "phase": live[0] if live else "",
        "done": live[1] if live else job.progress,
        "total": (live[2] if live else job.row_count) or job.row_count,
    }


@login_required
@require_safe
def job_detail(request, pk: int):
    job = _get_job_for_user(request, pk)
    context = _job_context(job)
    context["issues"] = job.issues[:ISSUES_SHOWN]
    context["more_issues"] = max(0, len(job.issues) - ISSUES_SHOWN)
    return render(request, "imports/job.html", context)


@login_required
@require_safe
def job_progress(request, pk: int):
    """htmx: the progress box, polled every second while the job runs; a finished job reloads the page."""
    job = _get_job_for_user(request, pk)
    if job.status != ImportJob.Status.IMPORTING:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    response = render(request, "imports/_progress.html", _job_context(job))
    add_never_cache_headers(response)
    return response


@login_required
@require_safe
def annotated_download(request, pk: int):
    job = _get_job_for_user(request, pk)
    data = job.payload()
    if not data:
        raise Http404("该任务的原始文件已删除（导入后即删除，未导入的按保留期限清除）。")
    issues = [CellIssue(i["row"], i["column"], i["message"]) for i in job.issues]
    try:
        tmp = report.annotated_workbook(data, issues)
    except KeyError:  # the file had no roster sheet: nothing to annotate
        raise Http404("该文件没有“人员名册”工作表，无法生成标注文件。")
    name = f"{job.file_name.rsplit('.', 1)[0]}-错误标注.xlsx"
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def job_run(request, pk: int):
    """确认导入: the real import of a previewed job."""
    job = _get_job_for_user(request, pk)
    runnable = job.status in (ImportJob.Status.VALIDATING, ImportJob.Status.PREVIEWED)
    if runnable and job.file_cleared:  # emptied by import_cleanup: nothing left to import
        messages.error(request, FILE_CLEARED)
        return redirect(reverse("imports:job", args=[job.pk]))
    try:
        job = services.roster_import_start(actor=request.user, job=job, dry_run=False)
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        if job.status == ImportJob.Status.DONE:
            messages.success(request, f"导入完成：新增 {job.new_count} 人，更新 {job.updated_count} 人。")
    return redirect(reverse("imports:job", args=[job.pk]))
