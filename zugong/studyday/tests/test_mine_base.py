"""What the tests of the member's own pages and API share: the personas, a session of 王小红's branch (she and
李建国 expected) at a time relative to now, and small files."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zugong.core.models import AuditEvent
from zugong.core.testing import PersonaTestCase

from .. import services, signin
from ..choices import SessionKind

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REFLECTION = "通过学习，进一步坚定了理想信念，要把学习成果转化为工作动力。"


class MineBase(PersonaTestCase):
    def make_session(self, *, starts_in: int = 10, minutes: int = 120, title="第一季度学习日", **data):
        """A study day of 王小红's branch starting ``starts_in`` minutes from now (negative: already started)."""
        starts = timezone.now() + dt.timedelta(minutes=starts_in)
        fields = {"title": title, "place": "社区党群服务中心二楼", "starts_at": starts,
                  "ends_at": starts + dt.timedelta(minutes=minutes), "agenda": "一、学习党章\n二、交流体会"}  # fmt: skip
        fields.update(data)
        return services.create_session(
            actor=self.p.branch_secretary, org=self.p.branch, kind=SessionKind.STUDY_DAY, data=fields
        )

    @staticmethod
    def code(session) -> str:
        return signin.current_code(session.pk)[0]

    @staticmethod
    def wrong(code: str) -> str:
        return f"{(int(code) + 1) % 10**6:06d}"

    @staticmethod
    def audit_count(model_name: str) -> int:
        """Audit rows about records of ``studyday.<model_name>``."""
        return AuditEvent.objects.filter(object_type=f"studyday.{model_name}").count()
