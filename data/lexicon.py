"""Word lists the templates draw from: agencies, places, metric families, qualifiers.

A *metric family* is what a template's quantities are about (requests, web traffic,
money, ...). It knows how to name a metric (fixed cores, composed modifiers and
open-vocabulary nouns from jieba's dictionary), which units fit, and what
magnitudes are realistic.

>>> FAMILIES["request"].units[0]
'件'
"""

from __future__ import annotations

import functools
import os
import random
from dataclasses import dataclass, field

# ---------------------------------------------------------------- places, agents

PROVINCES = (
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 安徽省 福建省 江西省 "
    "山东省 河南省 湖北省 湖南省 广东省 广西壮族自治区 海南省 重庆市 四川省 贵州省 云南省 西藏自治区 陕西省 甘肃省 "
    "青海省 宁夏回族自治区 新疆维吾尔自治区"
).split()
CITIES = (
    "太原 大同 长春 吉林 四平 辽源 通化 白山 松原 白城 延边 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 "
    "广州 深圳 珠海 汕头 佛山 韶关 湛江 肇庆 江门 茂名 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 "
    "南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 合肥 芜湖 蚌埠 淮南 马鞍山 安庆 黄山 "
    "福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 赣州 九江 济南 青岛 淄博 烟台 潍坊 济宁 威海 临沂 郑州 "
    "开封 洛阳 平顶山 安阳 新乡 焦作 许昌 武汉 黄石 十堰 宜昌 襄阳 荆州 荆门 孝感 长沙 株洲 湘潭 衡阳 岳阳 常德 "
    "南宁 柳州 桂林 梧州 北海 防城港 钦州 成都 绵阳 德阳 宜宾 南充 达州 贵阳 遵义 铜仁 毕节 昆明 曲靖 玉溪 大理 "
    "西安 宝鸡 咸阳 渭南 汉中 榆林 延安 兰州 白银 天水 张掖 酒泉 临夏 西宁 银川 乌鲁木齐 昌吉 哈尔滨 齐齐哈尔 "
    "牡丹江 佳木斯 大庆 沈阳 大连 鞍山 抚顺 丹东 锦州 呼和浩特 包头 鄂尔多斯 石家庄 唐山 秦皇岛 邯郸 保定 廊坊"
).split()
COUNTIES = (
    "白水 开州 城厢 双辽 中原 东河 耀州 北街 天荒 沙洋 富源 大冶 阆中 仙居 安吉 长兴 德清 桐乡 海宁 义乌 东阳 "
    "永康 乐清 瑞安 慈溪 余姚 江阴 宜兴 昆山 常熟 张家港 太仓 晋江 石狮 南安 惠安 福清 长乐 平潭 章丘 莱西 胶州 "
    "新郑 登封 巩义 荥阳 汉川 仙桃 潜江 天门 浏阳 宁乡 醴陵 都江堰 彭州 邛崃 崇州 简阳 仁怀 赤水 安宁 弥勒 "
    "神木 府谷 韩城 华阴 敦煌 玉门 格尔木 灵武 库尔勒 哈密 五常 尚志 瓦房店 庄河 海城 准格尔 锡林浩特 迁安 涿州"
).split()
DISTRICTS = "东城 西城 南岸 北湖 新城 高新 经开 滨海 城南 城北 江北 江南 金水 二七 雨花 天河 越秀".split()

