import pytest

from actions.reflection_es import flip_perspective, reflective_words


@pytest.mark.parametrize(
    ("text", "flipped"),
    [
        ("perdí mi trabajo y tengo miedo", "perdiste tu trabajo y tienes miedo"),
        ("Me siento sola", "Te sientes sola"),
        ("mi jefe me gritó", "tu jefe te gritó"),
        ("tengo que mudarme", "tienes que mudarte"),
        ("hoy trabajé con mis hijos", "hoy trabajaste con tus hijos"),
        ("como siempre, así es", "como siempre, así es"),
        ("el café está aquí", "el café está aquí"),
    ],
)
def test_first_person_becomes_tu(text: str, flipped: str) -> None:
    assert flip_perspective(text) == flipped


def test_a_bare_feeling_becomes_a_clause() -> None:
    assert reflective_words("muy triste", feeling=True) == "te sientes muy triste"
    assert reflective_words("muy triste") == "muy triste"


def test_fillers_are_trimmed_and_long_messages_cut_at_a_clause() -> None:
    assert reflective_words("Bueno, estoy harta de todo jaja") == "estás harta de todo"
    long = ("fui a la reunión del martes con mi hija y después fuimos a comer algo y luego "
            "volvimos a casa muy tarde")
    words = reflective_words(long)
    assert words is not None and len(words.split()) <= 16 and words.startswith("fuiste a la reunión")


def test_a_single_word_is_not_reflected() -> None:
    assert reflective_words("hola") is None
