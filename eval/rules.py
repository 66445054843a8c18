"""A rule-based METRIC/VALUE/UNIT tagger: the baseline the model is compared with.

It is a *tagger* in the sense of :mod:`inference.extract` (``texts -> [(spans, None), ...]``),
so ``Extractor(RuleTagger())`` builds its records with the same linker as the model.
The rules, what a careful engineer writes in a day from the annotation guide:

- **VALUE**: the numbers :func:`data.numbers.find_numbers` finds (Arabic, full-width and
  Chinese numerals, 万/亿, 余/多, 百分之X, ranges), minus what the guide never tags:
  calendar expressions (2018年, 8月31日, 一季度), identifiers (〔2020〕3号, phone numbers,
  postcodes, URLs, codes), enumerators ((三), 1、) and numbers inside names (十九大,
  12345热线): a number counts only with a unit after it, as 百分之X, before a clause end,
  as a member of a list whose last member counts, or as part of a ratio 6.01:55.04:38.95.
- **UNIT**: the longest unit of a fixed list right after the number (spaces allowed):
  个百分点, 个工作日, 人次, 美元, %, 条, 件 … ; 年 and 日 only as durations (连续三年, 30日内).
- **METRIC**: the noun phrase right before the value in its clause, found with jieba:
  qualifiers, totalisers, change verbs and time words next to the value are skipped
  (接近, 共, 同比增长, 全年), then words are taken back to the first verb of action, time
  word, place, pronoun, preposition or punctuation (全年共发布【工作动态】252条). A quoted
  name stands alone (“【同意公开答复】”781件). With nothing there, the noun phrase after a
  measure word is taken (开放410个【数据集】). No metric after 占 (a share of the whole).

Tuned on generated data and on the annotation guide only, never on the dev gold.

>>> tagger = RuleTagger()
>>> text = "2018年全年共发布工作动态252条,浏览量接近七十万次,占49.9%。"
>>> [(text[s.start:s.end], s.label) for s in tagger([text])[0][0]]   # doctest: +NORMALIZE_WHITESPACE
[('工作动态', 'METRIC'), ('252', 'VALUE'), ('条', 'UNIT'), ('浏览量', 'METRIC'), ('七十万', 'VALUE'),
 ('次', 'UNIT'), ('49.9', 'VALUE'), ('%', 'UNIT')]
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Sequence

from data.lexicon import FAMILIES, NON_QUALIFIERS, QUALIFIERS_AFTER, QUALIFIERS_BEFORE
from data.numbers import ParsedNumber, find_numbers
from data.schema import Span
from data.text import FULLWIDTH_DIGITS, TO_TRADITIONAL

logger = logging.getLogger(__name__)

__all__ = ["RuleTagger", "UNITS"]

# ---------------------------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------------------------

# Units of the genre: the generator's unit lists (what reports count in) plus common measure
# words. 年/月/日/号/届/季度/级 are not here: they name dates, ordinals and ranks far more often
# than amounts (durations in 年 and 日 are handled apart).
UNITS: tuple[str, ...] = tuple(sorted(
    ({u for family in FAMILIES.values() for u in family.units}
     | set("个 件 条 次 人 项 家 名 位 所 座 台 辆 部 篇 份 期 场 起 宗 户 批 本 册 页 处 类 种 例 封 "
          "套 栋 亩 吨 斤 公斤 克 千克 米 公里 千米 平方米 平方公里 立方米 公顷 岁 倍 天 周 小时 分钟 秒 "
          "个月 个工作日 工作日 个百分点 百分点 人次 户次 件次 车次 架次 元 美元 港元 欧元 千瓦时 "
          "万千瓦时 兆瓦 则 幅 首 集 部 门次 % ‰ ‱ ％".split()))
    - {"年", "月", "日", "号", "届", "季度", "级"},
    key=lambda u: (-len(u), u),
))
# A one-character unit that starts a word is no unit: 5部门 is five departments, not 5部.
_NOT_UNIT_WORDS = frozenset(
    "部门 部署 部分 单位 项目 台账 人员 人民 人口 人才 人大 名单 名称 个人 个别 家庭 家长 次数 次日 期间 期限 "
    "场所 场景 处理 处置 处室 类别 种类 件数 条例 条款 份额 批次 批复 批准 户籍 户口 起草 起诉 所有 所属 "
    "所在 本级 本年 本部 天然 元素 周年 周岁 周边 米粮 倍数 例外 本着 集中 集体 首页 首次 首批 首个 幅度 "
    "册数 页面 位于 位置 座谈 台阶 宗旨 宗教 篇幅 封面 次产".split())  # 次产: 三次产业

# Words around a number that make it an identifier (phone, postcode, code, address).
_IDENTIFIER_CONTEXT = re.compile(
    r"(?:电话|热线|传真|手机|邮编|邮政编码|号码|信箱|邮箱|联系方式|代码|编号|编码|网址|地址|QQ|微信号|文号)"
    r"(?:号码)?(?:为|是|：|:|\s)*$")
_URL_CHARS = re.compile(r"[A-Za-z0-9./:_\-@?=&#%]")

# Skipped between a metric and its value (right to left): qualifiers, totalisers, change
# verbs, time words, linking verbs.
_TRAIL_WORDS = frozenset(
    set(QUALIFIERS_BEFORE) | set(NON_QUALIFIERS)
    | set("增长 下降 增加 减少 提高 上升 降低 回落 下滑 扩大 收窄 加快 放缓 压缩 缩短 缩减 增幅 降幅 增速 "
          "平均 连续 实现 完成 实现了 完成了 达到了 提升 提速 缩小 降至 升至 减至 增至 同比 环比 "
          "比上年 较上年 比去年 较去年 比上年同期 较上年同期 比上年末 较上年末 相比 与上年相比 "
          "分别 为 是 有 了 达 至 到 在 保持 稳定 "
          "控制 维持在 占到 共有 总共 一共 合计为 累计达 高达 已达 全年 年内 当年 本年 今年 去年 上年 同期 "
          "各 均 都 已 已经 仍 再 又 还 亦 将近 超出 多达 仅 只 其中 另有 另外 此外 新 年均 平均每年".split())
)
# Verbs of action and other words that end a metric on its left (发布【工作动态】).
_STOP_WORDS = frozenset(
    "发布 收到 接收 受理 办理 处理 开展 组织 举办 召开 开通 开设 设置 设有 新增 增设 新建 建立 建成 完成 实现 "
    "提供 发放 印发 制定 出台 编制 转载 推送 更新 上传 报送 录入 推出 制作 梳理 取消 清理 审核 审查 核查 "
    "接待 接听 参加 参与 开放 共享 上线 部署 涉及 包括 产生 形成 拥有 录用 招聘 举行 下发 转发 编发 刊登 "
    "刊发 发出 收集 征集 回应 解答 解读 答复 回复 公布 发送 报道 播出 播放 出版 印制 印发 走访 检查 公开 "
    "公示 孵化 培育 通报 接到 收集 发现 整改 吸引 带动 服务 帮助 帮扶 惠及 覆盖 评选 认定 审批 核准 批准 "
    "查处 办结 督办 交办 转办 落实 推进 推动 加强 做好 及时 主动 依法 按时 按期 累计 合计 共计 总计 共 计 "
    "通过 经 在 对 向 于 从 由 将 把 被 按 按照 根据 围绕 针对 以及 和 及 与 或 并 并且 同时 其中 此外 另外 "
    "我 我局 我厅 我委 我办 本局 本厅 本委 本机关 本单位 本部门 各类 各项 各种 所有 全部 全市 全省 全县 全区 "
    "全国 全镇 全乡 全州 全盟 全旗 全年 其 该 此 这 那 占 的 了 等 之 以 为 是".split())
# Words that may stand alone as a metric though they are verbs (已【办结】3件, 【部分公开】12件).
_OUTCOMES = frozenset(
    "办结 答复 公开 部分公开 不予公开 予以公开 同意公开 不予处理 其他处理 撤回 驳回 维持 纠正 受理 转办 督办 "
    "交办 咨询 投诉 举报 留言 来电 来信 来访 信访 复议 诉讼 应诉 败诉".split())
# Heads that take the verb before them into the metric (办理时间, 答复时限, 处理结果).
_VERB_HEADS = ("时间", "时限", "时长", "用时", "周期", "期限", "结果", "效率", "率", "量")
# Words that never end a metric, whatever their part of speech (其他处理, 其余).
_NOT_STOPS = frozenset("其他 其它".split())
# POS tags that end a metric: time, numeral, pronoun, preposition, conjunction, particle,
# adverb, place, organisation, direction, measure word, punctuation, Latin.
_STOP_POS = frozenset({"t", "m", "r", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "d", "ns", "nt",
                       "f", "x", "eng", "y", "e", "o", "mq", "tg", "zg"})
# Agents end a metric: 省商务厅, 各级行政机关.
_AGENT_END = re.compile(r"..(厅|局|委|委员会|政府|机关|部门|单位|办公室|街道|办事处)$")
# A metric that is only one of these says nothing.
_EMPTY_METRICS = frozenset("工作 情况 方面 内容 范围 领域 其他 其它 数量 总数 总量 合计 总计 小计 事项数 数 量 个 项".split())
# Genre words jieba's dictionary splits (公开/申请 as verbs); added to a private dictionary.
_GENRE_WORDS = (
    "主动公开 依申请公开 政府信息 政务公开 政府信息公开 不予公开 部分公开 予以公开 同意公开 不予处理 "
    "浏览量 访问量 点击量 阅读量 回复率 办结率 满意率 公开率 行政复议 行政诉讼 网络申请 信函申请 当面申请 "
    "公开申请 依申请公开申请 数据集 政务新媒体 规范性文件 工作动态 办事指南 政策解读 新闻发布会 人大代表建议 "
    "政协提案 申请件 督办件 交办件 办件量 公众号 微信公众号 政务微博 政务微信 人均可支配收入"
).split()
_MAX_METRIC_WORDS = 6
_MAX_METRIC_CHARS = 16
_LOOK_BACK = 24  # characters of the clause looked at for a metric

_CLAUSE_END = "，,；;：:。！？!?\n"
_CLAUSE_END_RE = re.compile(f"[{_CLAUSE_END}]")
# Between a unit and the metric written after it: 86%的事项, 4件为不予公开, “…”.
_AFTER_GAP = re.compile(r"(?:的|为|是|属于)?[“「『]?")
# Units after which a following noun is no metric (durations, money, measures).
_NO_METRIC_AFTER = ("百分点", "天", "时", "钟", "秒", "周", "日", "月", "年", "元", "吨", "米", "亩", "倍")
# Between two members of a list (4.2、4.3和3.2): a separator, maybe a qualifier (和接近14.9%).
_LIST_GAP = re.compile(r"\s*(?:、|和|及|与|以及|或|,|，)\s*(?:"
                       + "|".join(sorted(QUALIFIERS_BEFORE, key=len, reverse=True)) + r")?\s*")
_OPEN_BRACKETS = "〔[【（(［〈《"
_CLOSE_BRACKETS = "〕]】）)］〉》"
_QUOTES = {"”": "“", "」": "「", "』": "『", "’": "‘", '"': '"'}
_CODE_SEPARATORS = "-/:：.·_"
# Traditional → simplified, one character for one, so word lists match 增長 as 增长.
_TO_SIMPLE = {v: k for k, v in TO_TRADITIONAL.items() if k != v}
_TRAIL_SORTED = tuple(sorted(_TRAIL_WORDS, key=len, reverse=True))
_TIME = r"(?:(?:各|前三|[一二三四1-4]|第[一二三四1-4])季度|上半年|下半年|全年|年内|当年|本年度?|今年|去年|上年|同期|年末|年底|年初)"
# A time word, or a list of them (一季度、上半年、前三季度和全年), right before the value.
_TRAILING_TIME = re.compile(rf"{_TIME}(?:(?:、|和|及|与|,|，)?{_TIME})*$")
_FOLD = str.maketrans(FULLWIDTH_DIGITS)
# 一季度, 二〇一八: Chinese numerals read as a date or a digit string.
_CN_DIGIT_STRING = re.compile(r"[〇零一二三四五六七八九]{4}")


@dataclass
class _Number:
    start: int
    end: int
    parsed: ParsedNumber
    unit: tuple[int, int] | None = None
    keep: bool = False


# ---------------------------------------------------------------------------------------------
# The tagger
# ---------------------------------------------------------------------------------------------


class RuleTagger:
    """Tag texts with regular expressions, the shared number parser and jieba.

    Call it with a list of texts; it returns one ``(spans, None)`` per text (no scores).
    jieba's dictionary is loaded on first use (about a second), in a private tokenizer,
    so jieba's global state is left alone.
    """

    name = "rules"

    def __init__(self) -> None:
        self._pos = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "RuleTagger()"

    # ---- jieba

    def _tokenizer(self):
        if self._pos is None:
            with self._lock:
                if self._pos is None:
                    import jieba
                    import jieba.posseg

                    logging.getLogger("jieba").setLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    pos = jieba.posseg.POSTokenizer(tokenizer)
                    for word in _GENRE_WORDS:
                        pos.add_word(word, freq=50000, tag="n")
                    self._pos = pos
        return self._pos

    def _words(self, text: str) -> list[tuple[str, str]]:
        return [(w.word, w.flag) for w in self._tokenizer().lcut(text)]

    def _last_word(self, text: str) -> str:
        # The last few characters are enough to see how the text ends.
        words = self._tokenizer().tokenizer.lcut(text[-6:])
        return words[-1] if words else ""

    # ---- API

    def __call__(self, texts: Sequence[str]) -> list[tuple[list[Span], None]]:
        return [(self.tag(text), None) for text in texts]

    def tag(self, text: str) -> list[Span]:
        """The spans of one text, sorted and non-overlapping."""
        # Rules and word lists are written in simplified characters; the conversion is one
        # character for one, so offsets into the copy are offsets into the text.
        text = text.translate(_TO_SIMPLE)
        numbers = self._numbers(text)
        spans: list[Span] = []
        for n in numbers:
            spans.append(Span(n.start, n.end, "VALUE"))
            if n.unit is not None:
                spans.append(Span(*n.unit, "UNIT"))
        taken = sorted((s.start, s.end) for s in spans)
        metrics: set[tuple[int, int]] = set()
        for k, n in enumerate(numbers):
            found = self._metric(text, numbers, k)
            if found is None or found in metrics:
                continue
            if any(found[0] < e and s < found[1] for s, e in taken):
                continue
            metrics.add(found)
            taken.append(found)
        spans += [Span(s, e, "METRIC") for s, e in metrics]
        return sorted(spans)

    # ---- values and units

    def _numbers(self, text: str) -> list[_Number]:
        found = []
        for s, e, p in find_numbers(text):
            if p.ok:
                found.append(_Number(s, e, p))
        for n in found:
            n.unit = _unit_after(text, n)
            n.keep = _is_quantity(text, n)
        # Lists (4.2、4.3和3.2个百分点) and ratios (6.01:55.04:38.95): decided right to left.
        for a, b in zip(reversed(found[:-1]), reversed(found[1:])):
            if a.keep or a.unit is not None or not b.keep or _is_identifier(text, a) or _is_calendar(text, a):
                continue
            if _LIST_GAP.fullmatch(text, a.end, b.start):
                a.keep = True
        _mark_ratios(text, found)
        return [n for n in found if n.keep]

    # ---- metrics

    def _metric(self, text: str, numbers: list[_Number], k: int) -> tuple[int, int] | None:
        n = numbers[k]
        lo = _clause_start(text, n.start)
        if k > 0:
            prev = numbers[k - 1]
            lo = max(lo, prev.unit[1] if prev.unit is not None else prev.end)
        lo = max(lo, n.start - _LOOK_BACK)
        before = self._metric_before(text, lo, n.start)
        if before == "share":
            return None
        if before is not None:
            return before
        return self._metric_after(text, numbers, k)

    def _metric_before(self, text: str, lo: int, hi: int) -> tuple[int, int] | str | None:
        """The metric ending just before ``hi`` (skipping qualifiers and the like), "share"
        after 占, or None."""
        simple = text[lo:hi]
        cut = _strip_trail(simple, self._last_word)
        head = simple[:cut]
        if head.endswith(("占", "占到")) or (head.endswith("的") and "占" in head):
            return "share"
        if not head.strip():
            return None
        # A quoted name: “同意公开答复”781件 → 同意公开答复.
        if head[-1] in _QUOTES:
            open_at = head.rfind(_QUOTES[head[-1]], 0, len(head) - 1)
            inner = (lo + open_at + 1, lo + len(head) - 1)
            if open_at >= 0 and 0 < inner[1] - inner[0] <= _MAX_METRIC_CHARS \
                    and not any(c in _CLAUSE_END for c in text[inner[0]:inner[1]]):
                return inner
            return None
        words = self._words(head)
        end = start = lo + len(head)
        count, joined, forced = 0, False, False
        for i in range(len(words) - 1, -1, -1):
            word, flag = words[i]
            if count >= _MAX_METRIC_WORDS or end - (start - len(word)) > _MAX_METRIC_CHARS:
                break
            if forced:  # the left conjunct of 和
                start -= len(word)
                count += 1
                forced = False
                continue
            # 城镇和农村居民人均可支配收入: one conjunction between two nouns stays inside.
            coordinated = word in ("和", "及", "与") and count > 0 and not joined and i > 0 \
                and _coordinable(*words[i - 1])
            # 平均办理时间, 办理时限: a verb before a head such as 时间 belongs to the metric.
            verb_head = count > 0 and word in _STOP_WORDS and len(word) >= 2 \
                and flag not in ("r", "p", "c", "d", "t", "ns", "nt") and text[start:end].startswith(_VERB_HEADS)
            if _stops(word, flag) and not (count == 0 and word in _OUTCOMES) and not coordinated \
                    and not verb_head:
                break
            joined = joined or coordinated
            forced = coordinated
            start -= len(word)
            count += 1
        return _finish_metric(text, start, end)

    def _metric_after(self, text: str, numbers: list[_Number], k: int) -> tuple[int, int] | None:
        """A noun phrase right after the value's unit: 开放410个【数据集】, 5宗【办结】."""
        n = numbers[k]
        if n.unit is None:
            return None
        unit = text[n.unit[0]:n.unit[1]]
        if unit in ("%", "％", "‰", "‱") or unit.endswith(_NO_METRIC_AFTER):
            return None
        pos = _AFTER_GAP.match(text, n.unit[1]).end()
        m = _CLAUSE_END_RE.search(text, pos)
        hi = m.start() if m else len(text)
        if k + 1 < len(numbers):
            hi = min(hi, numbers[k + 1].start)
        hi = min(hi, pos + _LOOK_BACK)
        words = self._words(text[pos:hi]) if hi > pos else []
        start = end = pos
        count = 0
        for word, flag in words:
            if count >= _MAX_METRIC_WORDS or end + len(word) - start > _MAX_METRIC_CHARS:
                break
            if word in _QUOTES.values() or word in _QUOTES:
                break
            if _stops(word, flag) and not (count == 0 and word in _OUTCOMES) or word in _TRAIL_WORDS:
                break
            end += len(word)
            count += 1
        return _finish_metric(text, start, end)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _strip_trail(simple: str, last_word) -> int:
    """Length of ``simple`` without the qualifiers, totalisers, change verbs and time words
    at its end (浏览量接近 → 浏览量, 收入比上年增长 → 收入). A one-character word is
    stripped only when it is a word of its own there (``last_word``: jieba's last word of a
    text), so 平均 keeps its 均."""
    cut = len(simple)
    while True:
        while cut and simple[cut - 1] in " \u3000\t":
            cut -= 1
        word = next((w for w in _TRAIL_SORTED if simple.endswith(w, 0, cut)
                     and (len(w) > 1 or last_word(simple[:cut]) == w)), None)
        if word is None:
            m = _TRAILING_TIME.search(simple, 0, cut)
            if m is None:
                return cut
            cut = m.start()
        else:
            if word in ("占", "占到"):
                return cut  # kept: it says the value is a share
            cut -= len(word)