DEPARTMENTS = (
    "人民政府 人民政府办公厅 人民政府办公室 商务厅 商务局 教育厅 教育局 卫生健康委员会 公安厅 公安局 财政厅 财政局 "
    "自然资源厅 自然资源局 生态环境厅 生态环境局 交通运输厅 交通运输局 市场监督管理局 人力资源和社会保障厅 "
    "人力资源和社会保障局 民政厅 民政局 司法厅 司法局 文化和旅游厅 文化和旅游局 医疗保障局 统计局 水利厅 水利局 "
    "应急管理厅 应急管理局 农业农村厅 农业农村局 住房和城乡建设厅 住房和城乡建设局 发展和改革委员会 审计局 税务局 "
    "林业和草原局 退役军人事务局 政务服务和数据管理局 行政审批局 城市管理局 档案局 科学技术局 工业和信息化局 "
    "体育局 信访局 粮食和物资储备局 地方金融监督管理局 机关事务管理局 国有资产监督管理委员会"
).split()
SHORT_AGENTS = (
    "本机关 本局 我局 我厅 我委 我办 本委 本部门 局机关 厅机关 各级行政机关 各级政府 各县区 各乡镇 各部门 "
    "各地各部门 省直各部门 市直各单位 区直各部门 县直单位 局属各单位 委属单位 各级财政部门 各级公安机关 "
    "政务公开办 政务服务中心 局办公室 厅办公室 信息中心 新闻中心 宣传科 法规科 综合科 办公室"
).split()
TOWN_UNITS = "街道办事处 镇人民政府 乡人民政府 社区居委会 村委会 管委会".split()


def place(rng: random.Random) -> str:
    """A plausible place name at any level (province, city, county, district)."""
    r = rng.random()
    if r < 0.2:
        return rng.choice(PROVINCES)
    if r < 0.6:
        return rng.choice(CITIES) + "市"
    if r < 0.85:
        return rng.choice(COUNTIES) + rng.choice(("县", "区", "市"))
    return rng.choice(CITIES) + "市" + rng.choice(DISTRICTS) + "区"


def agency(rng: random.Random) -> str:
    """A full agency name such as 山西省商务厅 or 漳州市卫生健康委员会."""
    r = rng.random()
    if r < 0.08:
        return rng.choice(COUNTIES) + rng.choice(("镇", "乡")) + "人民政府"
    if r < 0.14:
        return rng.choice(CITIES) + "市" + rng.choice(DISTRICTS) + "区" + rng.choice(("街道办事处", "人民政府"))
    return place(rng) + rng.choice(DEPARTMENTS)


def agent(rng: random.Random) -> str:
    """Who did something: a full agency or a short reference (我局, 各级行政机关)."""
    return agency(rng) if rng.random() < 0.45 else rng.choice(SHORT_AGENTS)


# ---------------------------------------------------------------- qualifiers

# Qualifiers stand outside every span; the record carries them (ANNOTATION.md).
QUALIFIERS_BEFORE = ("接近", "近", "约", "超过", "超", "逾", "突破", "不低于", "不少于", "至少", "不超过", "不到", "不足", "将近", "大约")
QUALIFIERS_AFTER = ("以上", "左右", "以内", "以下", "内")
# Words that sit where a qualifier would but are not qualifiers.
NON_QUALIFIERS = ("达", "达到", "共", "累计", "合计", "为", "计", "总计", "共计")

# ---------------------------------------------------------------- metric families


@dataclass(frozen=True)
class Family:
    """What a group of metrics counts: how to name it, its units and magnitudes.

    ``cores`` are complete metric names; ``mods`` × ``heads`` compose more;
    ``open_suffixes`` turn an arbitrary dictionary noun into a metric of this family
    (水利 + 类信息 → 水利类信息). ``lo``/``hi`` bound the value (log-uniform draws).
    """

    name: str
    cores: tuple[str, ...]
    units: tuple[str, ...]
    lo: float
    hi: float
    mods: tuple[str, ...] = ()
    heads: tuple[str, ...] = ()
    open_suffixes: tuple[str, ...] = ()
    decimals: float = 0.0  # share of values with a decimal part
    percent_metrics: tuple[str, ...] = field(default=())
    elaborated: bool = True  # False for closed word classes (层级, 部分) that reports never dress up

    def base_metric(self, rng: random.Random, nouns: tuple[str, ...]) -> str:
        """A plain name: a core, a modifier + head, or a dictionary noun + open suffix."""
        r = rng.random()
        if self.open_suffixes and nouns and r < 0.2:
            return rng.choice(nouns) + rng.choice(self.open_suffixes)
        if self.mods and self.heads and r < 0.55:
            return rng.choice(self.mods) + rng.choice(self.heads)
        return rng.choice(self.cores)

    def metric(self, rng: random.Random, nouns: tuple[str, ...]) -> str:
        """A metric name as real reports write it: plain, or elaborated (see :func:`elaborate`)."""
        name = self.base_metric(rng, nouns)
        return elaborate(name, self, rng, nouns) if self.elaborated and rng.random() < ELABORATED_SHARE else name


