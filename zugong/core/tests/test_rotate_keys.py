"""密钥轮换: after ``rotate_keys`` every ciphertext carries the new key and decrypts, search still works,
and old keys are dropped only when nothing uses them."""

from __future__ import annotations

import os
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from zugong.core import crypto
from zugong.core.models import AuditEvent
from zugong.core.testing import HOME_ADDRESS, build_personas
from zugong.people.filters import PersonFilter
from zugong.people.models import Person

COLUMNS = ("id_number_enc", "phone_enc", "home_address_enc")


class KeyFileTestCase(TestCase):
    """Runs with a key file of its own, restored after each test (the database rolls back, the file not)."""

    @classmethod
    def setUpClass(cls):
        cls._dir = tempfile.TemporaryDirectory()
        cls.key_file = Path(cls._dir.name) / "keys.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZUGONG_DATA_KEY")}
        env.pop("ZUGONG_INDEX_KEY", None)
        env["ZUGONG_KEY_FILE"] = str(cls.key_file)
        cls._env = mock.patch.dict(os.environ, env, clear=True)
        cls._env.start()
        crypto.reset_keyring_cache()
        crypto.write_key_file(crypto.KeyRing.generate(), cls.key_file)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls._env.stop()
        crypto.reset_keyring_cache()
        cls._dir.cleanup()

    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()

    def setUp(self):
        self._saved = self.key_file.read_text()

    def tearDown(self):
        crypto.write_key_file(crypto.KeyRing.from_json(self._saved), self.key_file)
        crypto.reset_keyring_cache()

    def rotate(self, *args):
        out = StringIO()
        call_command("rotate_keys", *args, stdout=out)
        crypto.reset_keyring_cache()
        return out.getvalue()

    def key_ids(self):
        return {
            crypto.key_id_of(t) for col in COLUMNS for t in Person.objects.values_list(col, flat=True) if t
        }

    def find(self, q):
        return list(PersonFilter({"q": q}, queryset=Person.objects.all()).qs.values_list("name", flat=True))


class RotateKeysTest(KeyFileTestCase):
    def test_it_reencrypts_every_ciphertext_under_the_new_key(self):
        number = self.p.alice.reveal_id_number()
        old_tokens = set(Person.objects.values_list("id_number_enc", flat=True))
        self.assertEqual(self.key_ids(), {"1"})
        self.rotate()
        ring = crypto.keyring()
        self.assertEqual((ring.current, sorted(ring.data_keys)), ("2", ["1", "2"]))
        self.assertEqual(self.key_ids(), {"2"})
        self.assertFalse(old_tokens & set(Person.objects.values_list("id_number_enc", flat=True)))
        alice = Person.objects.get(pk=self.p.alice.pk)
        self.assertEqual(
            (alice.reveal_id_number(), alice.reveal_phone(), alice.reveal_home_address()),
            (number, "13800138000", HOME_ADDRESS),
        )
        self.assertEqual(self.find(number), ["王小红"])
        event = AuditEvent.objects.filter(event="key_rotation").latest("id")
        self.assertEqual(event.detail["key_id"], "2")
        self.assertEqual(event.detail["rows"]["people.person"], Person.objects.count())

    def test_it_replaces_the_index_key_and_recomputes_every_index(self):
        number = self.p.carol.reveal_id_number()
        old_hashes = set(Person.objects.values_list("id_number_hash", flat=True))
        old_index_key = crypto.keyring().index_key
        self.rotate("--rotate-index-key", "--batch-size", "2")
        self.assertNotEqual(crypto.keyring().index_key, old_index_key)
        self.assertFalse(old_hashes & set(Person.objects.values_list("id_number_hash", flat=True)))
        self.assertEqual(self.find(number), ["张晓梅"])
        self.assertEqual(
            sorted(self.find("13800138000")), sorted(Person.objects.values_list("name", flat=True))
        )

    def test_it_drops_old_keys_only_when_no_ciphertext_uses_them(self):
        # A new current key, but nothing re-encrypted yet (as after an interrupted rotation).
        ring = crypto.keyring()
        crypto.write_key_file(
            crypto.KeyRing(
                data_keys={**ring.data_keys, "2": b"k" * 16}, current="2", index_key=ring.index_key
            ),
            self.key_file,
        )
        crypto.reset_keyring_cache()
        with self.assertRaisesMessage(CommandError, "仍有密文使用旧密钥"):
            self.rotate("--drop-old")
        self.assertEqual(sorted(crypto.keyring().data_keys), ["1", "2"])
        self.rotate()
        self.assertEqual(self.key_ids(), {"3"})
        self.rotate("--drop-old")
        ring = crypto.keyring()
        self.assertEqual((ring.current, list(ring.data_keys)), ("3", ["3"]))
        self.assertEqual(Person.objects.get(pk=self.p.bob.pk).reveal_phone(), "13800138000")
        self.assertEqual(
            AuditEvent.objects.filter(event="key_rotation").latest("id").detail, {"dropped_keys": ["1", "2"]}
        )

    def test_it_prints_the_new_ring_when_keys_come_from_the_environment(self):
        ring = crypto.keyring()
        with mock.patch.dict(os.environ, {"ZUGONG_DATA_KEYS": f"1:{ring.data_keys['1'].hex()}",
                                          "ZUGONG_INDEX_KEY": ring.index_key.hex()}):  # fmt: skip
            crypto.reset_keyring_cache()
            out = self.rotate()
            lines = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("ZUGONG_"))
        self.assertEqual(lines["ZUGONG_DATA_KEY_CURRENT"], "2")
        self.assertTrue(lines["ZUGONG_DATA_KEYS"].startswith(f"1:{ring.data_keys['1'].hex()},2:"))
        self.assertEqual(self.key_file.read_text(), self._saved)  # the key file is not touched
        with mock.patch.dict(os.environ, {k: lines[k] for k in lines}):
            crypto.reset_keyring_cache()
            self.assertEqual(self.key_ids(), {"2"})
            self.assertEqual(Person.objects.get(pk=self.p.bob.pk).reveal_phone(), "13800138000")


def test_it_keeps_the_audit_chain_verifiable_across_an_index_key_rotation(tmp_path, monkeypatch, db):
    """The audit chain has its own key: rotating the data and index keys leaves it verifiable."""
    from django.core.management import call_command

    from zugong.core import audit, crypto

    monkeypatch.setenv("ZUGONG_KEY_FILE", str(tmp_path / "keys.json"))
    crypto.write_key_file(crypto.KeyRing.generate(), tmp_path / "keys.json")
    crypto.reset_keyring_cache()
    try:
        audit.record_event(actor=None, event="before_rotation")
        call_command("rotate_keys", "--rotate-index-key", verbosity=0)
        audit.record_event(actor=None, event="after_rotation")
        call_command("audit_verify", verbosity=0)
    finally:
        crypto.reset_keyring_cache()
