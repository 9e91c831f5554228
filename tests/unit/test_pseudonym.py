from bot.pseudonym import client_id_for, pseudonym


def test_pseudonyms_are_stable_per_key_and_differ_between_keys() -> None:
    assert pseudonym(7, "key-a") == pseudonym(7, "key-a")
    assert pseudonym(7, "key-a") != pseudonym(7, "key-b")
    assert pseudonym(7, "key-a") != pseudonym(8, "key-a")
    assert pseudonym(7, "key-a").startswith("c-") and len(pseudonym(7, "key-a")) == 12


def test_a_pseudonym_leads_back_only_with_the_key() -> None:
    name = pseudonym(42, "secret")
    assert client_id_for(name, [1, 42, 99], "secret") == 42
    assert client_id_for(name, [1, 42, 99], "other") is None
