import pytest

from webapp.greeting import MAX_NAME_LENGTH, greeting_line, normalise_name


def test_default_greeting_names_the_service():
    assert greeting_line() == "hello from python-web"


def test_personal_greeting():
    assert greeting_line("  Ada   Lovelace ") == "hello Ada Lovelace, from python-web"


def test_empty_name_is_rejected():
    with pytest.raises(ValueError):
        normalise_name("   ")


def test_long_names_are_capped():
    assert len(normalise_name("x" * 500)) == MAX_NAME_LENGTH
