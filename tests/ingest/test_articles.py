from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import ArticleError, InvalidArgumentError
from qa.ingest.articles import (
    ScanResult,
    Skipped,
    decode_bytes,
    parse_article_text,
    read_article,
    scan_archive,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

SEED_HEADERS = {
    "000_8acc33fc03b76885": (
        "Jing Junhai han Jun held talks with Xu Zhijun, rotating chairman of Huawei",
        dt.date(2022, 5, 29),
        None,
        "On February 17, Jing Junhai, Secretary of CPC Provincial Committee,",
    ),
    "001_75a8eb6acca57ea7": (
        "Jing Junhai: expedite the construction of the ecosystem of electronic information "
        "industry to inject new impetus into the new path of revitalization and development",
        dt.date(2020, 6, 29),
        "JL.gov",
        "On June 28, Jing Junhai, deputy secretary of the CPC Jilin Provincial Committee",
    ),
    "002_b7002ee26ad1e5c6": (
        "2023 China Automobile Innovation Conference and Jilin Province Automobile Industry "
        "Innovation Day Opens",
        dt.date(2023, 7, 24),
        None,
        "July 23 marked an important day for the third anniversary",
    ),
    "003_999e1e7306369b4b": (
        "Municipal government signs strategic cooperation agreement with CEC",
        None,
        None,
        "On July 14, Nanjing Municipal People’s Government and China Electronics",
    ),
    "004_298f5d365e12d248": (
        "Mayor Wang Ji to Jilin high-tech zone research",
        dt.date(2024, 6, 5),
        None,
        "On June 3, Mayor Wang Ji visited Jilin High-tech Zone",
    ),
}
FURNITURE = [
    "Editors in charge",
    "Graphic design",
    "An accelerator for your business",
    "Head Office",
    "News serves as a comprehensive source",
    "Municipal government\n",
    "2022-05-29",
    "来源",
    "\u00a0",
]


@pytest.fixture(scope="module")
def seeds() -> ScanResult:
    return scan_archive(SEEDS)


# --- the seeds ------------------------------------------------------------------------------


@pytest.mark.parametrize("article_id", sorted(SEED_HEADERS))
def test_seed_title_date_source_and_first_sentence(seeds: ScanResult, article_id: str) -> None:
    title, date, source, first_words = SEED_HEADERS[article_id]
    article = next(a for a in seeds.articles if a.id == article_id)
    assert article.title == title
    assert article.date == date
    assert article.source == source
    assert article.body.startswith(first_words)
    for furniture in FURNITURE:
        assert furniture not in article.body
    assert article.body == article.body.strip()
    assert "\n\n\n" not in article.body


def test_seed_records_path_and_hash_of_raw_bytes(seeds: ScanResult) -> None:
    assert [a.id for a in seeds.articles] == sorted(SEED_HEADERS)
    assert seeds.skipped == ()
    for article in seeds.articles:
        raw = Path(article.path).read_bytes()
        assert article.content_hash == hashlib.sha256(raw).hexdigest()
        assert Path(article.path) == SEEDS / f"{article.id}.txt"


def test_seed_bodies_keep_glued_sentences_and_chinese_fragments(seeds: ScanResult) -> None:
    bodies = {a.id: a.body for a in seeds.articles}
    assert "in Changchun.Jing Junhai and Han Jun" in bodies["000_8acc33fc03b76885"]
    assert "operation。Vice Mayor Cui Zhigang" in bodies["004_298f5d365e12d248"]
    assert "Wangji emphasis,要深入贯彻习近平总书记" in bodies["004_298f5d365e12d248"]
    assert bodies["002_b7002ee26ad1e5c6"].endswith("player in the global automotive industry.")
    assert bodies["003_999e1e7306369b4b"].endswith("high-quality development of the economy.")


def test_seed_paragraphs_are_separated_by_one_blank_line(seeds: ScanResult) -> None:
    body = next(a.body for a in seeds.articles if a.id == "001_75a8eb6acca57ea7")
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[1].startswith("At the meeting, heads the Provincial Industry")
    assert all(p == p.strip() for p in paragraphs)


# --- headers on literals --------------------------------------------------------------------


def test_title_date_and_byline_without_name() -> None:
    article = parse_article_text("A title\n\n2022-05-29 0 By\n\nThe body. Two sentences.")
    assert (article.title, article.date, article.source) == ("A title", dt.date(2022, 5, 29), None)
    assert article.body == "The body. Two sentences."


def test_source_after_non_breaking_spaces() -> None:
    article = parse_article_text("A title\n2020-06-29\u00a0\u00a0\u00a0\u00a0 JL.gov\nBody text.")
    assert (article.date, article.source, article.body) == (
        dt.date(2020, 6, 29),
        "JL.gov",
        "Body text.",
    )


def test_title_on_the_date_line() -> None:
    article = parse_article_text(
        " date 2023-07-24 2023 Auto Conference Opens in Changchun\n\nIt opened."
    )
    assert article.title == "2023 Auto Conference Opens in Changchun"
    assert article.date == dt.date(2023, 7, 24)
    assert article.body == "It opened."


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("来源:\u00a0\u00a0 时间: 2024-06-05 07:33", None),
        ("来源：吉林日报  时间：2024-06-05 07:33", "吉林日报"),
        ("2024年6月5日 来源: 新华社", "新华社"),
        ("Published: June 5, 2024 | By Li Wei", "Li Wei"),
        ("Source: Xinhua | 2024-06-05 | Views: 1234", "Xinhua"),
    ],
)
def test_labelled_date_lines(line: str, source: str | None) -> None:
    article = parse_article_text(f"Mayor visits the zone\n\n{line}\n\nThe mayor came.")
    assert article.title == "Mayor visits the zone"
    assert article.date == dt.date(2024, 6, 5)
    assert article.source == source
    assert article.body == "The mayor came."


