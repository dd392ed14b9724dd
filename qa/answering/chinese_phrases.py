"""Chinese phrases: names as jieba tags them, titles and quotes, venues, amounts and units.

A Chinese sentence has no capitals and no spaces, so the shapes ``phrases`` reads in English
say little here: names are the words jieba tags as a person, place or organisation (a foreign
name joined across its middle dot, 凯尔·内斯), a work's title or a slogan is what title marks
or quotes hold (《长津湖》, “一起向未来”), a venue is the place between 在 and the verb that holds
an event there (在吉林市世纪广场开幕). A Chinese question names the unit of the amount it wants
(多少吨, 几座; 多长 a length, 总投资 money: ``asked_units``), and writes what an amount measures
right before it (设计时速250公里: ``left_share``).
"""

from __future__ import annotations

import logging
import re

from qa.answering.entities import Mention
from qa.index.lexical import CJK
from qa.search.question import QuestionInfo

# The units a Chinese amount is written with, longest first ("人次" before "人").
CHINESE_UNITS = (
    "美元|元|公斤|千克|吨|斤|个月|个|家|人次|人|户|次|亩|公顷|平方米|平方公里|立方米|公里|千米|米|"
    "千瓦时|千瓦|倍|项|件|辆|台|座|所|套|条|张|场|架|艘|列|例|支|名|位|枚|颗"
    "|微克/立方米|标准箱|岁|小时|分钟|秒|天|年|级|届|部|本|首|只|头|块|点"
)
# The place between 在 and the verb that holds an event there (在莫斯科卢日尼基体育场进行).
_VENUE = re.compile(
    r"在([^，。；、：！？,;:\s在于将]{2,16}?)(?:隆重)?"
    r"(?:举办|举行|召开|开幕|闭幕|开展|进行|落幕|启动|开赛|揭幕|亮相)"
)
_QUOTED = re.compile(r"《([^《》]{1,30})》|“([^“”]{1,20})”")


def chinese_venues(text: str) -> list[Mention]:
    """Where Chinese ``text`` holds an event: 吉林市世纪广场 of 在吉林市世纪广场开幕."""
    return [Mention(v.group(1), v.start(1), v.end(1)) for v in _VENUE.finditer(text)]


def quoted(text: str) -> list[Mention]:
    """What Chinese ``text`` holds in title marks or quotes, without them."""
    return [
        Mention(m.group(g), m.start(g), m.end(g))
        for m in _QUOTED.finditer(text)
        for g in (1, 2)
        if m.group(g)
    ]


