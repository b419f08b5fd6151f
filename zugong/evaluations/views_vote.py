"""The public voting pages (no login): /v/ to type a 测评码, /v/<code>/ opened from the slip's QR code.

The code is in the address, so these pages are never cached (``Cache-Control: no-store``), never send it to
another site in a ``Referer`` (``Referrer-Policy: same-origin``; the pages link nowhere else), and never write it
anywhere: Django's request log would print
the path of every 4xx answer and of every CSRF failure, so those answers are marked as already logged. The
ballot itself is cast by ``services.cast_ballot``, which keeps nothing that joins it to the code."""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt

from . import services
from . import spec as S
from .models import BallotCode, Subject

DONE_MESSAGE = "投票成功，感谢参与。"
DONE_TAG = "vote-done"
DRAFT_PREFIX = "zugong.vote."
CODE_SHAPE = re.compile(r"[0-9A-Z]{1,40}")
DIGITS = re.compile(r"[0-9]{1,4}")


class _QuietCsrf(CsrfViewMiddleware):
    """Django's CSRF check, whose refusal is a voter's page and is not logged (the log line names the path,
    which holds the code)."""

    def _reject(self, request, reason):
        response = render(
            request,
            "evaluations/vote_start.html",
            {"error": "页面已过期或浏览器未启用 Cookie，请返回后刷新页面再提交。"},
            status=403,
        )
        response._has_been_logged = True
        return response


_csrf_protect_quietly = decorator_from_middleware(_QuietCsrf)


