"""累计学分制 pages of the 干部教育科: the credit rules of each year (list, a new year, the edit form with its
table of category rules, recompute, close) and the import of the online academy's export (check, then
import; the template; the batches). Other staff see the rules read-only; the 三员 and plain members get 403.

The import is two steps over one upload. The check (``services_import.check_workbook``) writes nothing; the
file's bytes are then kept, encrypted with the data key, in a temporary file under MEDIA_ROOT named by a
random token that only this user's session holds (with the file's digest). The second step ("确认导入")
posts the token, the bytes are read back and their digest compared, and ``run_import`` validates the whole
file again inside its transaction (all or nothing). So the user picks the file once, nothing large sits in
the session (which is saved on every request), the bytes never leave the server in the clear, and what is
imported is exactly what was checked. Stale files are removed on the next check after ``STASH_MAX_AGE``."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from zugong.core import crypto
from zugong.core.exports import XLSX
from zugong.core.forms import attach_service_error
from zugong.core.roles import Action
from zugong.core.views_helpers import paginate

from . import services, services_import
from .forms import (
    CategoryRuleForm,
    ImportUploadForm,
    RuleSetCreateForm,
    RuleSetForm,
    category_rule_initial,
    rule_set_initial,
)
from .models import Category, CreditRuleSet, CreditYear, ImportBatch
from .rules import DEFAULT_CATEGORY_RULES

SERVICE_ERRORS = (ValidationError, PermissionDenied)
ISSUES_SHOWN = 1000
STASH_DIR = "training-import"
STASH_MAX_AGE = 2 * 3600  # seconds
SESSION_KEY = "training_import"


def require_staff(user, action: str = Action.VIEW) -> list[str]:
    return services.ensure_training_staff(user, action)


def recompute_text(result: dict) -> str:
    return (
        f"更新 {result.get('entries_updated', 0)} 条学分记录，"
        f"重建 {result.get('summaries', 0)} 名干部的年度汇总。"
    )


def _rule_set(year: int) -> CreditRuleSet:
    rule_set = CreditRuleSet.objects.filter(year=year).prefetch_related("rules").first()
    if rule_set is None:
        raise Http404(f"{year}年度尚未设置学分规则。")
    return rule_set


# --- the years -----------------------------------------------------------------------------------------


@login_required
@require_safe
def rule_sets(request):
    user = request.user
    require_staff(user)
    counts = {
        row["year"]: row
        for row in CreditYear.objects.restrict(user, Action.VIEW)
        .values("year")
        .annotate(cadres=Count("id"), met=Count("id", filter=Q(met_target=True)))
        .order_by()
    }
    years = []
    for rs in CreditRuleSet.objects.select_related("closed_by").order_by("-year"):
        row = counts.get(rs.year, {})
        years.append({"rule_set": rs, "cadres": row.get("cadres", 0), "met": row.get("met", 0)})
    context = {"years": years, "is_office": services.is_training_office(user)}
    return render(request, "training/rules_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_set_create(request):
    user = request.user
    services.ensure_training_office(user)
    latest = CreditRuleSet.objects.order_by("-year").first()
    suggested = max(latest.year + 1 if latest else 0, timezone.localdate().year)
    if CreditRuleSet.objects.filter(year=suggested).exists():
        suggested += 1
    form = RuleSetCreateForm(request.POST if request.method == "POST" else None, initial={"year": suggested})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            rule_set = services.create_rule_set(actor=user, year=year)
        except SERVICE_ERRORS as exc:
            attach_service_error(form, exc)
        else:
            messages.success(request, f"已建立{rule_set.year}年度学分规则，请核对并修改各项标准。")
            return redirect("training:rule_set", rule_set.year)
    return render(request, "training/rules_create.html", {"form": form, "latest": latest})


def _category_forms(rule_set, data=None) -> list[CategoryRuleForm]:
    existing = {r.category: r for r in rule_set.rules.all()}
    forms = []
    for category in Category.values:
        rule = existing.get(category)
        if rule is not None:
            initial = category_rule_initial(rule)
        else:
            mode, rate, levels, cap, required = DEFAULT_CATEGORY_RULES[category]
            initial = {"mode": mode, "rate": rate, "annual_cap": cap, "required": required}
            initial.update({f"lv_{lv}": r for lv, r in levels.items()})
        forms.append(CategoryRuleForm(data, category=category, initial=initial))
    return forms


@login_required
@require_http_methods(["GET", "POST"])
def rule_set(request, year: int):
    """One year's rules: the edit form for the 干部教育科 while the year is open; read-only otherwise."""
    user = request.user
    require_staff(user)
    obj = _rule_set(year)
    is_office = services.is_training_office(user)
    editable = is_office and not obj.closed
    if request.method == "POST":
        services.ensure_training_office(user)
        if obj.closed:
            raise PermissionDenied(f"{year}年度已关账，学分规则不能再修改。")
    data = request.POST if request.method == "POST" else None
    form = RuleSetForm(data, initial=rule_set_initial(obj))
    category_forms = _category_forms(obj, data)
    if data is not None:
        valid = form.is_valid() & all([f.is_valid() for f in category_forms])
        if valid:
            try:
                result = services.update_rule_set(
                    actor=user,
                    rule_set=obj,
                    data=form.cleaned_data,
                    category_rules={f.category: f.rule() for f in category_forms},
                )
            except SERVICE_ERRORS as exc:
                attach_service_error(form, exc)
            else:
                messages.success(
                    request, f"已保存{year}年度学分规则，并按新规则重算：{recompute_text(result or {})}"
                )
                return redirect("training:rule_set", year)
    context = {
        "rule_set": obj,
        "form": form,
        "category_forms": category_forms,
        "rules": sorted(obj.rules.all(), key=lambda r: Category.values.index(r.category)),
        "editable": editable,
        "is_office": is_office,
        "tiers": obj.online_tiers,
    }
    return render(request, "training/rules_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_set_close(request, year: int):
    """关账: a confirmation page, then the last recompute and the close (a closed year is never rewritten)."""
    user = request.user
    services.ensure_training_office(user)
    obj = _rule_set(year)
    if obj.closed:
        messages.info(request, f"{year}年度已于 {timezone.localtime(obj.closed_at):%Y-%m-%d %H:%M} 关账。")
        return redirect("training:rule_set", year)
    error = ""
    if request.method == "POST":
        try:
            services.close_year(actor=user, rule_set=obj)
        except SERVICE_ERRORS as exc:
            error = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        else:
            messages.success(request, f"{year}年度已关账：学分记录和年度汇总不再改变。")
            return redirect("training:rule_set", year)
    totals = CreditYear.objects.filter(year=year).aggregate(
        cadres=Count("id"), met=Count("id", filter=Q(met_target=True))
    )
    context = {
        "rule_set": obj,
        "totals": totals,
        "error": error,
        "current": year >= timezone.localdate().year,
    }
    return render(request, "training/rules_close.html", context)


@login_required
@require_POST
def rule_set_recompute(request, year: int):
    user = request.user
    services.ensure_training_office(user)
    _rule_set(year)
    try:
        result = services.recompute_year(actor=user, year=year)
    except SERVICE_ERRORS as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, f"已重算{year}年度：{recompute_text(result or {})}")
    return redirect("training:rule_set", year)