def test_file_without_date_has_date_none() -> None:
    article = parse_article_text("Mayor visits the zone\n\nOn June 3, 2024 the mayor came.")
    assert article.date is None
    assert article.body == "On June 3, 2024 the mayor came."


def test_generic_lead_paragraph_and_section_label_are_dropped() -> None:
    text = (
        "Our portal brings you the latest updates on policy, business and culture. "
        "Stay informed with reliable reporting every single day of the week.\n\n"
        "City signs agreement with Huawei\n\nLocal news\n\n"
        "On July 14, the city signed an agreement."
    )
    article = parse_article_text(text)
    assert article.title == "City signs agreement with Huawei"
    assert article.body == "On July 14, the city signed an agreement."


def test_specific_first_paragraph_without_title_is_kept_as_body() -> None:
    text = "On July 14, Nanjing signed an agreement with CEC in Beijing. It was the fifth one."
    article = parse_article_text(text)
    assert article.body == text
    assert article.title == text


def test_breadcrumb_is_dropped() -> None:
    text = "Home > News > Local\n\nMayor visits the zone\n\n2024-06-05\n\nThe mayor came."
    article = parse_article_text(text)
    assert (article.title, article.body) == ("Mayor visits the zone", "The mayor came.")


def test_markdown_heading_is_a_title() -> None:
    article = parse_article_text("# Mayor visits the zone\n\n2024-06-05\n\nThe mayor came.")
    assert article.title == "Mayor visits the zone"


# --- body cleaning on literals --------------------------------------------------------------


def test_trailing_site_furniture_is_dropped() -> None:
    text = (
        "Title\n\n2024-01-02\n\nThe mayor came to the zone and met the workers there.\n\n"
        "(Editor: Li Wei)\n【责任编辑：王迪】\nCopyright © 2024 Jilin Daily. All rights reserved.\n"
        "Contact us\n\nScan the QR code to follow your city news.\n\n\nHome | About\n"
        "【打印本页】【关闭窗口】\n"
    )
    assert parse_article_text(text).body == "The mayor came to the zone and met the workers there."


def test_short_only_paragraph_is_not_mistaken_for_furniture() -> None:
    assert parse_article_text("Title\n\n2024-01-02\n\nShort note").body == "Short note"


def test_indentation_and_unusual_spaces_are_normalised() -> None:
    text = "Title\n\n\u00a0\u00a0First\u00a0\u00a0line.\u00a0\n\u3000\u3000Second\tline.\r\n"
    assert parse_article_text(text).body == "First line.\n\nSecond line."


def test_hard_wrapped_lines_are_joined() -> None:
    text = "Title\n\nThe mayor came to the zone\nand met the workers.\nThey talked."
    assert (
        parse_article_text(text).body
        == "The mayor came to the zone and met the workers.\n\nThey talked."
    )


def test_title_without_body_is_an_error() -> None:
    with pytest.raises(ArticleError, match="no body text after cleaning"):
        parse_article_text("Only a title\n\n2024-01-02 JL.gov\n", path="x.txt")


# --- files ----------------------------------------------------------------------------------


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


CHINESE = "吉林市长王吉调研高新区\n\n2024-06-05\n\n6月3日，市长王吉到吉林高新区调研重点项目建设。"
LATIN = (
    "Café opens in Montréal\n\n2021-03-04\n\nThe café opened its doors to visitors, à la française."
)


def test_gbk_file_is_decoded(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, "gbk.txt", CHINESE.encode("gbk")))
    assert article.title == "吉林市长王吉调研高新区"
    assert article.body == "6月3日，市长王吉到吉林高新区调研重点项目建设。"


def test_latin1_file_is_decoded(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, "latin.txt", LATIN.encode("latin-1")))
    assert article.title == "Café opens in Montréal"
    assert article.body.endswith("à la française.")


