"""Issue 22: the encoding of a client export is detected (charset-normalizer among a few encodings),
or chosen; a file that is not text in it is refused with the reason, never read as mojibake."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from desk_app.clients.importer import (
    ENCODINGS,
    ImportFileError,
    canonical_encoding,
    decode_bytes,
    detect_encoding,
    read_table,
    readability,
)

CP1252_CSV = "Name,Phone,Email\nHélène Andréa,13812345678,helene@example.com\n"


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_cp1252_file_is_read_as_cp1252_not_as_gbk_mojibake(tmp_path: Path) -> None:
    data = CP1252_CSV.encode("cp1252")
    assert data.decode("gb18030").startswith("Name")  # the old fallback read it without an error...
    assert "H閘鑞e Andr閍" in data.decode("gb18030")  # ...as this
    table = read_table(_file(tmp_path, "clients.csv", data))
    assert table.encoding == "cp1252"
    assert table.rows[0][0] == "Hélène Andréa"
    # one short name alone, where GBK fits the bytes just as well
    assert decode_bytes("Hélène Andréa".encode("cp1252")) == ("Hélène Andréa", "cp1252")


def test_cp1252_with_a_word_final_accent_is_read_too(tmp_path: Path) -> None:
    """``é`` before a comma is no GBK byte pair: the old import refused the whole file."""
    text = "Name,Phone\nRenée,13812345678\nZoë Lefèvre,13812345679\nJosé Peña,13812345670\n"
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb18030")
    table = read_table(_file(tmp_path, "c.csv", data))
    assert (table.encoding, [r[0] for r in table.rows]) == ("cp1252", ["Renée", "Zoë Lefèvre", "José Peña"])


def test_gb18030_files_stay_gb18030(tmp_path: Path) -> None:
    assert decode_bytes("姓名".encode("gbk")) == ("姓名", "gb18030")  # 4 bytes: Big5 fits them too
    text = "姓名;手机号;备注\n张三;13812340001;VIP\n欧阳娜娜;13812340003;\n陈美丽;13812340004;染发\n"
    table = read_table(_file(tmp_path, "gbk.csv", text.encode("gb18030")))
    assert table.encoding == "gb18030" and [r[0] for r in table.rows] == ["张三", "欧阳娜娜", "陈美丽"]
    # a big file of one rare-ish name charset-normalizer alone finds too messy ("20 % chaos")
    many = "姓名,手机号\n" + "".join(f"欧阳娜娜,138{i:08d}\n" for i in range(2000))
    assert read_table(_file(tmp_path, "many.csv", many.encode("gb18030"))).encoding == "gb18030"


def test_big5_and_shift_jis_files(tmp_path: Path) -> None:
    big5 = "姓名,電話\n陳美麗,0912345678\n林志偉,0922333444\n張惠妹,0933444555\n"
    table = read_table(_file(tmp_path, "tw.csv", big5.encode("big5")))
    assert table.encoding == "big5" and table.rows[0][0] == "陳美麗"
    sjis = "名前,電話\n山田花子,09012345678\n佐藤さくら,08011112222\n"
    table = read_table(_file(tmp_path, "jp.csv", sjis.encode("shift_jis")))
    assert table.encoding == "shift_jis" and table.rows[1][0] == "佐藤さくら"


def test_utf16_with_a_bom_and_utf8_with_or_without_one(tmp_path: Path) -> None:
    text = "Name\tPhone\nHélène Andréa\t13812345678\n张三\t13812340001\n"
    table = read_table(_file(tmp_path, "unicode.txt", text.encode("utf-16")))  # Excel's "Unicode text"
    assert table.encoding == "utf-16" and table.delimiter == "\t"
    assert [r[0] for r in table.rows] == ["Hélène Andréa", "张三"]
    be = _file(tmp_path, "be.csv", codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    assert read_table(be).rows[1][0] == "张三"
    for name, data in (("sig.csv", text.encode("utf-8-sig")), ("plain.csv", text.encode("utf-8"))):
        table = read_table(_file(tmp_path, name, data))
        assert table.encoding == "utf-8-sig" and table.headers[0] == "Name"  # the BOM is not in the header
        assert table.rows[0][0] == "Hélène Andréa"


def test_valid_utf8_is_utf8_without_asking_charset_normalizer(monkeypatch: pytest.MonkeyPatch) -> None:
    import charset_normalizer

    def no_guessing(*_a: object, **_k: object) -> object:
        raise AssertionError("UTF-8 was guessed at")

    monkeypatch.setattr(charset_normalizer, "from_bytes", no_guessing)
    assert detect_encoding("Hélène Andréa,张三".encode()) == "utf-8-sig"
    assert detect_encoding(codecs.BOM_UTF8 + b"Name") == "utf-8-sig"
    with pytest.raises(AssertionError, match="guessed"):  # the patch is in force for other files
        detect_encoding("Hélène".encode("cp1252"))


def test_a_chosen_encoding_is_used_and_a_wrong_one_says_where(tmp_path: Path) -> None:
    path = _file(tmp_path, "c.csv", CP1252_CSV.encode("cp1252"))
    assert read_table(path, "latin-1").rows[0][0] == "Hélène Andréa"
    assert read_table(path, "gb18030").rows[0][0] == "H閘鑞e Andr閍"  # what staff asked for
    with pytest.raises(ImportFileError, match=r"cannot be read as UTF-8: line 2 .*nothing was imported"):
        read_table(path, "utf-8")
    with pytest.raises(ImportFileError, match="Unknown encoding klingon"):
        read_table(path, "klingon")


def test_encoding_names_staff_may_type() -> None:
    assert [canonical_encoding(n) for n in ("AUTO", "utf8", "UTF-8", "gbk", "GB2312", "windows-1252")] == [
        "auto",
        "utf-8-sig",
        "utf-8-sig",
        "gb18030",
        "gb18030",
        "cp1252",
    ]
    assert [canonical_encoding(n) for n in ("latin1", "ISO-8859-1", "sjis", "big5")] == [
        "latin-1",
        "latin-1",
        "shift_jis",
        "big5",
    ]
    assert all(canonical_encoding(e) == e for e in ENCODINGS)
    with pytest.raises(ImportFileError, match="Unknown encoding euc-kr"):
        canonical_encoding("euc-kr")


def test_bytes_no_encoding_reads_are_refused_not_guessed() -> None:
    rng = random.Random(3)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(400))
    with pytest.raises(ImportFileError, match="encoding was not recognised"):
        decode_bytes(noise)


def test_readability_tells_names_from_mojibake() -> None:
    assert readability("Hélène Andréa, Zoë Müller", "cp1252") == 1.0
    assert readability("H閘鑞e Andr閍", "gb18030") == 0.0  # Latin glued to Chinese
    assert readability("ÐÕÃû,ÊÖ»úºÅ", "cp1252") == 0.0  # 姓名,手机号 in GBK read as cp1252
    assert readability("§õ©É¦t", "cp1252") == 0.0  # Big5 read as cp1252: signs in runs
    assert readability("张三 欧阳娜娜", "gb18030") == 1.0
    assert readability("俷靡", "big5") < 1.0  # 姓名 in GBK read as Big5: a rare character
    assert readability("Anna, 13812345678", "cp1252") == 1.0  # nothing to judge