# --- the import: the checked file kept between the two steps ---------------------------------------------


def _stash_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / STASH_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stash_context(user, token: str) -> str:
    return f"training.import.{user.pk}.{token}"


def _stash_purge(directory: Path) -> None:
    cutoff = time.time() - STASH_MAX_AGE
    for item in directory.glob("*.enc"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except OSError:  # removed meanwhile by another request
            continue


def _stash_drop(request) -> None:
    entry = request.session.pop(SESSION_KEY, None)
    if entry and entry.get("token", "").isalnum():
        (_stash_dir() / f"{entry['token']}.enc").unlink(missing_ok=True)


def stash_put(request, data: bytes, name: str) -> str:
    """Keep the checked file (encrypted) and remember it in the session; replaces an earlier one."""
    _stash_drop(request)
    directory = _stash_dir()
    _stash_purge(directory)
    token = secrets.token_hex(16)
    sealed = crypto.encrypt(base64.b64encode(data).decode(), context=_stash_context(request.user, token))
    (directory / f"{token}.enc").write_text(sealed, encoding="ascii")
    request.session[SESSION_KEY] = {
        "token": token,
        "name": name[:200],
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return token


def stash_get(request, token: str) -> tuple[str, bytes] | None:
    """The checked file of this session's ``token``, or None when gone (expired, another tab, tampered)."""
    entry = request.session.get(SESSION_KEY) or {}
    if not token or entry.get("token") != token or not token.isalnum():
        return None
    path = _stash_dir() / f"{token}.enc"
    try:
        sealed = path.read_text(encoding="ascii")
        data = base64.b64decode(crypto.decrypt(sealed, context=_stash_context(request.user, token)))
    except (OSError, ValueError, crypto.DecryptionError):
        return None
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        return None
    return entry.get("name", ""), data


def _issue_rows(issues) -> list[dict]:
    return [
        {"row": i.row, "column": i.column, "letter": getattr(i, "letter", ""), "message": i.message}
        for i in issues[:ISSUES_SHOWN]
    ]


def _import_page(request, form, *, check=None, name="", token="", rejected=None):
    issues = list(check.issues if check is not None else (rejected.issues if rejected is not None else []))
    context = {
        "form": form,
        "check": check,
        "years": sorted(check.years) if check is not None else [],
        "rejected": rejected,
        "file_name": name,
        "token": token,
        "issues": _issue_rows(issues),
        "issue_count": len(issues),
        "bad_rows": len({i.row for i in issues}),
        "more_issues": max(0, len(issues) - ISSUES_SHOWN),
        "max_mb": services_import.MAX_BYTES // 1048576,
        "headers": services_import.HEADERS,
    }
    return render(request, "training/import_upload.html", context)


def _expired(request):
    messages.error(request, "校验过的文件已失效（超时或已在其他页面导入），请重新上传。")
    return redirect("training:import")


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    """网络学院导入: upload → check (nothing written; every problem listed) → 确认导入 (all or nothing)."""
    user = request.user
    services.ensure_training_office(user)
    step = request.POST.get("step", "check") if request.method == "POST" else ""
    if step in ("run", "issues"):
        token = request.POST.get("token", "")
        kept = stash_get(request, token)
        if kept is None:
            return _expired(request)
        name, data = kept
        if step == "issues":
            check = services_import.check_workbook(actor=user, data=data, file_name=name)
            return _issues_download(check.issues, name)
        try:
            batch = services_import.run_import(actor=user, data=data, file_name=name)
        except services_import.ImportRejected as exc:
            messages.error(request, str(exc))
            return _import_page(request, _upload_form(), name=name, token=token, rejected=exc)
        except SERVICE_ERRORS as exc:
            messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            return redirect("training:import")
        _stash_drop(request)
        messages.success(
            request,
            f"导入完成：共 {batch.rows} 行，新增 {batch.added} 条学分记录，{batch.skipped} 条此前已导入。",
        )
        return redirect("training:import_batches")
    form = _upload_form(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _import_page(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    check = services_import.check_workbook(actor=user, data=data, file_name=upload.name)
    token = stash_put(request, data, upload.name)
    return _import_page(request, _upload_form(), check=check, name=upload.name, token=token)


def _upload_form(data=None, files=None) -> ImportUploadForm:
    return ImportUploadForm(data, files, max_bytes=services_import.MAX_BYTES)


def _attachment(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _issues_download(issues, file_name: str) -> HttpResponse:
    stem = (file_name or "导入文件").rsplit(".", 1)[0]
    return _attachment(services_import.issues_xlsx(issues), f"{stem}-问题清单.xlsx")


@login_required
@require_safe
def import_template(request):
    services.ensure_training_office(request.user)
    return _attachment(services_import.template_xlsx(), "网络学院学时导入模板.xlsx")


@login_required
@require_safe
def import_batches(request):
    user = request.user
    services.ensure_training_office(user)
    batches = ImportBatch.objects.restrict(user, Action.VIEW).select_related("imported_by")
    page, qs = paginate(request, batches)
    return render(request, "training/import_batches.html", {"page": page, "qs": qs})
