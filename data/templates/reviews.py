"""Reconsideration and lawsuits, complaints, supervision and accountability, inspections, 12345 hotline and proposals."""

TEMPLATES = [
    # --- administrative reconsideration and lawsuits
    ("review", "{agent}{period}[因信息公开答复事项|就政府信息公开答复]被[提起|申请]{M}{Q}，其中{M}{Q}，{M}{Q}，{M}{Q}。"),
    ("review", "{agent}{period}[发生|收到|办理]{M}{Q}，[结果|复议结果]{M}{Q}、{M}{Q}，{M}{Q}。"),
    ("review", "{M}{Q}中，[人民法院|法院][判决|裁定]{M}{Q}，{M}{Q}，{M}{Q}。"),
    ("review", "[复议结果为|审理结果为]“{M}”的{Q}，“{M}”的{Q}，[另有|]“{M}”的{Q}。"),
    ("review", "{agent}{period}[发生|涉及]{M}{Q}，[较上年|同比][减少|增加]{Q}，[均已|已全部]依法[应诉|答复]。"),
    ("review", "{M}{Q}，占{P}，[较上年|同比][下降|减少|上升]{PP}，[未发生|无]败诉情况。"),
    ("review", "[在|]{Q>}{M}中，{M}{Q}，[其余|余下的][均已审结|均维持原处理决定|尚在审理中]。"),
    ("review", "[截至|至]{date}，[仍有|尚有]{Q>}{M}[正在审理中|尚未审结]，[将|][依法|积极]做好应诉[准备|工作]。"),
    ("rate", "{M:review}{Q}，{M}[为|达]{Q}，[较上年提高|同比下降]{PP}，[依法行政水平不断提高|{clause}]。"),
    ("review", "{agency}[收到|受理]的{M}[由上年的|从{year}的]{Q}[下降|减少]至{Q}，[因公开问题引发的争议明显减少|{clause}]。"),
    ("review", "[对|针对]{Q>}{M}，[逐案|逐件][分析|复盘]原因，[梳理|查找]{M:supervision}{Q}，[并|]举一反三[抓好|做好]整改。"),
    # --- complaints and reports
    ("supervision", "[通过|依托]{platform}、政务公开监督电话（{phone}）等渠道，{agent}{period}[受理|接收]{M}{Q}，[均已|全部][按时|]办结。"),
    ("supervision", "{agent}{period}[受理|接到]{M}{Q}，其中{M}{Q}、{M}{Q}，[已|均已]按规定[转交|交办][相关单位|责任部门]处理。"),
    ("supervision", "[针对|对于][群众|社会公众]反映的[政务公开|信息公开]问题，{period}[核查|调查]{M}{Q}，[经核实|查实]{M}{Q}。"),
    ("supervision", "{M}[较上年|同比][下降|减少]{P}，[反映|涉及]的问题[主要集中|多集中]在{noun}、{noun}等方面。"),
    # --- supervision, inspections, spot checks
    ("supervision", "{agent}{period}[组织|开展][政府网站和政务新媒体|政务公开][专项|]{M}{Q}，[发现|梳理]{M}{Q}，[均已|已全部]整改到位。"),
    ("account", "[对|]{Q>}{M}[开展|进行][季度|常态化|随机]抽查，{M:rate}[为|达到]{Q}，[抽查结果|检查情况]已在{platform}通报。"),
    ("supervision", "[按照|根据]{policy}[要求|规定]，[对|]{Q>:account}{M:account}[进行|开展]了[全面|专项]检查，[通报|发现]{M}{Q}。"),
    ("supervision", "[配合|接受]{agency}[开展的|组织的]专项督查，[反馈|指出]{M}{Q}，[已|现已][逐项|逐条]整改销号。"),
    ("supervision", "{enum}[强化|加强]日常监督，[采取|通过]“[四不两直|明查暗访]”方式[开展|组织]{M}{Q}，[覆盖|涉及]{Q>:account}{M:account}。"),
    # --- assessments
    ("rate", "[将|]政务公开工作纳入{place}[年度|]绩效考核体系，{M}[为|达到]{Q}，[考核结果|评估结果][与|作为]评先评优[挂钩|依据]。"),
    ("rate", "在{year}度{place}政务公开[第三方评估|绩效考核]中，{agent}{M}[为|达]{Q}，[位列|排名]第[一|二|三|四|五|六|七]名。"),
    ("supervision", "{agent}{period}[组织|开展]政务公开[考核|测评]，对{Q>:account}{M:account}[进行|开展]量化评分，[发现|通报]{M}{Q}。"),
    ("none", "在{year}度{place}政务公开[工作|]考核中，{agent}[被评为|获评]优秀等次，[位列|排名]第[一|二|三|四|五|六|七]名。"),
    # --- rectification
    ("supervision", "[针对|对照]{year}度[第三方评估|考核][反馈|指出]的{Q>}{M}，[逐项|逐条]制定整改措施，{M:rate}[达|为]{Q}。"),
    ("supervision", "[建立|完善]问题整改台账，[梳理|列出]{M}{Q}，[实行|坚持]销号管理，{M:rate}[达|为]{Q}，[剩余问题|未完成事项][正在推进|持续整改]。"),
    ("rate", "[对|]{Q>:supervision}{M:supervision}[实行|推行]清单化管理，{M}[达到|为]{Q}，[较上年提高|同比提升]{PP}。"),
    # --- accountability
    ("supervision", "[对|针对]政务公开工作[推进不力|落实不到位]的[单位|部门]，[依规|依纪依规][严肃|]追责，{M}{Q}，{M}{Q}，[形成|起到]警示震慑[作用|效果]。"),
    ("supervision", "{period}[因政务公开工作|因信息发布审核把关不严]{M}{Q}，{M}{Q}，[切实|]压紧压实工作责任。"),
    ("none", "{year}[未|没有]发生[因政府信息公开工作|政府信息公开工作中的]责任追究[情况|事项]，[未|也未]收到[相关|]投诉举报。"),
    ("none", "{agent}[严格|]落实{policy}，将政务公开[纳入|列入]{slogan}[重点|]监督[内容|范围]，{clause}。"),
    # --- 12345 hotline
    ("supervision", "{place}政务服务便民热线（12345）{period}[受理|接到]{M}{Q}，[同比增长|环比下降]{P}，{M:rate}[为|达]{Q}。"),
    ("supervision", "[热线|12345热线][共|]形成{Q>}{M}，[转派|交办][各成员单位|各承办单位]{Q}，[其余|剩余]工单由热线[直接|当场]答复。"),
    ("supervision", "[从诉求类型看|按诉求类别分]，{M}{Q}，占{P}；{M}{Q}，占{P}；{M}{Q}，占{P}。"),
    ("rate", "{M:supervision}{Q}，{M}{Q}，{M}{Q}，[均|]较上年[有所|明显][提升|提高]。"),
    ("rate", "[经|通过]电话回访，{M}[达到|为]{Q}，[较上年提升|同比提高|比上季度下降]{PP}。"),
    ("rate", "[各承办单位|承办单位]{M}[均|]达到{Q!}，{M}[为|达]{Q}，[均|]高于[考核|上级]要求。"),
    ("duration", "[对|]热线[转办|交办]事项[实行|推行]限时办结，{M}[为|缩短至]{Q}，[较上年|同比][压缩|缩短]{Q}。"),
    ("supervision", "[排名|居]前三位的[诉求|热点问题][分别|依次]是{M}{Q}、{M}{Q}和{M}{Q}，[反映了|体现出]群众[关注|关切]的[焦点|热点]。"),
    ("supervision", "[其中|另外]，[承办|办理]“[市长信箱|书记信箱|县长信箱]”{M}{Q}，[办理|转办][“互联网+督查”|“好差评”|政务服务便民热线]平台{M}{Q}。"),
    ("supervision", "[热线|12345热线]{period}[受理|接到]{M}{Q}，[同比增长|较上年增长]{P}，[创历史新高|达到历年峰值]。"),
    # --- people's congress proposals
    ("supervision", "{agent}{period}[承办|办理]{M}{Q}，其中{M}{Q}、{M}{Q}，[均已|全部]按时办结。"),
    ("supervision", "{agent}{period}承办{M}{Q}、{M}{Q}，{M:rate}[均|]达到{Q}，[代表委员|提案人]对办理结果[普遍|]表示满意。"),
    ("rate", "[承办的|办理的]{Q>:supervision}{M:supervision}[均已|全部]按时[办结|办复]，{M}[达|为]{Q}。"),
    ("supervision", "[除涉密或不宜公开的外，|按照公开要求，]{Q>}{M}[办理复文|答复全文][均已|全部]在{platform}[公开|公布]。"),
    ("supervision", "[在|]{place}[十六|十七|十八]届人大[一|二|三|四]次会议[期间|闭会后]，{agent}[共|]收到{M}{Q}，[较上年|同比][增加|减少]{Q}。"),
    ("supervision", "[召开|组织]{M:event}{Q}，[走访|联系]{M:people}{Q}，[所提问题|建议事项][已解决或基本解决|正在逐步落实]。"),
    ("none", "[按照|根据]{docno}[文件|]要求，{agent}[建立|健全]建议提案办理[工作|]机制，[做到|确保]件件有回音、事事有着落。"),
    # --- misc supervision
    ("people", "[加强|强化]监督保障，{period}[举办|组织]{M:event}{Q}，[培训|覆盖]{M}{Q}，[提升了|增强了]干部[依法公开|业务]能力。"),
    ("supervision", "[开展|组织]社会评议[活动|工作]，[邀请|组织]{Q>:people}{M:people}[参与|进行]评议，[收集|汇总]{M}{Q}。"),
    ("supervision", "{enum}[畅通|拓宽]监督渠道，[在|通过]{platform}[公布|设立]监督[电话|邮箱]，{period}[收到|受理]{M}{Q}。"),
    ("review", "[对|针对]{Q>}{M}中[法院|复议机关]作出的[判决|决定]，{agent}[均|][认真|严格]履行，[未|没有]出现[拒不履行|不履行]情况。"),
    # --- breakdowns by category: a bare 占比 after a count is the share of that count, not a metric
    ("supervision", "[从|按]诉求[类型|性质]看，{M}{Q}[，| ]占比[ |]{P}；{M}{Q}[，| ]占比[ |]{P}；{M}{Q}[，| ]占比[ |]{P}。"),
    ("supervision", "{enum}{M}（{Q}，占比{P}）[。|；]"),
    ("supervision", "{M}{Q} 占比 {P}"),
    ("request", "[按|从]申请[方式|渠道]看，{M}{Q}，占比{P}；{M}{Q}，占比{P}[；其余为{M}|]。"),
    ("request", "[在已办结的申请中|办理结果方面]，{Q>}为{M}，{Q>}为{M}，{Q>}为{M}。"),
    ("supervision", "[热线|平台]{period}[转办|受理]{M}{Q}，[其中|]数量[较多|居前]的[是|为]{M}{Q}（[同比|较上年][上升|下降]{P}）、{M}{Q}。"),
    # --- where a hotline's cases stand: 办结60609件，正在办理中1114件
    ("supervision", "{place}12345热线{period}[共|]受理{M}{Q}，[环比|同比][上升|下降|增长]{P}，{M:progress}{Q}，[正在|仍在|尚在|]{M:pending}{Q}[，{M:rate}{Q}|]。"),
    ("supervision", "[截至|截止]{date}，[热线|12345热线|平台][累计|共][受理|接收]{M}{Q}，{M:progress}{Q}，[正在|]{M:pending}{Q}。"),
]
