"""The same code submitted twice at the same instant (two connections, PostgreSQL): one ballot, one refusal."""

from __future__ import annotations

import threading
import unittest

from django.db import connection, connections
from django.test import TransactionTestCase

from zugong.core.testing import build_personas

from .. import services
from ..models import Ballot, BallotCode
from ..services import BallotRefused
from .test_engine import cadre_vote, make


@unittest.skipUnless(connection.vendor == "postgresql", "two simultaneous connections need PostgreSQL")
class SimultaneousCastTest(TransactionTestCase):
    def test_a_code_submitted_twice_at_once_votes_once(self):
        p = build_personas()
        e = make(p)
        services.go_live(actor=p.org_admin, evaluation=e)
        _, codes = services.issue_codes(
            actor=p.org_admin, evaluation=e, voter_class=e.voter_classes.get(), count=1
        )
        answers = {str(e.subjects.get().pk): cadre_vote("excellent")}
        barrier, outcomes = threading.Barrier(4), []

        def submit():
            try:
                barrier.wait()
                services.cast_ballot(code=codes[0], answers=answers)
                outcomes.append("ok")
            except BallotRefused as refused:
                outcomes.append(str(refused))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(outcomes.count("ok"), 1, outcomes)
        self.assertTrue(all("已经使用过" in o for o in outcomes if o != "ok"))
        self.assertEqual(Ballot.objects.count(), 1)
        self.assertEqual(BallotCode.objects.get().state, "used")
