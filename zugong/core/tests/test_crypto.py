import pytest

from zugong.core import crypto

CTX = "people.person.id_number"
NUMBER = "110101198005171233"


@pytest.fixture
def ring():
    return crypto.KeyRing.generate()


def test_it_round_trips_through_sm4_gcm(ring):
    token = crypto.encrypt(NUMBER, context=CTX, ring=ring)
    assert token.startswith("sm4gcm:1:")
    assert NUMBER not in token
    assert crypto.decrypt(token, context=CTX, ring=ring) == NUMBER


def test_it_uses_a_fresh_nonce_every_time(ring):
    assert crypto.encrypt(NUMBER, context=CTX, ring=ring) != crypto.encrypt(NUMBER, context=CTX, ring=ring)


def test_it_refuses_a_value_moved_to_another_column(ring):
    token = crypto.encrypt(NUMBER, context=CTX, ring=ring)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="people.person.phone", ring=ring)


def test_it_refuses_a_tampered_ciphertext(ring):
    token = crypto.encrypt(NUMBER, context=CTX, ring=ring)
    prefix, kid, body = token.split(":", 2)
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{kid}:{flipped}", context=CTX, ring=ring)


def test_it_refuses_another_key(ring):
    token = crypto.encrypt(NUMBER, context=CTX, ring=ring)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context=CTX, ring=crypto.KeyRing.generate())


def test_it_decrypts_old_ciphertexts_after_a_new_key_is_added(ring):
    old = crypto.encrypt(NUMBER, context=CTX, ring=ring)
    rotated = crypto.KeyRing(
        data_keys={**ring.data_keys, "2": b"k" * 16}, current="2", index_key=ring.index_key
    )
    new = crypto.encrypt(NUMBER, context=CTX, ring=rotated)
    assert crypto.key_id_of(new) == "2"
    assert (
        crypto.decrypt(old, context=CTX, ring=rotated)
        == NUMBER
        == crypto.decrypt(new, context=CTX, ring=rotated)
    )


def test_it_gives_a_stable_blind_index_per_column(ring):
    a = crypto.blind_index(NUMBER, context=CTX, ring=ring)
    assert a == crypto.blind_index(NUMBER, context=CTX, ring=ring)
    assert len(a) == 64 and NUMBER not in a
    assert a != crypto.blind_index(NUMBER, context="people.person.phone", ring=ring)
    assert a != crypto.blind_index(NUMBER, context=CTX, ring=crypto.KeyRing.generate())


def test_it_keeps_empty_values_empty(ring):
    assert crypto.encrypt("", context=CTX, ring=ring) == ""
    assert crypto.blind_index("", context=CTX, ring=ring) == ""


def test_it_writes_the_key_file_readable_by_its_owner_only(tmp_path, ring):
    path = crypto.write_key_file(ring, tmp_path / "keys.json")
    assert path.stat().st_mode & 0o077 == 0
    assert crypto.KeyRing.from_json(path.read_text()) == ring