def _coordinable(word: str, flag: str) -> bool:
    """A word that may stand left of 和 inside a metric (城镇 in 城镇和农村居民…)."""
    return len(word) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in word) and word not in _STOP_WORDS \
        and not _is_time_word(word) and flag in ("n", "ns", "nz", "vn", "nr", "an", "b", "l", "j")


def _stops(word: str, flag: str) -> bool:
    if word in _NOT_STOPS:
        return False
    if not word.strip() or word in _STOP_WORDS or flag in _STOP_POS or _is_time_word(word):
        return True
    if any(not ("\u4e00" <= c <= "\u9fff") for c in word):
        return True  # punctuation, digits, Latin
    return _AGENT_END.search(word) is not None


_TIME_WORD = re.compile(r"^(?:.*[年月]|.*季度|.*年度|上半年|下半年|全年|年内|今年|去年|当年|近年|目前|同期|期间|以来|以前|之前|此前|目前|现在|当前|近期)$")


def _is_time_word(word: str) -> bool:
    return bool(_TIME_WORD.match(word))


def _finish_metric(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim a candidate metric: no leading 的/各; a written head noun (数量, 金额) stays (docs/annotation.md)."""
    while start < end and text[start] in "的各该其之":
        start += 1
    if end - start < 2 or text[start:end] in _EMPTY_METRICS:
        return None
    return start, end


def _clause_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in _CLAUSE_END) + 1


def _unit_after(text: str, n: _Number) -> tuple[int, int] | None:
    """The unit right after a number (spaces allowed), as ``[start, end)``."""
    if n.parsed.unit is not None and not text[n.start:n.end].translate(_FOLD).rstrip("余多").endswith(("%", "‰", "‱")) \
            and text[n.start:n.end].lstrip("-负負").startswith(("百分之", "千分之", "佰分之", "仟分之", "万分之", "萬分之")):
        return None  # 百分之四十: one VALUE, no UNIT span
    pos = n.end
    while pos < len(text) and text[pos] in " \u3000\t":
        pos += 1
    for unit in UNITS:
        if text.startswith(unit, pos):
            if len(unit) == 1 and text[pos:pos + 2] in _NOT_UNIT_WORDS:
                continue
            return pos, pos + len(unit)
    if _is_duration(text, n, pos):
        return pos, pos + 1
    return None


def _is_duration(text: str, n: _Number, pos: int) -> bool:
    """连续三年, 30日内: 年 and 日 as units of a duration rather than a date."""
    c = text[pos:pos + 1]
    after = text[pos + 1:pos + 3]
    if c == "年":
        return not _year_like(text, n) and not after.startswith(_AFTER_YEAR)
    if c == "日":
        return not text[:n.start].rstrip().endswith("月") and (
            after.startswith(("内", "以内", "之内", "后")) or _DURATION_CONTEXT.search(text, max(0, n.start - 8), n.start))
    return False


# 一年来, 三年前, 2018年底: 年 followed by these is a time reference.
_AFTER_YEAR = ("来", "以来", "前", "后", "底", "初", "末", "度", "代", "级", "中", "里")
_DURATION_CONTEXT = re.compile(r"(?:时间|时限|用时|耗时|历时|周期|期限|缩短|压缩|提前|连续|平均)[^，,。；;]{0,4}$")


def _year_like(text: str, n: _Number) -> bool:
    value = n.parsed.value
    raw = text[n.start:n.end]
    return (isinstance(value, int) and 1900 <= value <= 2100) or bool(_CN_DIGIT_STRING.fullmatch(raw)) \
        or (len(raw) == 2 and raw.isdigit() and text[n.start - 1:n.start] in "'’")


def _is_calendar(text: str, n: _Number) -> bool:
    """2018年, 2009年2月, 8月31日, 一季度, 1-11月, 2018 (a bare year)."""
    after = text[n.end:n.end + 2]
    if after.startswith(("年", "月", "日", "号", "季度", "周年", "届", "时", "点")):
        return n.unit is None
    if n.unit is None and _year_like(text, n) and not text[n.start:n.end].startswith(("百分之", "千分之")):
        return True
    return False


def _is_identifier(text: str, n: _Number) -> bool:
    """Phone numbers, postcodes, document numbers, URLs, codes and dates written with dashes."""
    raw = text[n.start:n.end].translate(_FOLD)
    before, after = text[n.start - 1:n.start], text[n.end:n.end + 1]
    if before and before in _OPEN_BRACKETS and after and after in _CLOSE_BRACKETS:
        return True  # 〔2020〕, (三), (15395101094)
    if after in ("号", "#"):
        return True
    digits = raw.replace("-", "")
    if n.unit is None and digits.isdigit() and len(digits) >= 7 \
            and (digits[0] == "0" or (len(digits) == 11 and digits[0] == "1") or "-" in raw):
        return True
    if n.unit is None and _IDENTIFIER_CONTEXT.search(text, max(0, n.start - 12), n.start):
        return True
    # A token of Latin letters, digits and URL punctuation around the number.
    lo, hi = n.start, n.end
    while lo > 0 and _URL_CHARS.match(text[lo - 1]):
        lo -= 1
    while hi < len(text) and _URL_CHARS.match(text[hi]):
        hi += 1
    token = text[lo:hi]
    if re.search(r"[A-Za-z]{2,}|[/@]|[A-Za-z]\d|\d[A-Za-z]", token) and not re.fullmatch(r"[\d.,%]+", token):
        return True
    # Dates and codes: 2020-01-15, 10:30, 01/02 (a ratio is decided apart).
    if before and before in _CODE_SEPARATORS and n.start >= 2 and text[n.start - 2].translate(_FOLD).isdigit():
        return True
    if after and after in _CODE_SEPARATORS and n.end + 1 < len(text) and text[n.end + 1].translate(_FOLD).isdigit() \
            and after != ".":
        return True
    return False


def _is_enumerator(text: str, n: _Number) -> bool:
    """1、 (三) 2. at the start of a line or text."""
    before = text[:n.start].rstrip(" \u3000\t(（")
    after = text[n.end:n.end + 1]
    return (not before or before.endswith("\n")) and after in ("、", ".", "．", ")", "）", " ", "")


def _is_quantity(text: str, n: _Number) -> bool:
    """Does this number state an amount on its own (with a unit, as 百分之X, or before a clause end)?"""
    if _is_identifier(text, n) or _is_calendar(text, n):
        return False
    if n.unit is not None:
        return True
    if _is_enumerator(text, n):
        return False
    if n.parsed.unit is not None:
        return True  # 百分之四十
    rest = text[n.end:].lstrip(" \u3000")
    return not rest or rest[0] in "，,；;。！？!?）)\n" or rest.startswith(tuple(QUALIFIERS_AFTER[:3]))


def _mark_ratios(text: str, numbers: list[_Number]) -> None:
    """6.01:55.04:38.95: three or more numbers joined by colons, or decimals on both sides."""
    run: list[_Number] = []

    def close():
        if len(run) >= 3 or (len(run) == 2 and all("." in text[x.start:x.end] for x in run)):
            for x in run:
                if x.unit is None:
                    x.keep = True
        run.clear()

    for n in numbers:
        if run and text[run[-1].end:n.start] in (":", "：") and run[-1].unit is None:
            run.append(n)
        else:
            close()
            run.append(n)
    close()
