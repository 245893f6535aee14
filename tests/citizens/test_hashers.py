"""Passwords are stored with Argon2id at OWASP's parameters; older PBKDF2 hashes still log in
and are upgraded."""

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings

from citizens.hashers import OwaspArgon2PasswordHasher

PRODUCTION_HASHERS = [
    "citizens.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]


def test_production_default_is_argon2id_at_owasp_parameters():
    from loos.settings import base

    assert base.PASSWORD_HASHERS == PRODUCTION_HASHERS
    assert settings.PASSWORD_HASHERS  # the test settings use a fast hasher instead


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_new_passwords_are_argon2id_19_mib_2_passes_1_lane():
    encoded = make_password("un mot de passe solide")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(identify_hasher(encoded), OwaspArgon2PasswordHasher)
    assert check_password("un mot de passe solide", encoded)
    assert not check_password("un autre", encoded)


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_an_old_pbkdf2_hash_still_works_and_is_upgraded():
    old = make_password("ancien mot de passe", hasher="pbkdf2_sha256")
    upgraded = []
    assert check_password("ancien mot de passe", old, setter=upgraded.append)
    assert upgraded == ["ancien mot de passe"]
