"""Small text utilities shared by generation and inference: sentence cutting, addresses
(web, e-mail, postal), width folding, and the one definition of the character sets they
read (sentence ends, closing quotes, percent signs, full-width digits).

>>> text = "共发布信息41条。其中,通知12条;公告29条"
>>> [text[s:e] for s, e in split_sentences(text)]
['共发布信息41条。', '其中,通知12条;', '公告29条']
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

# Sentence ends: Chinese and Western full stops, question/exclamation marks, semicolons,
# and line breaks. Closing quotes/brackets right after an end stay with the sentence.
FULL_STOPS = "。！？!?"
SEMICOLONS = "；;"
SENTENCE_ENDS = FULL_STOPS + SEMICOLONS
CLOSING_QUOTES = "”’」』)）"
_SENTENCE = re.compile(rf"[^{SENTENCE_ENDS}\n]*(?:[{SENTENCE_ENDS}]+[{CLOSING_QUOTES}]*|\n|$)")

# Percent signs as written and the % they read as: full-width ％, small ﹪, and ℅, a
# mis-encoded % in real reports (docs/annotation.md, "℅ is a mis-encoded %").
PERCENT_SIGNS = {"％": "%", "﹪": "%", "℅": "%"}
_PERCENT_TABLE = str.maketrans(PERCENT_SIGNS)
# Full-width digits ０-９ and the ASCII digits they fold to.
FULLWIDTH_DIGITS = {chr(0xFF10 + d): str(d) for d in range(10)}
# Every full-width form of ASCII (！ to ～: ，；：（）％ and the digits) and the ASCII character it
# folds to, as a str.translate table; NFKC folds them so, one character for one.
FULLWIDTH_TO_ASCII = {0xFF01 + i: 0x21 + i for i in range(94)}


# A page number as printed on a line of its own (- 4 -, 第4页, 第4页共6页, 4/6, Page 4 of 6, a
# flipbook page's P. 4): a
# regular expression for the line's content, spaces around it aside (the table parser blanks such
# lines; inference.sentences.unwrap reads a paragraph on across them).
PAGE_NUMBER = (r"(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,/，]?\s*共\s*\d{1,3}\s*页)?"
               r"|\d{1,3}\s*/\s*\d{1,3}|[Pp]age\s*\d{1,3}(?:\s*of\s*\d{1,3})?|[Pp]\.\s*\d{1,3})")
# ... a whole line that is one (fullmatch; spaces and a CRLF line ending's \r around it).
PAGE_NUMBER_LINE = re.compile(rf"\s*{PAGE_NUMBER}\s*")

# A pinyin gloss some mirror sites print after a character whose reading they mark: 增长(zhǎng),
# 行（háng）政. Lower-case syllables with at least one tone mark, in brackets, right after a Chinese
# character: (APP), (PM2.5) and (一) are no gloss. The extractor reads past it (inference.sentences
# .hide_pinyin_glosses) and so does the table parser.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])[(（](?=[a-zü{_TONED} ]{{0,24}}[{_TONED}])"
                          rf"[a-zü{_TONED}]+(?: [a-zü{_TONED}]+)*[)）]")


def normalize_percent(text: str) -> str:
    """``text`` with every percent sign of :data:`PERCENT_SIGNS` written %, one character for one.

    >>> normalize_percent("12％"), normalize_percent("5℅")
    ('12%', '5%')
    """
    return text.translate(_PERCENT_TABLE)


# Web and e-mail addresses: a scheme or www. address up to the first character no URL holds
# (CJK text and punctuation end it), an e-mail address, a bare host under a common top-level
# domain. An address does not end on . , ; : ) or ] (…gov.cn/)。 and …gov.cn,共 stay outside).
_URL_TAIL = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9\-_~/#=%]"
_WEB_ADDRESS = re.compile(
    rf"(?:https?|ftp)://{_URL_TAIL}"
    rf"|www\.{_URL_TAIL}"
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
    rf"|(?<![A-Za-z0-9.\-])[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:cn|com|net|org)(?![A-Za-z0-9\-])(?:/{_URL_TAIL}|/)?",
    re.ASCII,
)
# A postal address or postcode given as a contact field (地址:某路68号302室, 邮编:100010), to the
# end of its clause.
_POSTAL_ADDRESS = re.compile(r"(?:地址|邮编|邮政编码)[ \t\u3000]*[:：][^,，;；)）。\n]+")
# A web page's date-time stamp (发布时间:2022-06-15 08:42, 生成日期:2020-11-23 16:05:12.0): the
# guide never tags a clock time, and a date is a time reference.
_DATE_TIME = re.compile(r"(?<![0-9])[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?[ \t\u3000]*"
                        r"(?:[01]?[0-9]|2[0-3])[:：][0-5][0-9](?:[:：][0-5][0-9](?:\.[0-9]+)?)?(?![0-9])")
# What every address holds: a scheme, www., an @, the dot before its top-level domain, a field name,
# a clock time's colon.
_ADDRESS_MARK = re.compile(r"://|www\.|@|\.[cno]|地址|邮编|邮政编码|[0-9][:：][0-9]")


def address_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of the web, e-mail and postal addresses in ``text``, and of a web page's
    date-time stamps, whose numbers are identifiers too, sorted (they may overlap).

    >>> text = "详见http://gk.jl.gov.cn/list.aspx?dept=27&id=4093。邮箱:xxgk2019@163.com(地址:人民路8号302室,邮编:100010)"
    >>> [text[s:e] for s, e in address_spans(text)]
    ['http://gk.jl.gov.cn/list.aspx?dept=27&id=4093', 'xxgk2019@163.com', '地址:人民路8号302室', '邮编:100010']
    >>> page = "发布时间: 2022-06-15 08:42 阅读:318人,比例为1:15"
    >>> [page[s:e] for s, e in address_spans(page)]
    ['2022-06-15 08:42']
    """
    if _ADDRESS_MARK.search(text) is None:
        return []  # the common case, found far faster than the expressions find nothing
    found = [m.span() for m in _WEB_ADDRESS.finditer(text)]
    more = [m.span() for pattern in (_POSTAL_ADDRESS, _DATE_TIME) for m in pattern.finditer(text)]
    return sorted(found + more) if more else found


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` offsets of the sentences of ``text``, without surrounding whitespace.

    Offsets index ``text`` itself, so callers never lose the way back to the original. A
    question mark or semicolon inside a web address (``list.aspx?id=3``) ends nothing.
    """
    out: list[tuple[int, int]] = []
    addresses: list[tuple[int, int]] | None = None  # found once a cut may fall inside one
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        if out and start == out[-1][1] and text[start - 1] in "?!;" and "!" <= text[start] <= "~":
            # cut at ASCII ? ! ; with no space after: a query string (list.aspx?id=3), perhaps
            if addresses is None:
                addresses = address_spans(text)
            if any(a < start < b for a, b in addresses):
                out[-1] = (out[-1][0], end)
                continue
        out.append((start, end))
    return out


# Simplified → traditional for the characters common in this genre, one for one (so every
# offset survives the conversion). Enough to give the model some traditional-script reports.
_SIMPLIFIED = (
    "万与专业丛东两严个丰临为举么义乐习书买乱争于亏云亚产亩亲亿仅从仓仪们价众优会伟传伤伦伪体余佣侠侣侦侧侨"
    "债倾偿储儿党兰关兴养兽内冈册写军农冯冲决况冻净凉减凑几凤凭凯击凿刍划则刚创删别刹剂剑剧劝办务动励劲劳势"
    "勋勤区医华协单卖卢卫却厂厅历压厌厕县参双发变叙叶号叹后吓吕吗员听启吴呜周咏响哑问启团园围国图圆圣场坏块"
    "坚坛坝坞坟坠垒垦垫执报场墙壮声处备复够头夸夺奋奖妆妇妈娱学孙宁宝实宠审宪宫宽宾对寻导寿将尔尘尝层属岁"
    "岂岗岛岭岳币师帐带帮常干并广庄庆库应庙废开异弃张弹强归录彻征径忆志忧怀态总恋恒恳恶悬惊惧惨惯愤愿懒戏战"
    "户扑执扩扫扬扰抚抛抢护报担拟拥择拦拨择挂挤挥损换据掷携摄摆摇摊撑敌数斋断无旧时旷昼显晋晒晓晕暂术机杀杂"
    "权条来杨极构枪柜栋栏树样档桥桩梦检棂椭楼榄槛欢欧歼残毁毕气氢汇汉污汤汹沟没沪沦沧沪河泻泼泽洁洒浅浆测济"
    "浏浑浓涂涛涝润涨渊渐渔渗温湾湿溃滚满滤滥滨灭灯灵灾炉点炼烂烦烧热焕爱爷牍牵犹狈独狭猎献猪环现玛玮珐琐"
    "电画畅畴疗疮疯痴瘫皱盏盐监盖盘着睁瞒矫矿码砖础硕确碍礼祸离种积称稳穷窃窍竞笔笋笼筑筹签简粮紧纠红纤约级"
    "纪纬纯纱纲纳纵纷纸纹纺线练组细织终绍经结绕绘给络绝统继绩绪续维综绿缓编缘缩缴网罗罚罢职联聪肃肠肤肿胀胁"
    "胆胜脑脚脱脸腊舆舍舰艺节芦苏范茎荐荡荣药莱获萝营萧著蓝虑虽蚀补装见观规视览觉计订认讨让训议讯记讲讳讼"
    "许论设访证评识诉诊词译试诗诚话诞询该详语误说请诸读课谁调谈谊谋谐谓谢谦谨谱负贡财责贤败账货质贩贪贫购"
    "贯贴贵贷贸费贺资赋赏赔赖赛赞赠赢赵趋跃践踪车轨轩转轮软轰轻载较辅辆辉输辖边辽达迁过迈运还这进远违连迟"
    "选递逻遗邓邮邻郑郸酝酱释针钉钓钟钢钥钱铁铃铜铭银铺链销锁锅锋错锦键锻镇镜长门闪闭问闯闲间闻阀阁阅阐"
    "队阳阴阵阶际陆陈险随隐难雏雾霁静韦韩页顶项顺须顾顿颁预领颇频颗题颜额风飞饭饮饰饱馆驱驶驻驾验骗骤鱼鲁"
    "鲜鸟鸡鸣鸭鹏麦黄齐齿龄龙龟"
)
_TRADITIONAL = (
    "萬與專業叢東兩嚴個豐臨為舉麼義樂習書買亂爭於虧雲亞產畝親億僅從倉儀們價眾優會偉傳傷倫偽體餘傭俠侶偵側僑"
    "債傾償儲兒黨蘭關興養獸內岡冊寫軍農馮沖決況凍淨涼減湊幾鳳憑凱擊鑿芻劃則剛創刪別剎劑劍劇勸辦務動勵勁勞勢"
    "勛勤區醫華協單賣盧衛卻廠廳歷壓厭廁縣參雙發變敘葉號嘆後嚇呂嗎員聽啟吳嗚週詠響啞問啟團園圍國圖圓聖場壞塊"
    "堅壇壩塢墳墜壘墾墊執報場牆壯聲處備復夠頭誇奪奮獎妝婦媽娛學孫寧寶實寵審憲宮寬賓對尋導壽將爾塵嘗層屬歲"
    "豈崗島嶺嶽幣師帳帶幫常幹並廣莊慶庫應廟廢開異棄張彈強歸錄徹徵徑憶志憂懷態總戀恆懇惡懸驚懼慘慣憤願懶戲戰"
    "戶撲執擴掃揚擾撫拋搶護報擔擬擁擇攔撥擇掛擠揮損換據擲攜攝擺搖攤撐敵數齋斷無舊時曠晝顯晉曬曉暈暫術機殺雜"
    "權條來楊極構槍櫃棟欄樹樣檔橋樁夢檢欞橢樓欖檻歡歐殲殘毀畢氣氫匯漢汙湯洶溝沒滬淪滄滬河瀉潑澤潔灑淺漿測濟"
    "瀏渾濃塗濤澇潤漲淵漸漁滲溫灣濕潰滾滿濾濫濱滅燈靈災爐點煉爛煩燒熱煥愛爺牘牽猶狽獨狹獵獻豬環現瑪瑋琺瑣"
    "電畫暢疇療瘡瘋癡癱皺盞鹽監蓋盤著睜瞞矯礦碼磚礎碩確礙禮禍離種積稱穩窮竊竅競筆筍籠築籌簽簡糧緊糾紅纖約級"
    "紀緯純紗綱納縱紛紙紋紡線練組細織終紹經結繞繪給絡絕統繼績緒續維綜綠緩編緣縮繳網羅罰罷職聯聰肅腸膚腫脹脅"
    "膽勝腦腳脫臉臘輿舍艦藝節蘆蘇範莖薦蕩榮藥萊獲蘿營蕭著藍慮雖蝕補裝見觀規視覽覺計訂認討讓訓議訊記講諱訟"
    "許論設訪證評識訴診詞譯試詩誠話誕詢該詳語誤說請諸讀課誰調談誼謀諧謂謝謙謹譜負貢財責賢敗賬貨質販貪貧購"
    "貫貼貴貸貿費賀資賦賞賠賴賽贊贈贏趙趨躍踐蹤車軌軒轉輪軟轟輕載較輔輛輝輸轄邊遼達遷過邁運還這進遠違連遲"
    "選遞邏遺鄧郵鄰鄭鄲醞醬釋針釘釣鐘鋼鑰錢鐵鈴銅銘銀鋪鏈銷鎖鍋鋒錯錦鍵鍛鎮鏡長門閃閉問闖閒間聞閥閣閱闡"
    "隊陽陰陣階際陸陳險隨隱難雛霧霽靜韋韓頁頂項順須顧頓頒預領頗頻顆題顏額風飛飯飲飾飽館驅駛駐駕驗騙驟魚魯"
    "鮮鳥雞鳴鴨鵬麥黃齊齒齡龍龜"
)
assert len(_SIMPLIFIED) == len(_TRADITIONAL), (len(_SIMPLIFIED), len(_TRADITIONAL))
TO_TRADITIONAL = str.maketrans(_SIMPLIFIED, _TRADITIONAL)


def _character_pairs(name: str) -> dict[int, int]:
    """A character table of this folder (traditional.tsv, radicals.tsv): each line one character,
    a tab and the character it reads as; ``#`` lines are comments."""
    lines = Path(__file__).with_name(name).read_text(encoding="utf-8").splitlines()
    return {ord(a): ord(b) for a, b in (line.split("\t") for line in lines if line and not line.startswith("#"))}


# Every character that only traditional script writes (outside GB2312) and its simplified form,
# one for one (traditional.tsv, from OpenCC's dictionary by data.traditional_table): what a model
# reads in place of 兩, 萬 or 開 (model.windows), so that simplified text reaches it unchanged.
TRADITIONAL_ONLY = _character_pairs("traditional.tsv")


def _radical_forms() -> dict[int, int]:
    """Radicals and compatibility ideographs -> the character they stand for (see RADICAL_FORMS)."""
    out = {}
    for cp in [*range(0x2F00, 0x2FD6), *range(0xF900, 0xFB00)]:   # Kangxi radicals, compatibility ideographs
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1 and folded != chr(cp):
            out[cp] = ord(folded)
    out.update(_character_pairs("radicals.tsv"))
    # NFKC gives the traditional form for some (⼾ → 戶, ⻑ → 長): the form simplified text writes
    return {r: TRADITIONAL_ONLY.get(c, c) for r, c in out.items()}


# What a PDF's text layer gives back for an ordinary character whose glyph a font shares with a
# radical or a compatibility ideograph (部⻔ for 部门, 七百四⼗五, ⼈⺠: pypdf on many CJK fonts), and
# the character it stands for, one for one: Kangxi radicals and CJK compatibility ideographs by
# NFKC, the CJK Radicals Supplement by data/radicals.tsv (data.radicals_table, from the fonts' cmaps),
# each in the form simplified text writes (客⼾ is 客户). Models, rules, the number and table
# parsers and the title reader read such text through it; records keep it as written.
RADICAL_FORMS = _radical_forms()
# Traditional -> simplified for the rules written in simplified characters (span repair, linking,
# kinds, keys, the rules baseline): TRADITIONAL_ONLY and the table above backwards, whose 於, 後
# and 徵 simplified text writes too, and the radical forms. One character for one, so offsets
# stay valid.
TO_SIMPLIFIED = {**TRADITIONAL_ONLY, **str.maketrans(_TRADITIONAL, _SIMPLIFIED)}
TO_SIMPLIFIED.update({r: TO_SIMPLIFIED.get(c, c) for r, c in RADICAL_FORMS.items()})
