import pytest

from bot.care_style import code_reply, is_mi_consistent


@pytest.mark.parametrize(
    ("reply", "codes"),
    [
        ("It sounds like you lost your job, and that's a lot to carry.", ["reflection"]),
        ("So your landlord wants you out. That sounds really heavy.", ["reflection"]),
        ("What has been the hardest part of it?", ["open_question"]),
        ("How did that go for you?", ["open_question"]),
        ("Did you go to the meeting?", ["closed_question"]),
        ("You went to your meeting. That took real effort on your part.",
         ["reflection", "affirmation"]),
        ("You should call your sponsor.", ["advice"]),
        ("Have you tried going for a walk?", ["advice"]),
        ("Make sure you get some sleep tonight.", ["advice"]),
        ("Why don't you talk to your landlord?", ["advice"]),
        ("Deberías hablar con tu trabajadora.", ["advice"]),
        ("The weather is nice.", ["other"]),
    ],
)
def test_replies_are_coded_by_behaviour(reply: str, codes: list[str]) -> None:
    assert [c.code for c in code_reply(reply)] == codes


def test_complex_reflections_add_meaning_beyond_the_words() -> None:
    [simple] = code_reply("So you went to the store.")
    [complex_] = code_reply("It sounds like you went to the store, and it's been weighing on you.")
    assert (simple.code, simple.complex) == ("reflection", False)
    assert (complex_.code, complex_.complex) == ("reflection", True)


def test_mi_consistency_flags_any_advice() -> None:
    assert is_mi_consistent("It sounds like today was hard. What helped?")
    assert not is_mi_consistent("That sounds hard. You need to rest more.")