def _private(view):
    """No cache, no referrer, no request log line with the code, GET/HEAD/POST only; CSRF checked by
    ``_QuietCsrf`` (the site-wide middleware stands aside: ``csrf_exempt`` on the outside only)."""
    protected = _csrf_protect_quietly(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "POST"):
            response = HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        else:
            response = protected(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.status_code >= 400:
            response._has_been_logged = True
        return response

    return csrf_exempt(wrapped)


# ---- /v/ ---------------------------------------------------------------------------------------------------


@_private
def start(request):
    """Type the code from the slip (or come with ?code=) and go to the ballot."""
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "GET" and "code" not in request.GET:
        return render(request, "evaluations/vote_start.html")
    code = services.normalize_code(data.get("code", ""))
    if not code:
        return render(
            request,
            "evaluations/vote_start.html",
            {"error": "请输入测评码（印在测评码条上，10 位字母和数字）。"},
            status=400,
        )
    if not CODE_SHAPE.fullmatch(code):
        return render(
            request,
            "evaluations/vote_start.html",
            {"error": "测评码只含字母和数字，请核对后重新输入。"},
            status=400,
        )
    return redirect("vote:ballot", code=code)


# ---- /v/<code>/ --------------------------------------------------------------------------------------------


@_private
def ballot(request, code):
    normalized = services.normalize_code(code)
    if request.method != "POST" and normalized != code and CODE_SHAPE.fullmatch(normalized):
        return redirect("vote:ballot", code=normalized)  # one address (and one draft) per code
    code = normalized
    try:
        evaluation, row = services.evaluation_of_code(code)
    except services.BallotRefused as refused:
        return _refused(request, code, str(refused))

    subjects = list(
        Subject.objects.filter(evaluation=evaluation).select_related("person").order_by("position", "id")
    )
    error, status, submitted = "", 200, None
    if request.method == "POST":
        submitted = request.POST
        try:
            answers = _answers_from(request.POST, evaluation.spec, subjects)
            services.cast_ballot(code=code, answers=answers)
        except ValidationError as invalid:
            error, status = "；".join(invalid.messages), 400
        except services.BallotRefused as refused:
            error, status = str(refused), 409
        else:
            messages.success(request, DONE_MESSAGE, extra_tags=DONE_TAG)
            return redirect("vote:ballot", code=code)  # PRG: the same address now shows the thanks

    context = {
        "evaluation": evaluation,
        "voter_class": row.voter_class,
        "subjects": _screens(evaluation.spec, subjects, submitted),
        "total": len(subjects),
        "error": error,
        "draft_key": DRAFT_PREFIX + code,
        "is_test": evaluation.mode == evaluation.Mode.TEST,
        "max_text": services.MAX_TEXT,
        "action": reverse("vote:ballot", kwargs={"code": code}),
    }
    return render(request, "evaluations/vote_ballot.html", context, status=status)


def _done_message(request) -> str:
    """The thanks flashed by a successful ballot (consumed here), or ''."""
    done = ""
    for message in messages.get_messages(request):
        if DONE_TAG in message.tags:
            done = str(message)
    return done


def _refused(request, code: str, reason: str):
    """Why this code opens no ballot: 404 for a code that does not exist, 410 for one that is used or void or
    whose evaluation has ended, 200 for an evaluation that has not started yet. A ballot just cast lands here
    too (the code is now used) and is thanked instead."""
    done = _done_message(request)
    row = BallotCode.objects.select_related("evaluation").filter(code_hash=services.code_hash(code)).first()
    if row is None:
        status = 404
    elif (
        row.state != BallotCode.State.UNUSED
        or row.evaluation.is_archived
        or timezone.now() >= row.evaluation.closes_at
    ):
        status = 410
    else:
        status = 200
    if done and row is not None and row.state == BallotCode.State.USED:
        return render(
            request,
            "evaluations/vote_done.html",
            {"message": done, "evaluation": row.evaluation, "draft_key": DRAFT_PREFIX + code},
        )
    return render(
        request,
        "evaluations/vote_refused.html",
        {
            "reason": reason,
            "used": row is not None and row.state == BallotCode.State.USED,
            # A draft of a code that can no longer vote is of no use on the phone.
            "draft_key": DRAFT_PREFIX + code if status == 410 else "",
        },
        status=status,
    )


# ---- the form's fields ---------------------------------------------------------------------------------------


def field_name(subject_pk, item_key: str) -> str:
    return f"s{subject_pk}__{item_key}"


def _answers_from(data, spec: dict, subjects: list[Subject]) -> dict:
    """``{str(subject_pk): {item_key: value}}`` from the fields ``s<pk>__<key>``: a list for a multiple
    choice, an int for a rating, a string otherwise; an empty field is left out (the service says which
    required one is missing)."""
    items = S.items_of(spec)
    answers = {}
    for subject in subjects:
        given = {}
        for item in items:
            name = field_name(subject.pk, item["key"])
            kind = item["kind"]
            if kind == "multiple":
                chosen = [v for v in data.getlist(name) if v]
                if chosen:
                    given[item["key"]] = chosen
                continue
            raw = data.get(name, "")
            if kind == "text":
                if raw.strip():
                    given[item["key"]] = raw
                continue
            raw = raw.strip()
            if not raw:
                continue
            if kind == "rating":
                if not DIGITS.fullmatch(raw):
                    raise ValidationError(f"“{item['label']}”的评分应为 1–{item['max']} 的整数。")
                given[item["key"]] = int(raw)
            else:
                given[item["key"]] = raw
        answers[str(subject.pk)] = given
    return answers


def _screens(spec: dict, subjects: list[Subject], submitted) -> list[dict]:
    """One screen per subject, each with the form's sections and items ready to draw, the voter's choices
    kept when the form comes back with a message."""
    screens = []
    total = len(subjects)
    for n, subject in enumerate(subjects, start=1):
        sections = []
        for section in spec["sections"]:
            items = []
            for item in section["items"]:
                name = field_name(subject.pk, item["key"])
                chosen = set(submitted.getlist(name)) if submitted is not None else set()
                value = submitted.get(name, "") if submitted is not None else ""
                options = [
                    {
                        "value": o["value"],
                        "label": o["label"],
                        "id": f"{name}__{o['value']}",
                        "checked": o["value"] in chosen,
                    }
                    for o in S.options_of(item)
                ]
                short = all(len(o["label"]) <= 6 for o in options)
                items.append(
                    {
                        "key": item["key"],
                        "label": item["label"],
                        "kind": item["kind"],
                        "required": item["required"],
                        "name": name,
                        "id": name,
                        "options": options,
                        "two_columns": item["kind"] == "grade" and len(options) in (2, 4) and short,
                        "max": item.get("max"),
                        "value": value,
                    }
                )
            # A section's title is shown between sections, unless its one item says the same (总体评价).
            title = section["title"] if len(spec["sections"]) > 1 else ""
            if items and title == items[0]["label"]:
                title = ""
            sections.append({"title": title, "items": items})
        person = subject.person if subject.kind == Subject.Kind.PERSON else None
        screens.append(
            {
                "pk": subject.pk,
                "n": n,
                "total": total,
                "label": subject.label,
                "kind": subject.get_kind_display(),
                "post": getattr(person, "post", "") if person else "",
                "sections": sections,
            }
        )
    return screens
