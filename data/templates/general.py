"""Patterns that cut across topics: small counts of tiers and rounds, 一 as an article, ratios, areas.

Real prose is full of 一 that counts nothing (解决了一批问题, 作为一项重要工作) right beside
figures that do; small counts written in words (省、市两级, 分两批, 六部分) are VALUEs with a
UNIT even where no metric names them.
"""

_SOLVED = "[及时|集中|有效|切实]解决了一[批|大批|系列]"
_TASK = "[一项重要任务|一项重要工作|一项基础性工作|一件大事]"

TEMPLATES = [
    # ---- tiers, batches, rounds, parts (the metric may be absent)
    ("tier", "[继续|全面|定期]开展[省、市|市、区|县、乡|市、县、乡]{Q!}政府网站[季度抽查|集约化建设|年度考评]工作。"),
    ("tier", "[全面联通|打通|覆盖][省、市、县、镇、村|省、市、县|市、县、镇]{Q!}[，|，实现]{M:web}[从|由]{Q:web}[增长到|增加到]{Q:web}。"),
    ("tier", "[在|依托]{place}[市、区|县、乡|省、市]{Q!}政务服务大厅[全面|]推行[“一窗受理”|“最多跑一次”|帮办代办]服务，"
             "[共|累计|]公布{M:item}{Q:item}。"),
    ("batch", "[分|先后分]{Q>!:batch}[公布|发布|印发]{M:item}，[共|累计|]涉及{M:account}{Q:account}。"),
    ("batch", "[对|针对]{noun}[领域|方面]的{M:item}[先后|]进行了{Q>!}{M}，[共|累计|]取消{M:item}{Q:item}。"),
    ("part", "[本|本年度]报告[由|包括]{noun}[情况|工作情况]、[存在的问题|存在的主要问题及改进情况]等{Q!}[组成|内容]。"),
    ("section", "[本|本年度]报告[由|包括]{noun}[情况|工作情况]、[存在的问题|存在的主要问题及改进情况]等{Q>!}{M}[组成|]。"),
    ("section", "{agent}[从|围绕]{noun}、{noun}[和|及]{noun}{Q>!}{M}[入手|发力]，[扎实推进|统筹推进]政务公开工作。"),
    ("part", "{M}从[原先|原来]单一的[行政许可|审批服务][扩大|增加]到{Q!}，{M:account}[达到|]{Q:account}。"),
    # ---- 一 as an article beside real figures
    ("supervision", "{period}{recv}{M}{Q}，" + _SOLVED + "[群众反映强烈的|与群众生活密切相关的|企业关心的]问题。"),
    ("info", "[将|把]政策解读作为" + _TASK + "[抓紧抓实|来抓]，{period}{tot}{pub}{M}{Q}。"),
    ("request", "[未发生|没有发生]一起因{M}[引发|引起]的[行政复议|投诉|诉讼]，{period}{tot}办结{M}{Q}。"),
    ("item", "[推行|实行]一个窗口[受理|对外]、一[站式|揽子][服务|办理]，[共|][梳理|公布]{M}{Q}。"),
    ("item", "[打通|畅通][服务群众|政策落地][“最后一公里”|最后一公里]，{period}[新增|上线]{M}{Q}。"),
    ("money", "[出台|落实][稳经济|助企纾困]一揽子政策，为企业[降本减负|减税降费|减负]{Q}，[惠及|帮助]{M:people}{Q:people}。"),
    ("none", "[仍|但仍]存在一些[不足|短板|薄弱环节]，[主要表现在|主要是]：{enum}{noun}[工作|]还不够[规范|深入]。"),
    ("none", "[使|让]每一[位|名]{noun}[工作人员|干部][都|]置身于[群众|社会]监督之下。"),
    # ---- ratios with the ratio sign, areas, names with numbers inside
    ("stats", "{M:stats}[比例|结构][由上年的|从上年的]{V:rate}[∶|:|：]{V:rate}[∶|:|：]{V:rate}[调整为|变为]"
              "{V:rate}[∶|:|：]{V:rate}[∶|:|：]{V:rate}。"),
    ("area", "[全年|]{M}{Q}，[同比|比上年]增长{P}；其中{M}{Q}，[增长|下降]{P}。"),
    ("area", "[全市|全县|]{M}{Q}，[与上年基本持平|比上年增长{P}]；[其中，|]{M}{Q}。"),
    ("stats", "[按月|按季度]发布[各区|各县]PM2.5浓度[排名|情况]，[全年|]{M:rate}[为|达到]{P}。"),
    ("account", "[依托|借助]5G[网络|技术][建成|开通]{M}{Q}，[城区|乡镇]{M:rate}[达到|]{P}。"),
    ("item", "[加快|着力]打造千亿级{noun}产业集群，[引进|落地]{M}{Q}。"),
]
