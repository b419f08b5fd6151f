"""学习资料 pages, mounted at /materials/ (namespace "materials"): the list (search, organization, type, order),
upload, one material (with an excerpt of its register), 在线查看 and 下载 — each a copy stamped for its reader,
issued on a POST (a GET shows what will happen), 归档 behind a confirmation, the register (领取登记) with its
Excel export, and the trace tool (泄露追查).

Materials are read through ``readable_materials`` only (another branch's material is a 404 even by its
number); the register and the trace are the staff's over the material's organization; every write goes
through ``services_materials`` (which checks again and audits)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from zugong.core.exports import xlsx_response
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.scope import can, grant_paths, self_person_id
from zugong.core.views_helpers import invalid_filter_redirect, paginate

from . import selectors_materials as selectors
from . import services_materials as services
from .forms import parse_id
from .forms_materials import ArchiveForm, MaterialForm, TraceForm
from .models_materials import Material, MaterialCopy

SERVICE_ERRORS = (ValidationError, PermissionDenied)


def require_reader(user) -> None:
    """The library is for staff (a grant over some subtree) and for 党员 (a person record); not the 三员."""
    if not selectors.is_library_staff(user) and self_person_id(user, Action.VIEW) is None:
        raise PermissionDenied("您没有阅读学习资料的权限。")


def require_staff(user, action: str = Action.VIEW) -> None:
    if not grant_paths(user, action):
        raise PermissionDenied("只有组织部门和党组织的工作人员可以办理此项工作。")


def material_for(request, pk: int) -> Material:
    """A material the user may read; staff also see the archived ones in their scope (for the register)."""
    user = request.user
    require_reader(user)
    material = selectors.material_for_reader(user, pk)
    if material is None and selectors.is_library_staff(user):
        material = (
            selectors.readable_materials(user, archived=True)
            .select_related("org", "session")
            .filter(pk=pk)
            .first()
        )
    if material is None:
        raise Http404("资料不存在、已归档或不在您的阅读范围内。")
    return material


def _errors(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


# ---- the list ---------------------------------------------------------------------------------------------


@login_required
@require_safe
def material_list(request):
    user = request.user
    require_reader(user)
    staff = selectors.is_library_staff(user)
    filterset = selectors.material_filter(request)
    valid = filterset.is_valid() if filterset.is_bound else True
    page, qs = paginate(request, filterset.qs if valid else Material.objects.none())
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "is_staff": staff,
        "archived": staff and request.GET.get("archived") == "1",
        "can_add": bool(grant_paths(user, Action.ADD)),
    }
    return render(request, "studyday/materials/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def material_create(request):
    user = request.user
    require_staff(user, Action.ADD)
    initial = {}
    if session_pk := parse_id(request.GET.get("session")):
        initial["session"] = session_pk
    bound = request.method == "POST"
    form = MaterialForm(
        request.POST if bound else None, request.FILES if bound else None, user=user, initial=initial
    )
    if not form.is_bound:
        first = form.fields["org"].queryset.first()
        form.initial.setdefault("org", first.pk if first else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("file")
            try:
                material = services.material_upload(
                    actor=user, file_name=upload.name, data=upload.read(), **data
                )
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, f"已上传学习资料“{material.title}”。")
                return redirect("materials:detail", pk=material.pk)
        status = 400
    context = {"form": form, "max_mb": services.MAX_BYTES // services.MB}
    return render(request, "studyday/materials/form.html", context, status=status)


# ---- one material -----------------------------------------------------------------------------------------


@login_required
@require_safe
def material_detail(request, pk: int):
    user = request.user
    material = material_for(request, pk)
    in_scope = can(user, Action.VIEW, material)
    readable = material.archived_at is None
    context = {
        "material": material,
        "can_view": readable and material.file_kind != Material.FileKind.DOCX,
        "can_download": readable,
        "can_archive": readable and can(user, Action.ARCHIVE, material),
        "show_register": in_scope,
        "register": selectors.register_excerpt(material) if in_scope else [],
        "copy_count": MaterialCopy.objects.filter(material=material).count() if in_scope else None,
        "my_copies": MaterialCopy.objects.filter(material=material, reader=user).order_by("-issued_at")[:5],
    }
    return render(request, "studyday/materials/detail.html", context)


def _file_response(issued: services.IssuedCopy, *, inline: bool) -> HttpResponse:
    response = HttpResponse(issued.data, content_type=issued.content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(issued.file_name)}"
    response["Cache-Control"] = "private, no-store"
    response["Pragma"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Zugong-Copy"] = issued.copy.code
    return response


def _issue(request, pk: int, purpose: str):
    """GET: what the reader is about to receive; POST: the stamped copy itself."""
    material = material_for(request, pk)
    view = purpose == MaterialCopy.Purpose.VIEW
    if material.archived_at is not None:
        messages.error(request, "该资料已归档，不再发放副本。")
        return redirect("materials:detail", pk=material.pk)
    if view and material.file_kind == Material.FileKind.DOCX:
        messages.info(request, "Word 文件不能在线查看，请下载后阅读。")
        return redirect("materials:download", pk=material.pk)
    if request.method != "POST":
        return render(request, "studyday/materials/issue.html", {"material": material, "view": view})
    try:
        issued = services.copy_issue(actor=request.user, material=material, purpose=purpose)
    except SERVICE_ERRORS as exc:
        messages.error(request, _errors(exc))
        return redirect("materials:detail", pk=material.pk)
    return _file_response(issued, inline=view)


@login_required
@require_http_methods(["GET", "POST"])
def material_view(request, pk: int):
    return _issue(request, pk, MaterialCopy.Purpose.VIEW)


@login_required
@require_http_methods(["GET", "POST"])
def material_download(request, pk: int):
    return _issue(request, pk, MaterialCopy.Purpose.DOWNLOAD)


@login_required
@require_http_methods(["GET", "POST"])
def material_archive(request, pk: int):
    user = request.user
    material = material_for(request, pk)
    if not can(user, Action.ARCHIVE, material):
        raise PermissionDenied("您没有归档该资料的权限。")
    if material.archived_at is not None:
        messages.info(request, "该资料已归档。")
        return redirect("materials:detail", pk=material.pk)
    form = ArchiveForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.material_archive(actor=user, material=material, reason=form.cleaned_data["reason"])
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                messages.success(request, f"已归档学习资料“{material.title}”。")
                return redirect("materials:list")
        status = 400
    context = {"material": material, "form": form}
    return render(request, "studyday/materials/archive.html", context, status=status)


# ---- the register and the trace -----------------------------------------------------------------------------


def copy_filter(request, action: str = Action.VIEW) -> selectors.CopyFilter:
    """``selectors.copy_filter``, with a ``material`` that is no database id ("²", 10**30, which would
    overflow SQLite) read as a material that does not exist: an empty register, not a 500."""
    data = request.GET
    raw = data.get("material", "")
    if raw.strip() and parse_id(raw) is None:
        data = data.copy()
        data["material"] = "0"
    queryset = selectors.copies_for(request.user, action)
    return selectors.CopyFilter(data or None, queryset=queryset, request=request)


@login_required
@require_safe
def register(request):
    user = request.user
    require_staff(user)
    filterset = copy_filter(request)
    valid = filterset.is_valid() if filterset.is_bound else True
    page, qs = paginate(request, filterset.qs if valid else MaterialCopy.objects.none())
    material = None
    material_id = request.GET.get("material", "")
    if material_pk := parse_id(material_id):
        material = Material.objects.restrict(user, Action.VIEW).filter(pk=material_pk).first()
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "qs": qs,
        "material": material,
        "can_export": bool(grant_paths(user, Action.EXPORT)),
    }
    return render(request, "studyday/materials/register.html", context)


@login_required
@require_safe
def register_export(request):
    require_staff(request.user, Action.EXPORT)
    filterset = copy_filter(request, Action.EXPORT)
    if filterset.is_bound and not filterset.is_valid():
        return invalid_filter_redirect(request, "materials:register")
    return xlsx_response(
        request=request,
        queryset=filterset.qs,
        filename="学习资料领取登记",
        title="领取登记",
        columns=selectors.REGISTER_COLUMNS,
        what="studyday.material_copies",
    )


@login_required
@require_http_methods(["GET", "POST"])
def trace(request):
    user = request.user
    require_staff(user)
    form = TraceForm(request.POST if request.method == "POST" else None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                result = services.material_trace(
                    actor=user,
                    data=upload.read() if upload else None,
                    file_name=upload.name if upload else "",
                    code=form.cleaned_data.get("code", ""),
                )
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                status = 200
    context = {"form": form, "result": result, "register_url": reverse("materials:register")}
    return render(request, "studyday/materials/trace.html", context, status=status)
