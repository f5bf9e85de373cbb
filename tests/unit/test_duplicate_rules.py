"""Which two profiles may be one person (desk_app/domain/duplicates.py): each reason found where it
should be and not where it should not, strongest first, and the owner's "two people" respected."""

from __future__ import annotations

from datetime import date

from desk_app.domain.duplicates import Person, find_pairs, name_similarity


def _pairs(people: list[Person], **kw: object) -> list[tuple[int, int, tuple[str, ...]]]:
    return [(p.low_id, p.high_id, p.reasons) for p in find_pairs(people, **kw)]  # type: ignore[arg-type]


def test_each_reason() -> None:
    people = [
        Person(1, "Ann Lee", "", "8613800000001", "ann@example.com"),
        Person(2, "Lee Ann", "", "8613800000001"),  # the same phone
        Person(3, "Annie", "", "", "ANN@example.com "),  # the same e-mail, another case
        Person(4, "Bob Stone", "", "13900001234"),  # the same last eight digits, no country code...
        Person(5, "Bob Stone", "", "8613900001234"),  # ...and with it
        Person(6, "Hélène Andréa", "", "33611112222", birthday=date(1990, 3, 5)),
        Person(7, "Helene Andrea", "", "33699998888", birthday=date(1990, 3, 5)),  # accents and all
        Person(8, "张伟", "zhangwei", "13712345678"),
        Person(9, "章伟", "zhangwei", "13587655678"),  # sounds the same, same phone ending
        Person(10, "张伟", "zhangwei", "13511112222"),  # the same pinyin, nothing else: two people
        Person(11, "Walk In", "", ""),
        Person(12, "walk  in", "", "", ""),  # the same name, typed twice without details
        Person(13, "Ava Lim", "", "8613500000013"),
        Person(14, "ava lim", "", "8613600000014"),  # an uncommon name, another phone
        Person(15, "王芳", "wangfang", "8613500000015"),
        Person(16, "王芳", "wangfang", "8613600000016"),  # a common name alone: two people
    ]
    got = _pairs(people)
    assert (1, 2, ("phone",)) in got
    assert (1, 3, ("email",)) in got
    assert (4, 5, ("phone_tail",)) in got
    assert (6, 7, ("name_birthday",)) in got
    assert (8, 9, ("pinyin",)) in got
    assert (11, 12, ("name",)) in got
    assert (13, 14, ("same_name",)) in got
    assert not any({a, b} == {15, 16} for a, b, _r in got)
    assert not any({a, b} & {10} for a, b, _r in got)  # 张伟 with only the pinyin in common
    assert not any({a, b} == {4, 6} for a, b, _r in got)
    scores = [p.score for p in find_pairs(people)]
    assert scores == sorted(scores, reverse=True) and scores[0] >= 100


def test_several_reasons_rank_higher_and_two_people_stay_apart() -> None:
    people = [
        Person(1, "Mia Chen", "", "8613800000011", "mia@example.com", date(1991, 1, 1)),
        Person(2, "Mia Chen", "", "8613800000011", "mia@example.com", date(1991, 1, 1)),
        Person(3, "Tom Wu", "", "8613800000022"),
        Person(4, "Tom Wu", "", "8613800000022"),
    ]
    first, second = find_pairs(people)
    assert (first.low_id, first.reasons) == (1, ("phone", "email", "name_birthday")) and first.score == 110
    assert second.score == 100 and second.reasons == ("phone",)
    assert _pairs(people, not_same=[(2, 1)]) == [(3, 4, ("phone",))]
    assert len(find_pairs(people, limit=1)) == 1


def test_name_similarity_ignores_order_case_and_accents() -> None:
    assert name_similarity("Ann Lee", "lee ann") == 100
    assert name_similarity("Hélène", "HELENE") == 100
    assert name_similarity("王芳", "王芳") == 100 and name_similarity("王芳", "李娜") == 0
    assert name_similarity("Ann Lee", "Bob Stone") < 50


def test_a_big_shop_is_grouped_not_compared_pair_by_pair() -> None:
    """50,000 profiles with a handful of doubles: only the doubles come back (a pairwise scan would
    take minutes; the groups take about a second)."""
    people = [Person(i, f"Client {i}", "", f"86139{i:08d}", f"c{i}@example.com") for i in range(1, 50_001)]
    people.append(Person(50_001, "Client 77", "", "8613900000077"))
    assert _pairs(people) == [(77, 50_001, ("phone",))]
