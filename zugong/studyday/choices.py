"""The kinds of session (三会一课 and the rest), shared by models, rules and pages."""

from django.db import models


class SessionKind(models.TextChoices):
    STUDY_DAY = "study_day", "学习日"
    GENERAL_MEETING = "general_meeting", "党员大会"
    COMMITTEE_MEETING = "committee_meeting", "支委会"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    WARNING_EDUCATION = "warning_education", "警示教育"
