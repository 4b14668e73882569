"""Encrypted columns survive key rotation; an unknown key is a clear error, not garbage."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from wuye_core.common import encryption
from wuye_core.tenancy.key_rotation import rotate_all_keys

ID_CARD = "11010519491231002X"


@pytest.fixture
def keys(wuye_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    encryption.configure_encryption(old, "unused")
    yield old, new
    settings = wuye_app.config["WUYE"]
    encryption.configure_encryption(settings.encryption_keys, settings.secret_key)


def test_rotation_moves_values_to_the_new_key(wuye_app, wuye_make_tenant, wuye_register, keys):
    old, new = keys
    t = wuye_make_tenant("acme")
    ids = wuye_register(t)
    url = f"/api/v1/residents/{ids['resident']}"
    assert t.admin.patch(url, json={"id_card": ID_CARD}).status_code == 200

    encryption.configure_encryption(f"{new},{old}", "unused")  # new key first, old still readable
    assert t.admin.get(url).get_json()["id_card_masked"] == "110***********002X"
    with wuye_app.app_context():
        assert rotate_all_keys() == 1

    encryption.configure_encryption(new, "unused")  # the old key is gone: values still readable
    assert t.admin.get(url).get_json()["id_card_masked"] == "110***********002X"


def test_a_value_under_an_unknown_key_is_reported(keys):
    old, new = keys
    token = encryption.encrypt("secret")
    encryption.configure_encryption(new, "unused")
    with pytest.raises(RuntimeError, match="WUYE_ENCRYPTION_KEYS"):
        encryption.decrypt(token)
