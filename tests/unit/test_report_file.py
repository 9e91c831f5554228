import json

from scripts.report_file import write_section


def test_sections_merge_by_key_and_replace_their_own(tmp_path) -> None:
    path = tmp_path / "reports" / "eval.json"
    write_section("nlu", {"accuracy": 0.8}, path=path)
    write_section("care", {"advice": 1}, path=path)
    write_section("care", {"advice": 0}, path=path)
    assert json.loads(path.read_text()) == {"nlu": {"accuracy": 0.8}, "care": {"advice": 0}}


def test_a_half_written_report_is_started_again(tmp_path) -> None:
    path = tmp_path / "eval.json"
    path.write_text('{"nlu": ')
    write_section("values", {"f1": 0.9}, path=path)
    assert json.loads(path.read_text()) == {"values": {"f1": 0.9}}