def _w(s: str) -> tuple[str, ...]:
    return tuple(s.split())


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "info", _w("主动公开政府信息 主动公开文件 主动公开政府规章 主动公开信息 依申请公开政府信息 政府信息 工作动态 通知公告 政策文件 规范性文件 人事信息 财政信息 统计信息 政务信息 新闻稿件 图片新闻 "
                       "视频新闻 政策解读 解读材料 工作信息 公示公告 会议信息 规划计划 部门文件 行政规范性文件 重要信息 "
                       "要闻 专题信息 政府规章 办事指南 招标信息 人事任免信息 预决算信息 废止文件 失效文件 修改文件 保留文件 图解解读 视频解读 文字解读 H5解读 解读文章 政策问答"),
            _w("条 条 条 篇 件 份 期 则 个"), 1, 60000,
            mods=_w("主动公开 重点领域 部门 本级 机构职能 行政许可 行政处罚 财政预决算 公共资源配置 社会公益 重大建设项目 "
                    "扶贫 教育 医疗卫生 环境保护 食品安全 安全生产 价格收费 征地拆迁 保障性住房 "),
            heads=_w("信息 政府信息 文件 动态 类信息 公告 通知 工作动态 政策"),
            open_suffixes=_w("信息 类信息 动态 公告 政策 文件 专栏信息"),
        ),
        Family(
            "request", _w("政府信息公开申请 依申请公开 网络申请 信函申请 当面申请 传真申请 电子邮件申请 新收申请 "
                          "上年结转申请 申请 公开申请 依申请公开申请 予以公开 部分公开 不予公开 无法提供 不予处理 "
                          "其他处理 办结 撤回申请 同意公开答复 告知申请人 已经答复 结转下年度继续办理 法人或其他组织申请"),
            _w("件 件 宗 个 份 条 起"), 0, 60000,
            mods=_w("网络 信函 当面 传真 电子邮件 自然人 法人 商业企业 科研机构 社会公益组织 律师事务所 其他 "),
            heads=_w("申请 提出的申请 申请件"),
            open_suffixes=_w("申请 类申请"),
        ),
        Family(
            "review", _w("行政复议 行政诉讼 行政复议案件 行政诉讼案件 复议申请 诉讼案件 行政复议案 投诉举报 "
                         "维持 纠正 驳回 结果维持 结果纠正 尚未审结 其他结果 败诉案件 应诉案件"),
            _w("件 件 起 宗 个"), 0, 800,
            mods=_w("政府信息公开 信息公开类 涉及政务公开的 被申请 "),
            heads=_w("行政复议 行政诉讼 复议案件 诉讼案件"),
            open_suffixes=_w("案件 纠纷 投诉"),
        ),
        Family(
            "web", _w("浏览量 访问量 点击量 页面浏览量 访问人次 总访问量 日均访问量 粉丝 关注人数 订阅用户 注册用户 "
                      "下载量 阅读量 转发量 点赞量 评论 留言 有效留言 网民留言 关注量 发文量 推文 播放量 观看人次 曝光量 互动量"),
            _w("次 次 人次 人 个 条"), 10, 5e8,
            mods=_w("网站 门户网站 微博 微信公众号 政务微博 政务微信 客户端 小程序 抖音号 头条号 官方网站 专栏 "),
            heads=_w("浏览量 访问量 点击量 粉丝 阅读量 关注人数 用户 发布量"),
            open_suffixes=_w("浏览量 点击量 访问量 粉丝 用户"),
        ),
        Family(
            "event", _w("新闻发布会 政策吹风会 在线访谈 培训班 专题培训 座谈会 工作会议 政务开放日活动 解读会 "
                        "业务培训 专题讲座 现场会 听证会 调研活动 宣传活动 发布会 网络问政 直播 访谈节目 新闻通气会 媒体见面会"),
            _w("场 次 次 期 个 批"), 1, 500,
            mods=_w("专题 线上 线下 政务公开 业务 政策 "),
            heads=_w("培训 会议 活动 访谈 发布会 讲座"),
            open_suffixes=_w("培训 活动 会议 座谈会 讲座"),
        ),
        Family(
            "people", _w("培训人员 参训人员 工作人员 参会代表 参训干部 志愿者 网民 企业 群众 办事群众 市场主体 "
                         "常住人口 户籍人口 从业人员 在校学生 参保人员 受益群众 服务对象 城镇人口 农村人口 出生人口 查阅群众 来访群众"),
            _w("人 人次 名 人 家 户"), 1, 2e6,
            mods=_w("参训 参会 在编 新增 登记 注册 参保 "),
            heads=_w("人员 干部 群众 企业 用户 学员"),
            open_suffixes=_w("人员 从业者 企业 学员"),
        ),
        Family(
            "money", _w("收费金额 财政资金 预算资金 专项资金 补贴资金 罚没收入 投资 生产总值 营业收入 总产值 "
                        "一般公共预算收入 税收收入 支出 三公经费 公务接待费 因公出国费用 政府采购金额 消费券 "
                        "行政事业性收费 社会消费品零售总额 进出口总额 固定资产投资 交易额 成交金额 节约资金 信息处理费"),
            _w("元 元 元 美元"), 0, 5e10,
            mods=_w("财政 专项 政府性基金 民生 扶贫 教育 卫生 农业 工业 部门 本级 "),
            heads=_w("资金 支出 收入 投入 经费 预算 金额 投资"),
            open_suffixes=_w("资金 经费 收入 支出 投入 产值"),
            decimals=0.4,
        ),
        Family(
            "rate", _w("回复率 办结率 满意率 公开率 增长率 纠错率 准确率 覆盖率 按时办结率 群众满意度 "
                       "网上可办率 全程网办率 好评率 达标率 转化率 增幅 同比增速 公开比例 受理比例 城镇化率 城镇登记失业率 节资率 出生率 死亡率 自然增长率 按期答复率 答复率 回访满意率 一次性办结率 解读比例 问题整改率"),
            _w("%",), 0, 100,
            mods=_w("答复 回复 办结 公开 群众 网上 "),
            heads=_w("率 比例 占比 满意度"),
            open_suffixes=_w("率 覆盖率 合格率 达标率"),
            decimals=0.5,
        ),
        Family(
            "duration", _w("平均办理时间 办理时限 答复时限 承诺时限 平均用时 审批时限 平均答复时间 法定时限 办理周期 "
                           "审批时间 受理时间"),
            _w("天 个工作日 日 小时 分钟 个月 周"), 1, 60,
            mods=_w("平均 法定 承诺 实际 "),
            heads=_w("办理时间 时限 用时 答复时间 审批时间"),
            decimals=0.15,
        ),
        Family(
            "item", _w("行政审批事项 政务服务事项 权力事项 证明事项 行政许可事项 中介服务事项 高频事项 依申请事项 "
                       "公共服务事项 权责清单事项 审批事项 职权事项 服务事项 办事指南 监管事项 实施清单 进场交易项目 试点领域 公开事项 标准指引 行政许可 行政处罚 行政强制"),
            _w("项 项 个 件 类"), 1, 20000,
            mods=_w("行政 审批 政务服务 公共服务 便民服务 涉企 一件事 跨省通办 "),
            heads=_w("事项 服务事项 审批事项 清单"),
            open_suffixes=_w("事项 审批事项 服务事项 清单"),
        ),
        Family(
            "data", _w("数据集 数据接口 数据应用 数据开放单位 数据项 政府数据 数据资源 开放数据 数据目录 数据字段 "
                       "数据条目 应用场景 数据资源目录"),
            _w("个 个 条 项 家 类"), 1, 3e9,
            mods=_w("开放 共享 公共 政务 "),
            heads=_w("数据集 数据 接口 目录 资源"),
            open_suffixes=_w("数据 数据集 数据接口"),
        ),
        Family(
            "gazette", _w("政府公报 公报 刊物 规章 文件 简报 宣传册 宣传单 明白纸 宣传资料 手册 专刊"),
            _w("期 份 件 册 本 份 篇"), 1, 200000,
            mods=_w("政府 部门 政策 宣传 "),
            heads=_w("公报 简报 资料 手册 刊物"),
            open_suffixes=_w("手册 资料 简报"),
        ),
        Family(
            "account", _w("政务微博 政务微信 政务新媒体 政府网站 网站 公众号 客户端 应用程序 栏目 专栏 子栏目 "
                          "政务新媒体账号 信息公开专栏 服务窗口 查阅点 政府信息查阅点 进驻部门 综合窗口 抖音号 视频号 小程序 头条号 微信公众号"),
            _w("个 个 家 家 处 个"), 1, 5000,
            mods=_w("政务 门户 部门 专题 基层 "),
            heads=_w("网站 栏目 专栏 账号 平台 窗口"),
            open_suffixes=_w("专栏 栏目 网站 平台 账号"),
        ),
        Family(
            "stats", _w("地区生产总值 粮食产量 常住人口 城镇居民人均可支配收入 农村居民人均可支配收入 出口额 "
                        "户籍人口 生猪出栏 规模以上工业增加值 第一产业增加值 第二产业增加值 第三产业增加值 "
                        "城镇新增就业 居民消费价格 货物进出口总额 旅游总收入 接待游客 发电量 用电量 货运量 客运量 城镇和农村居民人均可支配收入 工业生产者出厂价格 商品零售价格 进口额 实际利用外资 国内游客 旅游人次"),
            _w("元 吨 人 头 辆 千瓦时 千瓦 平方米 公里 户 人次 亩 公顷 平方公里 立方米 标准箱 千米"), 1, 1e11,
            mods=_w("城镇 农村 工业 农业 规模以上 县域 "),
            heads=_w("增加值 产量 收入 总额 总产值 产值"),
            open_suffixes=_w("产量 产值 增加值 总量"),
            decimals=0.5,
        ),
        Family(
            "supervision", _w("投诉 举报 督查 问责 整改问题 检查 建议提案 人大代表建议 政协提案 信访件 来信 来访 "
                              "督办件 考核 抽查 问题线索 工单 诉求 来电 咨询电话 热线来电 办件量 网上办件量 评价 差评 问题 突出问题 整改任务 交办件 督办事项 热线工单 主办件 协办件 约谈 通报批评 舆情 舆情事件"),
            _w("件 起 条 次 个 人次 批"), 1, 500000,
            mods=_w("人大代表 政协委员 群众 网民 热线 市民 "),
            heads=_w("建议 提案 诉求 投诉 举报 来电 工单"),
            open_suffixes=_w("投诉 问题 诉求 工单 线索 类 类诉求 类问题"),
        ),
        Family(  # land and floor areas: 播种面积119661公顷
            "area", _w("农作物总播种面积 粮食作物种植面积 播种面积 种植面积 造林面积 耕地面积 森林面积 建成区面积 "
                       "绿地面积 施工面积 竣工面积 商品房销售面积 油料作物种植面积 蔬菜种植面积 高标准农田"),
            _w("公顷 亩 平方公里 平方米"), 10, 5e7,
            mods=_w("粮食 蔬菜 油料 棉花 果园 茶园 林地 住宅 "),
            heads=_w("种植面积 播种面积 面积 建筑面积"),
            open_suffixes=_w("种植面积 面积"),
            decimals=0.3,
        ),
        Family(  # administrative tiers: 省、市两级, 五级联通
            "tier", _w("层级 行政层级 服务层级"), _w("级"), 2, 5, elaborated=False,
        ),
        Family(  # batches, rounds and rollouts: 分两批公布, 进行了三轮清理
            "batch", _w("清理 评估 检查 抽查 督查 核查 公布 发布 试点"), _w("批 轮 批次 次"), 2, 6, elaborated=False,
        ),
        Family(  # parts of a document or a classification: 六部分, 11大类
            "part", _w("服务范围 事项类别 报告内容 主要内容 公开内容 分类"), _w("部分 大类 类"), 2, 12,
            elaborated=False,
        ),
        Family(  # 六个部分, 三个方面: 个 is the measure word and the noun after it is what is counted
            "section", _w("部分 方面"), _w("个"), 2, 12, elaborated=False,
        ),
        Family(
            "consult", _w("咨询 现场咨询 电话咨询 网上咨询 政策咨询 咨询服务 政府信息公开咨询 窗口咨询 答复咨询"),
            _w("人次 次 件 个 条 起"), 1, 200000,
            mods=_w("现场 电话 网上 窗口 邮件 "),
            heads=_w("咨询 答复 解答"),
            open_suffixes=_w("咨询",),
        ),
    )
}

