"""How Chinese surnames are read, where that differs from the character's everyday reading.

pypinyin gives each character its most common reading, and a surname is often read otherwise:
曾 is "céng" in a sentence but "Zēng" as a name, 单 "dān" but "Shàn", 尉迟 "wèichí" but "Yùchí".
A receptionist types the name as it is said, so the search index (``search_text.py``) holds the
surname readings below as well as the everyday one. docs/clients.md, "Finding a client".

``SINGLE`` maps a one-character surname to its readings as a surname, the most usual first;
``COMPOUND`` maps a two-character surname to its syllables. Only surnames whose reading differs
from pypinyin's first reading (or that have two readings in use) are listed; for every other
character the everyday reading is the surname's.
"""

from __future__ import annotations

SINGLE: dict[str, tuple[str, ...]] = {
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "区": ("ou",),
    "仇": ("qiu",),
    "查": ("zha",),
    "覃": ("qin", "tan"),
    "朴": ("piao",),
    "盖": ("ge", "gai"),
    "缪": ("miao",),
    "翟": ("zhai", "di"),
    "秘": ("bi",),
    "乐": ("yue", "le"),
    "员": ("yun",),
    "种": ("chong",),
    "繁": ("po",),
    "召": ("shao",),
    "尉": ("wei", "yu"),
    "句": ("gou",),
    "宓": ("mi", "fu"),
    "洗": ("xian",),
    "都": ("du",),
    "折": ("she",),
    "能": ("nai",),
    "阚": ("kan",),
    "蕃": ("pi",),
    "隗": ("wei",),
    "祭": ("zhai",),
    "郇": ("huan", "xun"),
    "薄": ("bo",),
    "柏": ("bai", "bo"),
    "牟": ("mou", "mu"),
    "藏": ("zang",),
    "重": ("chong",),
    "卜": ("bu",),
    "贲": ("ben", "bi"),
    "粘": ("nian",),
    "乜": ("nie",),
    "长": ("chang",),
    "莘": ("shen", "xin"),
    "盛": ("sheng", "cheng"),
    "奇": ("qi", "ji"),
    "黑": ("hei", "he"),
    "沈": ("shen",),
    "殷": ("yin",),
}

COMPOUND: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "万俟": ("mo", "qi"),
    "澹台": ("tan", "tai"),
    "乐正": ("yue", "zheng"),
    "长孙": ("zhang", "sun"),
}