def chinese_names(text: str, tags: frozenset[str]) -> list[Mention]:
    """The words of Chinese ``text`` that jieba tags with one of ``tags`` (徐直军 as a person,
    长春市 as a place); adjacent ones are one name, and so are a foreign name's parts joined by
    a middle dot (凯尔·内斯), however jieba tags or cuts the part after it (安娜·谢尔巴科娃)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    out: list[Mention] = []
    ends: dict[int, int] = {}  # where each word that starts at an offset ends
    flags: dict[int, str] = {}  # the tag of each word that starts at an offset
    at = 0
    for pair in jieba.posseg.cut(text, HMM=True):
        start, at = at, at + len(pair.word)
        ends[start], flags[start] = at, pair.flag
        if pair.flag not in tags:
            continue
        if out and out[-1].end == start:
            out[-1] = Mention(text[out[-1].start : at], out[-1].start, at)
        else:
            out.append(Mention(pair.word, start, at))
    if "nr" in tags:
        out = [_whole_given_name(text, m, ends, flags) for m in out]
    joined: list[Mention] = []
    for m in out:
        if joined and m.start < joined[-1].end:
            continue  # a part of the name before it
        end = m.end
        while end < len(text) and text[end] in _NAME_DOTS and CJK.match(text[end + 1 : end + 2]):
            end = ends.get(end + 1, end + 1)
            while end in ends and ends[end] == end + 1 and _NAME_TAIL.match(text[end]):
                end += 1  # jieba cut a syllable off: 阿尔巴尼|斯
            while end < len(text) and text[end] in _SOUNDS and end - m.start < 16:
                end += 1  # jieba cut the name into words: 谢|尔巴|科娃
        joined.append(Mention(text[m.start : end], m.start, end))
    return joined


def _whole_given_name(
    text: str, m: Mention, ends: dict[int, int], flags: dict[int, str]
) -> Mention:
    """A Chinese name jieba cut short of three characters (罗致|焕, 王|海|鸰), run on through
    the single characters after it when the last of them is a bound morpheme (a tag ending in
    "g": 焕 vg, 鸰 zg), which stands in a text only as part of a word; none may be a
    function word (在, 和, 的: ``_FUNCTION_TAGS``)."""
    if len(m.text) >= 3 or not CJK.match(m.text):
        return m
    end = m.end
    while end - m.start < 3 and ends.get(end) == end + 1:
        flag = flags[end]
        if not CJK.match(text[end]) or flag.rstrip("g") in _FUNCTION_TAGS:
            break
        end += 1
        if flag.endswith("g") and len(flag) > 1:
            return Mention(text[m.start : end], m.start, end)
    return m


# jieba's tags of function words, numerals and symbols (a name never runs on into them).
_FUNCTION_TAGS = frozenset(
    (
        "p",
        "c",
        "u",
        "uj",
        "ul",
        "uz",
        "ud",
        "ug",
        "uv",
        "f",
        "r",
        "d",
        "m",
        "q",
        "x",
        "y",
        "e",
        "o",
        "w",
        "",
    )
)


_NAME_DOTS = "·・•"
# The characters foreign names are written with in Chinese (the transliteration table's most
# common ones): a name after a middle dot runs on through them.
_SOUNDS = frozenset(
    "阿埃艾爱安奥巴芭拜班邦贝本比彼毕波伯博布查达戴丹道德迪蒂丁杜顿多厄恩法凡菲费芬弗福夫"
    "盖冈戈格根古哈海汉豪赫亨胡霍基吉加贾杰金卡凯坎康科克肯库奎拉莱兰朗劳勒雷蕾里利莉丽"
    "廉林琳伦罗洛鲁路吕马玛迈麦曼梅蒙米密莫姆穆纳娜奈内妮尼宁纽努诺欧帕佩彭皮普奇齐乔"
    "切琴琼丘萨塞桑瑟森沙莎尚舍施斯松苏索塔泰坦汤特提汀图托瓦万威韦维温沃乌伍西希锡夏"
    "谢辛休雅亚耶伊因尤约泽扎詹朱卓兹佐娃尔娅"
)
# A single character that may end a transliterated name (not a particle or a verb after it).
_NAME_TAIL = re.compile(
    r"[\u4e00-\u9fff](?<![的在是和与等于为将已被把从对向也都还就又并而及或了着过获称说])"
)


# The units of a time asked for by 多长时间, 多久 or a race's 成绩.
_DURATION = frozenset(("小时", "分钟", "秒", "天", "年", "个月"))
# The unit a Chinese amount question asks in: said ("多少吨", "几座") or implied by its noun.
_UNIT_SAID = re.compile(rf"(?:多少|几)(?:万|亿|千|百)*({CHINESE_UNITS})")
_UNITS_IMPLIED = (
    (re.compile(r"多长时间|多久|用时|耗时|历时|时长|成绩"), _DURATION),
    (re.compile(r"多长(?!时间)|长度|全长|主跨|里程"), frozenset(("米", "公里", "千米"))),
    (re.compile(r"多大|面积|占地"), frozenset(("平方米", "平方公里", "亩", "公顷"))),
    (re.compile(r"增速|增长|增幅|涨幅|降幅|比重|占比|[^频效]率"), frozenset(("%",))),
    (
        re.compile(
            r"投资|金额|总额|规模|出口|进口|产值|gdp|总量|收入|营收|社零|消费|成交额|票房|利润"
        ),
        frozenset(("元", "美元")),
    ),
    (re.compile(r"游客|人次|接待"), frozenset(("人次", "人"))),
    (re.compile(r"产量|总产"), frozenset(("吨", "斤", "公斤"))),
)
_UNIT_END = re.compile(rf"(%|{CHINESE_UNITS})$")


_CLAUSE_END = re.compile(r"[，。；：！？,;:!?（）()]")


LEFT_CHARS = 8  # how far before an amount ``left_share`` reads


def left_share(text: str, m: Mention, question: QuestionInfo) -> float:
    """The weighted share of the question's terms in the ``LEFT_CHARS`` characters before
    ``m``, within its clause: in Chinese what an amount measures is written right before it
    (设计时速250公里, 出口4387.5亿元)."""
    left = text[max(0, m.start - LEFT_CHARS) : m.start]
    cut = [x.end() for x in _CLAUSE_END.finditer(left)]
    left = left[cut[-1] :] if cut else left
    total = question.total_weight
    if not total or not left:
        return 0.0
    return sum(t.weight for t in question.terms if t.stem in left) / total


def asked_units(question: str) -> frozenset[str]:
    """The units a Chinese amount question asks in ("吨" for 多少吨, "米" for 多长, "元" for
    总投资); empty for a question in English or one that does not say."""
    if not CJK.search(question):
        return frozenset()
    said = _UNIT_SAID.search(question)
    if said:
        return frozenset((said.group(1),))
    lowered = question.lower()
    return frozenset().union(*(u for p, u in _UNITS_IMPLIED if p.search(lowered)))


def unit_of(amount: str) -> str:
    found = _UNIT_END.search(amount)
    return found.group(1) if found else ""


# A Chinese question for a work: a film, a book, a song (its answer is written in 《》).
WORK_QUESTION = re.compile(r"哪部|电影|影片|作品|小说|歌曲|专辑|电视剧|纪录片")