# ---------------------------------------------------------------- elaborated names
# Real reports name what they count with long noun phrases: a level (省级…), a quoted
# programme (“一网通办”事项), a parenthetical (行政许可(主项)), a coordination
# (热点事件或舆情), a 的-clause (涉及教育的复议案件), a chain of nouns ending in a rate
# (政务服务事项网上可办率), an age band (60岁及以上人口) or an outcome (行政处罚决定). ANNOTATION.md keeps all of that
# inside the METRIC span, so the generator writes it too: otherwise the model learns
# that a metric is the last two to four characters before a number.

ELABORATED_SHARE = 0.35

LEVELS = _w("省级 市级 县级 区级 乡镇 市直 省直 基层 试点 区县 村级 部门 网上 线上 窗口 重点 年度 专项 本级")
PROGRAMMES = ("最多跑一次", "一网通办", "跨省通办", "一件事一次办", "放管服", "证照分离", "互联网+政务服务",
              "好差评", "不见面审批", "秒批秒办", "一窗受理", "三公", "接诉即办", "双随机、一公开", "掌上办",
              "我为群众办实事", "就近办", "只进一扇门", "一次告知", "免证办", "首问负责", "阳光采购")
PAREN_NOTES = _w("主项 子项 含子项 区 市、区 街道 社区 居 含下属单位 累计 不含转办 本级 含分局 个人 单位 法人")
STATS_NOTES = _w("折纯 现价 实物量 户籍 常住 不变价 含农村")  # only for statistical quantities
DE_CLAUSES = ("涉及{n}的", "属于{n}的", "具有{n}的", "面向{n}的", "与{n}有关的", "由{n}承办的", "通过{n}提出的",
              "按时办结的", "群众反映的", "网上办理的", "居住在城镇的", "居住在乡村的", "申请人为企业的",
              "被申请人为本机关的", "已经公开的", "需要补正的", "转交其他机关的")
