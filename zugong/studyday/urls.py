"""学习日 and 三会一课 staff pages, mounted at /studyday/ (namespace "studyday"). The member's own pages are
``urls_mine`` (/studyday/me/, "mystudy"); spot checks and compliance ``urls_checks`` ("studychecks"); the
materials library ``urls_materials`` ("materials")."""

from django.urls import path

from . import views, views_attendance, views_calendar, views_plans, views_review, views_sessions, views_stats

app_name = "studyday"
urlpatterns = [
    path("", views.home, name="home"),
    # 学习计划
    path("plans/", views_plans.plan_list, name="plan_list"),
    path("plans/new/", views_plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/dates/new/", views_plans.plan_item_add, name="plan_item_add"),
    path("plans/<int:pk>/archive/", views_plans.plan_archive, name="plan_archive"),
    path("plan-dates/<int:pk>/", views_plans.plan_item_edit, name="plan_item_edit"),
    path("plan-dates/<int:pk>/remove/", views_plans.plan_item_remove, name="plan_item_remove"),
    # 会议活动
    path("sessions/", views_sessions.session_list, name="session_list"),
    path("sessions/export/", views_sessions.session_export, name="session_export"),
    path("sessions/new/", views_sessions.session_create, name="session_create"),
    path("sessions/people/", views_sessions.session_people, name="session_people"),
    path("sessions/<int:pk>/", views_attendance.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views_sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/expected/", views_sessions.session_expected, name="session_expected"),
    path("sessions/<int:pk>/cancel/", views_sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/files/", views_sessions.session_file_upload, name="session_file_upload"),
    path("sessions/<int:pk>/attendance/", views_attendance.session_mark, name="session_mark"),
    path("sessions/<int:pk>/close/", views_attendance.session_close, name="session_close"),
    path("sessions/<int:pk>/remind/", views_attendance.session_remind, name="session_remind"),
    path("sessions/<int:pk>/screen/", views_attendance.screen, name="screen"),
    path("sessions/<int:pk>/screen/code/", views_attendance.screen_code, name="screen_code"),
    path("files/<int:pk>/", views_sessions.session_file_download, name="session_file"),
    # 笔记审阅
    path("review/", views_review.review_queue, name="review_queue"),
    path("submissions/<int:pk>/", views_review.submission, name="submission"),
    path("submissions/<int:pk>/file/", views_review.submission_download, name="submission_file"),
    # 请假审批
    path("leave/", views_attendance.leave_queue, name="leave_queue"),
    path("leave/<int:pk>/", views_attendance.leave_decide, name="leave_decide"),
    # 出勤统计
    path("stats/", views_stats.stats, name="stats"),
    path("stats/orgs/export/", views_stats.stats_org_export, name="stats_org_export"),
    path("stats/people/export/", views_stats.stats_person_export, name="stats_person_export"),
    # 节假日与调休
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("calendar/add/", views_calendar.workday_add, name="workday_add"),
    path("calendar/remove/", views_calendar.workday_remove, name="workday_remove"),
    path("calendar/import/", views_calendar.workdays_import, name="workdays_import"),
]