def test_utf8_with_bom_and_crlf(tmp_path: Path) -> None:
    data = "\ufeffTitle\r\n\r\n2024-01-02\r\n\r\nBody text.\r\n".encode()
    article = read_article(write(tmp_path, "bom.txt", data))
    assert (article.title, article.body) == ("Title", "Body text.")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\r\n ", "empty file"),
        (bytes(range(256)) * 4, "binary file"),
        (bytes(range(1, 256)) * 4, "binary file"),
        (bytes(range(0x80, 0x100)) * 4, "unknown text encoding"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(ArticleError, match=reason) as info:
        read_article(path)
    assert info.value.path == path


def test_decode_bytes_refuses_latin1_that_reads_as_mojibake() -> None:
    with pytest.raises(ArticleError, match="unknown text encoding"):
        decode_bytes("ÿþýüûúùø÷öõôóòñðïîíìëêéèçæåäãâáàß".encode("latin-1") * 10)


def test_file_ids_use_relative_path_under_root(tmp_path: Path) -> None:
    path = write(tmp_path, "2024/june/report.md", b"Title\n\nBody text.")
    assert read_article(path, root=tmp_path).id == "2024/june/report"
    assert read_article(path).id == "report"


def test_scan_archive_reports_every_skipped_file_and_indexes_the_rest(tmp_path: Path) -> None:
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
    dup = (SEEDS / "000_8acc33fc03b76885.txt").read_text(encoding="utf-8").replace("\n", "\n\n  ")
    write(tmp_path, "zz_copy.txt", dup.encode())
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "binary.txt", bytes(range(256)) * 8)
    write(tmp_path, "gbk.txt", CHINESE.encode("gbk"))
    write(tmp_path, "latin.md", LATIN.encode("latin-1"))
    write(tmp_path, "nodate.txt", b"A title\n\nThe body has no date.")
    write(tmp_path, "notes.pdf", b"%PDF-1.4")
    write(tmp_path, ".hidden.txt", b"Secret\n\nHidden body.")
    write(tmp_path, ".cache/x.txt", b"Secret\n\nHidden body.")
    with open(tmp_path / "huge.txt", "wb") as f:  # sparse: 50 MB on paper, nothing on disk
        f.seek(50_000_000)
        f.write(b"x")

    started = time.perf_counter()
    result = scan_archive(tmp_path)
    assert time.perf_counter() - started < 3

    assert [a.id for a in result.articles] == [*sorted(SEED_HEADERS), "gbk", "latin", "nodate"]
    assert next(a for a in result.articles if a.id == "nodate").date is None
    assert sorted(result.skipped, key=lambda s: s.path) == [
        Skipped(str(tmp_path / "binary.txt"), "binary file, not text"),
        Skipped(str(tmp_path / "empty.txt"), "empty file"),
        Skipped(str(tmp_path / "huge.txt"), "larger than 10 MB limit (50.0 MB)"),
        Skipped(str(tmp_path / "notes.pdf"), "unsupported file type .pdf (expected .txt or .md)"),
        Skipped(str(tmp_path / "zz_copy.txt"), "duplicate of 000_8acc33fc03b76885"),
    ]


def test_scan_archive_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        scan_archive(tmp_path / "nope")
    write(tmp_path, "file.txt", b"x")
    with pytest.raises(InvalidArgumentError, match="is not a folder"):
        scan_archive(tmp_path / "file.txt")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "",
                "",
                "Mayor visits the zone",
                "2024-06-05 JL.gov",
                "来源:\u00a0 时间: 2024-06-05 07:33",
                "  On June 3, the mayor came.Then he left。Next",
                "Head Office",
                "(Editors in charge: Wang Diyuan)",
                "Our site gives you the latest news about everything that matters every day.",
                "\u00a0\u00a0indented line of text without a stop",
            ]
        ),
        max_size=12,
    )
)
def test_any_arrangement_of_lines_parses_or_fails_cleanly(lines: list[str]) -> None:
    try:
        article = parse_article_text("\n".join(lines))
    except ArticleError as exc:
        assert exc.reason == "no body text after cleaning"
        return
    assert article.body == article.body.strip() != ""
    assert "\n\n\n" not in article.body and "\u00a0" not in article.body
    assert article.title and "\n" not in article.title


def test_body_paragraphs_that_start_with_a_date_are_kept() -> None:
    text = (
        "Facebook buys Instagram\n\n2012-04-09\n\n"
        "Apr 9, 2012 ... Facebook announced today that it has reached an agreement to acquire "
        "Instagram, a popular photo-sharing app for mobile devices.\n\n"
        "Sep 24, 2019 ... Instagram has become a key fixture of Facebook's growth, and the deal "
        "now looks cheap.\n"
    )
    article = parse_article_text(text)
    assert article.title == "Facebook buys Instagram"
    assert article.date == dt.date(2012, 4, 9)
    assert article.body.startswith("Apr 9, 2012 ... Facebook announced")
    assert "Sep 24, 2019 ... Instagram" in article.body