RATE_TAILS = _w("办结率 答复率 网上可办率 全程网办率 所占比重 比重 占比 公开率 满意率 增长率 覆盖率 按期办结率 "
                "平均增长率 合格率 完成率")
AGE_BANDS = ("{a}岁及以上", "{a}—{b}岁", "{a}-{b}岁", "{a}岁以下", "{a}至{b}岁", "{a}周岁以上")
AGE_HEADS = _w("人口 人口 老年人 儿童 居民 从业人员 就业人员 参保人员")
COORDINATORS = ("、", "、", "和", "及", "或", "与")
OUTCOMES = _w("处理决定 决定 决定书 办理结果 结果 结果公告 公告 报告 批复 情况 清单 目录")


def elaborate(name: str, family: "Family", rng: random.Random, nouns: tuple[str, ...]) -> str:
    """``name`` grown into a longer metric the way reports write them (one device per call).

    >>> r = random.Random(0)
    >>> names = [elaborate("政务服务事项", FAMILIES["item"], r, ("教育",)) for _ in range(200)]
    >>> "政务服务事项" in names, sum(len(n) > 6 for n in names) > 190
    (False, True)
    """
    noun = rng.choice(nouns) if nouns else "政务"
    head = rng.choice(family.heads) if family.heads else name
    kinds = ["level", "programme", "paren", "coord", "list", "de", "chain", "outcome"]
    if family.name in ("people", "stats"):
        kinds.append("age")
    kind = rng.choice(kinds)
    if kind == "level":
        return rng.choice(LEVELS) + name
    if kind == "programme":
        quoted = "“" + rng.choice(PROGRAMMES) + "”"
        return quoted + head if rng.random() < 0.7 else name + "及" + quoted + head
    if kind == "paren":
        open_, close = ("(", ")") if rng.random() < 0.6 else ("（", "）")
        notes = PAREN_NOTES + STATS_NOTES if family.name in ("stats", "money", "people") else PAREN_NOTES
        return name + open_ + rng.choice(notes) + close
    if kind == "coord":
        other = family.base_metric(rng, nouns)
        while other == name and len(family.cores) > 1:
            other = rng.choice(family.cores)
        return name + rng.choice(COORDINATORS) + other
    if kind == "list":
        parts = rng.sample(family.mods, 2) if len(family.mods) >= 2 else [noun, rng.choice(nouns or ("财务",))]
        return "、".join(parts) + rng.choice(("等", "等", "")) + head
    if kind == "outcome":  # what came of the counted thing: 行政许可处理决定, 监督检查报告
        return name + rng.choice(OUTCOMES)
    if kind == "de":
        return rng.choice(DE_CLAUSES).format(n=noun) + name
    if kind == "age":
        a = rng.choice((0, 6, 14, 15, 16, 18, 35, 45, 60, 65, 80))
        band = rng.choice(AGE_BANDS).format(a=a, b=a + rng.choice((4, 9, 14, 44)))
        return band + rng.choice(AGE_HEADS)
    # chain: a noun phrase of another kind in front (政务服务事项 + 网上可办率)
    if family.name == "rate":
        other = FAMILIES[rng.choice(("item", "request", "info", "people", "supervision"))]
        return other.base_metric(rng, nouns) + rng.choice(RATE_TAILS)
    return (rng.choice(family.mods) if family.mods else noun) + name


