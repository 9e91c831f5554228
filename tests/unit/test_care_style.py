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


@pytest.mark.parametrize(
    ("reply", "codes"),
    [
        ("Tell me more about that.", ["open_question"]),
        ("Are you sleeping okay?", ["closed_question"]),
        ("Is that something you want?", ["closed_question"]),
        ("On one hand, you love your kids; on the other, some days you're overwhelmed.",
         ["reflection"]),
        ("You could try writing it down.", ["advice"]),
        ("It might help to take a break.", ["advice"]),
        ("Have you thought about calling her?", ["advice"]),
        ("Don't worry, it will work out.", ["advice"]),
        ("That took real effort on your part.", ["affirmation"]),
        ("I'm a computer program.", ["other"]),
    ],
)
def test_each_behaviour_has_its_code(reply: str, codes: list[str]) -> None:
    assert [c.code for c in code_reply(reply)] == codes


@pytest.mark.parametrize(
    ("client", "reply", "is_complex"),
    [
        # Carrying the client's words back, even long ones with "and", is a simple reflection.
        ("I lost my job and my rent is due", "So you lost your job and your rent is due.", False),
        ("I went to the store", "It sounds like you went to the store.", False),
        # Words the client used themselves add nothing of the companion's.
        ("it's been heavy and I'm carrying it alone",
         "It sounds like it's been heavy and you're carrying it alone.", False),
        # Meaning, feeling or emphasis the companion adds makes it complex.
        ("I lost my job", "It sounds like you lost your job, and that's a lot to carry.", True),
        ("my mom won't call me back",
         "It sounds like your mom won't call you back, and it's been weighing on you.", True),
        ("I want to quit but I need the money",
         "On one hand, you want to quit; on the other, you need the money.", True),
        ("I finally got my license back",
         "You finally got your license back, and it sounds like that means a lot to you.", True),
    ],
)
def test_complexity_comes_from_the_companions_own_words(
    client: str, reply: str, is_complex: bool
) -> None:
    [coded] = code_reply(reply, client_text=client)
    assert (coded.code, coded.complex) == ("reflection", is_complex)


def test_the_clients_own_words_carried_back_are_not_advice() -> None:
    client = "my landlord says I have to be out by Friday"
    reply = "It sounds like your landlord says you have to be out by Friday, and that's a lot."
    assert [c.code for c in code_reply(reply, client_text=client)] == ["reflection"]
    # The same words are advice when the companion says them of its own accord.
    assert [c.code for c in code_reply("You have to be out by Friday.", client_text="hi")] == [
        "advice"
    ]
    assert not is_mi_consistent("You have to call her.", client_text="my sister is mad at me")


def test_own_words_drop_what_the_client_said() -> None:
    from bot.care_style import own_words

    assert own_words("So you lost your job, and that hurts.", "I lost my job") == "so | and that hurts"


def test_the_clients_words_carried_back_are_a_reflection_however_they_start() -> None:
    client = "Lately I've been so tired I can barely get up"
    [coded] = code_reply("Lately you've been so tired you can barely get up.", client_text=client)
    assert (coded.code, coded.complex) == ("reflection", False)
    # Without the client's message the same sentence has no reflection's shape.
    assert [c.code for c in code_reply("Lately you've been so tired.")] == ["other"]
    assert [c.code for c in code_reply("The weather is nice.", client_text=client)] == ["other"]


@pytest.mark.parametrize(
    "reply",
    [
        "Your kids really matter to you.",
        "There's a lot of heart in the way you talk about your mom.",
        "Staying clean is close to your heart.",
        "After everything, not feeling afraid means a great deal to you.",
    ],
)
def test_reflections_of_what_a_value_means_are_complex(reply: str) -> None:
    [coded] = code_reply(reply, client_text="my kids and my mom and staying clean")
    assert (coded.code, coded.complex) == ("reflection", True)


def test_you_do_not_have_to_is_not_advice_in_spanish() -> None:
    from bot.care_style import code_reply

    assert [c.code for c in code_reply("No tienes que cargar con esto a solas.")] == ["other"]
    assert [c.code for c in code_reply("Tienes que llamar a tu mamá.")] == ["advice"]
