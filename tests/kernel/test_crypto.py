"""chanjiao.crypto: field encryption of personal data (AES-256-GCM, HKDF-derived keys)."""

from __future__ import annotations

import pytest

from chanjiao.crypto import VERSION, DecryptionError, FieldCipher, derive_key, field_cipher

SECRET = "a-service-secret-of-at-least-thirty-two-characters"
PHONE = "13812345678"


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(derive_key(SECRET, "test/purpose"))


class TestDeriveKey:
    def test_deterministic_32_bytes(self):
        assert derive_key(SECRET, "p") == derive_key(SECRET.encode(), "p")
        assert len(derive_key(SECRET, "p")) == 32

    def test_purpose_and_secret_separate_keys(self):
        keys = {derive_key(SECRET, "a"), derive_key(SECRET, "b"), derive_key(SECRET + "x", "a")}
        assert len(keys) == 3
        assert SECRET.encode() not in keys

    def test_empty_secret_refused(self):
        with pytest.raises(ValueError):
            derive_key("", "p")

    def test_key_length_checked(self):
        with pytest.raises(ValueError):
            FieldCipher(b"short")
        with pytest.raises(ValueError):
            FieldCipher(derive_key(SECRET, "p"), previous=(b"short",))


class TestRoundTrip:
    @pytest.mark.parametrize("text", [PHONE, "", "王建华 · 身份证 11010519491231002X", "🙂" * 100])
    def test_round_trip(self, cipher, text):
        token = cipher.encrypt(text, context="ctx")
        assert cipher.decrypt(token, context="ctx") == text

    def test_token_layout_and_no_clear_text(self, cipher):
        token = cipher.encrypt(PHONE, context="ctx")
        assert token[:1] == VERSION
        assert len(token) == 1 + 12 + len(PHONE) + 16  # version, nonce, ciphertext, GCM tag
        assert PHONE.encode() not in token and PHONE[-4:].encode() not in token[13:]

    def test_every_encryption_uses_a_fresh_nonce(self, cipher):
        tokens = {cipher.encrypt(PHONE, context="ctx") for _ in range(20)}
        assert len(tokens) == 20

    def test_accepts_memoryview_from_the_database(self, cipher):
        token = cipher.encrypt(PHONE, context="ctx")
        assert cipher.decrypt(memoryview(token), context="ctx") == PHONE  # type: ignore[arg-type]


class TestRefusals:
    def test_other_context_does_not_decrypt(self, cipher):
        token = cipher.encrypt(PHONE, context="membership.people.phone:1")
        with pytest.raises(DecryptionError):
            cipher.decrypt(token, context="membership.people.phone:2")

    def test_other_key_does_not_decrypt(self, cipher):
        token = cipher.encrypt(PHONE, context="ctx")
        with pytest.raises(DecryptionError):
            FieldCipher(derive_key(SECRET, "other/purpose")).decrypt(token, context="ctx")

    @pytest.mark.parametrize("position", [0, 5, 20, -1])
    def test_tampering_is_detected(self, cipher, position):
        token = bytearray(cipher.encrypt(PHONE, context="ctx"))
        token[position] ^= 0x01
        with pytest.raises(DecryptionError):
            cipher.decrypt(bytes(token), context="ctx")

    @pytest.mark.parametrize("token", [b"", b"\x01", b"\x02" + bytes(40), VERSION + bytes(20)])
    def test_malformed_tokens(self, cipher, token):
        with pytest.raises(DecryptionError):
            cipher.decrypt(token, context="ctx")

    def test_errors_and_repr_reveal_nothing(self, cipher):
        token = cipher.encrypt(PHONE, context="ctx")
        with pytest.raises(DecryptionError) as exc:
            cipher.decrypt(token, context="other")
        assert PHONE not in str(exc.value) and "ctx" not in str(exc.value)
        assert repr(cipher) == "FieldCipher(<keys hidden>)"


class TestRotation:
    def test_previous_keys_still_decrypt_and_new_tokens_use_the_current_one(self):
        old = FieldCipher(derive_key("old-secret", "p"))
        token = old.encrypt(PHONE, context="ctx")
        rotated = field_cipher("new-secret", "p", previous=("old-secret",))
        assert rotated.decrypt(token, context="ctx") == PHONE
        fresh = rotated.encrypt(PHONE, context="ctx")
        with pytest.raises(DecryptionError):
            old.decrypt(fresh, context="ctx")
        assert field_cipher("new-secret", "p").decrypt(fresh, context="ctx") == PHONE


def test_field_cipher_is_cached_per_secret_and_purpose():
    assert field_cipher(SECRET, "p") is field_cipher(SECRET, "p")
    assert field_cipher(SECRET, "p") is not field_cipher(SECRET, "q")
    token = field_cipher(SECRET, "p").encrypt(PHONE, context="c")
    assert FieldCipher(derive_key(SECRET, "p")).decrypt(token, context="c") == PHONE


def test_a_rotated_personal_data_key_still_reads_old_ciphertext():
    from chanjiao.crypto import field_cipher

    old = field_cipher("o" * 40, "membership/personal-data")
    token = old.encrypt("13812345678", context="person:1")
    rotated = field_cipher("n" * 40, "membership/personal-data", ("o" * 40,))
    assert rotated.decrypt(token, context="person:1") == "13812345678"


def test_encrypt_many_gives_tokens_that_decrypt_in_their_own_context(cipher):
    items = [(PHONE, "ctx:1"), ("110105188001010017", "ctx:2"), (PHONE, "ctx:3")]
    tokens = cipher.encrypt_many(items)
    assert [cipher.decrypt(t, context=c) for t, (_, c) in zip(tokens, items, strict=True)] == [p for p, _ in items]
    assert len({t[1:13] for t in tokens}) == 3  # a fresh nonce each
    with pytest.raises(DecryptionError):
        cipher.decrypt(tokens[0], context="ctx:3")
    assert cipher.encrypt_many([]) == []