# Units that a metric's own name calls for, whatever its family: 浏览量 counts 次, 产量 weighs 吨.
# The first matching keyword wins; names with no match take their family's units.
UNIT_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("浏览量", "访问量", "点击量", "阅读量", "播放量", "下载量", "转发量", "点赞量", "曝光量", "互动量", "观看"),
     ("次", "次", "人次")),
    (("粉丝", "关注人数", "用户", "人数", "人员", "群众", "代表", "干部", "学员", "游客", "人口", "志愿者", "网民"),
     ("人", "人", "名", "人次")),
    (("生产总值", "增加值", "收入", "总额", "投资", "产值", "资金", "经费", "支出", "费", "金额", "交易额", "外资"),
     ("元", "元", "元", "美元")),
    (("产量", "货运量"), ("吨",)),
    (("面积",), ("公顷", "亩", "平方米", "平方公里")),
    (("出栏", "存栏"), ("头",)),
    (("电量",), ("千瓦时",)),
    (("客运量",), ("人次",)),
    (("企业", "市场主体"), ("家", "户", "个")),
)


def units_for(metric: str, family: "Family") -> tuple[str, ...]:
    """The units that fit ``metric``: its name's hint if any, else its family's.

    >>> units_for("粮食产量", FAMILIES["stats"])
    ('吨',)
    """
    for keywords, units in UNIT_HINTS:
        if any(k in metric for k in keywords):
            return units
    return family.units


# ---------------------------------------------------------------- open vocabulary


@functools.lru_cache(maxsize=1)
def dictionary_nouns() -> tuple[str, ...]:
    """Common nouns from jieba's dictionary (2–4 CJK characters, no numerals).

    They name open-vocabulary metrics and distractors, so the model learns the
    context of a metric rather than a closed list of names. Returns a sorted tuple
    (deterministic); empty when jieba is not installed.
    """
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a declared dependency
        return ()
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    numerals = set("零〇一二三四五六七八九十百千万亿两")
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or parts[2] not in ("n", "vn", "nz"):
                continue
            word, freq = parts[0], int(parts[1])
            if 2 <= len(word) <= 4 and freq >= 500 and all("\u4e00" <= c <= "\u9fff" for c in word) \
                    and not numerals & set(word):
                out.add(word)
    return tuple(sorted(out))
