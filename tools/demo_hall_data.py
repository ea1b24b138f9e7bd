"""The demo hall's content that the matters CSV does not hold: the hall,
its calendar, queues, windows, the kiosk's questions, and per matter the
conditions (办理条件) and which questions it asks. Used by make_demo_hall.py."""

HALL = {
    "name": "清河镇便民服务中心",
    "name_en": "Qinghe Town Service Centre",
    "timezone": "Asia/Shanghai",
    "public_url": "http://127.0.0.1:8080",
    "language": "zh-CN",
    "notice": "欢迎来到清河镇便民服务中心! 请留意叫号, 听到您的号码后到相应窗口办理。"
              "老年人、残疾人、孕妇等可到导办台走绿色通道; 办事遇到困难, "
              "请到 12 号\"一次办不好\"窗口反映。感谢您的理解与支持!",
    "printer": "",
    "paper_mm": 80,
}

# year -> [(festival, days off, make-up working days)]
CALENDAR = {
    2026: [
        ("元旦", ["2026-01-01", "2026-01-02", "2026-01-03"], ["2026-01-04"]),
        ("春节", ["2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
                  "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23"], ["2026-02-14", "2026-02-28"]),
        ("清明节", ["2026-04-04", "2026-04-05", "2026-04-06"], []),
        ("劳动节", ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05"], ["2026-05-09"]),
        ("端午节", ["2026-06-19", "2026-06-20", "2026-06-21"], []),
        ("中秋节", ["2026-09-25", "2026-09-26", "2026-09-27"], []),
        ("国庆节", ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05",
                  "2026-10-06", "2026-10-07"], ["2026-09-20", "2026-10-10"]),
    ],
    2027: [  # estimated from the usual pattern: replace with the State Council's notice
        ("元旦", ["2027-01-01", "2027-01-02", "2027-01-03"], []),
        ("春节", ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
                  "2027-02-10", "2027-02-11", "2027-02-12"], ["2027-01-31", "2027-02-20"]),
        ("清明节", ["2027-04-03", "2027-04-04", "2027-04-05"], []),
        ("劳动节", ["2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-05-05"], ["2027-05-08"]),
        ("端午节", ["2027-06-09"], []),
        ("中秋节", ["2027-09-15"], []),
        ("国庆节", ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05",
                  "2027-10-06", "2027-10-07"], ["2027-09-26", "2027-10-09"]),
    ],
}

# (id, name, name_en, surge_minutes, comment)
QUEUES = [
    ("A", "社保医保", "Social and medical insurance", 30, "A: 人社、医保的一窗受理事项"),
    ("B", "民生救助", "Social assistance", 30, "B: 民政、残联、卫健、退役军人的一窗受理事项"),
    ("C", "综合事务", "General affairs", 30, "C: 农业农村、市场监管、司法和综合类的一窗受理事项"),
    ("D", "专业业务·社保医保", "Specialist: social and medical insurance", 40,
     "D: 人社、医保须到专业窗口办理的事项"),
    ("E", "专业业务·其他", "Specialist: other departments", 40, "E: 其他部门须到专业窗口办理的事项"),
    ("F", "统一出件", "Result collection", 20, "F: 领取办结的证照和结果"),
    ("G", "咨询导办", "Enquiries and guidance", 20, "G: 咨询"),
    ("H", "找茬投诉", "Complaints: not done in one visit", 15, "H: \"一次办不好\"投诉"),
    ("J", "帮办代办", "Assisted service", 15, "J: 帮办代办, 由导办台出号 (取号机上不显示)"),
]

ONE_WINDOW_QUEUES = {"人社": "A", "医保": "A", "民政": "B", "残联": "B", "卫健": "B", "退役军人": "B",
                     "农业农村": "C", "市场监管": "C", "司法": "C", "综合": "C"}
SCOPE_QUEUES = {"output": "F", "consult": "G", "complaint": "H"}


def queue_for(department, scope):
    if scope in SCOPE_QUEUES:
        return SCOPE_QUEUES[scope]
    if scope == "professional":
        return "D" if department in ("人社", "医保") else "E"
    return ONE_WINDOW_QUEUES[department]


# As a town sets them (前台综合受理, 后台分类审批): the comprehensive windows serve the comprehensive queues
# A, B, C; the professional windows their departments' queues D, E; consult, output, complaint and assisted
# service their own. No window serves every queue: that would make pooling free by construction.
def _comprehensive(n, profile, note=""):
    return (f"w{n}", n, "comprehensive", f"{n}号综合受理窗口", profile, note)


# (id, number, kind, name, profile, comment before it)
WINDOWS = [
    _comprehensive(1, {"A": 2.0, "B": 1.0, "C": 1.0}, "综合受理窗口: 都办 A、B、C, 各有侧重 (权重 2.0 的队列)"),
    _comprehensive(2, {"A": 2.0, "B": 1.0, "C": 1.0}),
    _comprehensive(3, {"A": 1.0, "B": 2.0, "C": 1.0}),
    _comprehensive(4, {"A": 1.0, "B": 2.0, "C": 1.0}),
    _comprehensive(5, {"A": 1.0, "B": 1.0, "C": 2.0}),
    _comprehensive(6, {"A": 1.0, "B": 1.0, "C": 2.0}),
    ("w7", 7, "professional", "7号专业窗口", {"D": 1.0},
     "专业窗口"),
    ("w8", 8, "professional", "8号专业窗口", {"D": 1.0, "E": 1.0}, ""),
    ("w9", 9, "professional", "9号专业窗口", {"E": 1.0}, ""),
    ("w10", 10, "output", "10号统一出件窗口", {"F": 1.0},
     "统一出件、咨询、找茬、帮办代办窗口"),
    ("w11", 11, "consult", "11号咨询导办窗口", {"G": 1.0}, ""),
    ("w12", 12, "complaint", "12号\"一次办不好\"窗口", {"H": 1.0}, ""),
    ("w13", 13, "help", "13号帮办代办窗口", {"J": 1.0}, ""),
    ("w14", 14, "tidal", "14号潮汐窗口", {}, "潮汐窗口: 开门时关闭, 排队高峰时开启"),
    ("w15", 15, "tidal", "15号潮汐窗口", {}, ""),
]

DEVICE_LINE = "loop://"

# (id, text, text_en, [(value, label, label_en)])
QUESTIONS = [
    ("who", "本人办理还是代办?", "Are you applying for yourself or for someone else?",
     [("self", "本人办理", "In person"), ("proxy", "他人代办", "On someone's behalf")]),
    ("first", "首次申领还是补换?", "First application or a replacement?",
     [("first", "首次申领", "First application"), ("replace", "补领或换领", "Replacement or renewal")]),
    ("lost", "原证件遗失还是损坏?", "Was the card lost, or is it damaged or expired?",
     [("lost", "遗失补办", "Lost"), ("damaged", "损坏或到期换领", "Damaged or expired")]),
]

# matters that ask "本人办理还是代办?" (a proxy brings the two proxy materials)
WHO_MATTERS = {
    "城乡居民基本养老保险参保登记", "城乡居民养老保险待遇申领", "社会保障卡申领", "社会保障卡挂失与补换",
    "就业创业证申领", "城乡居民基本医疗保险参保登记", "医疗费用手工报销", "门诊慢特病待遇认定",
    "异地就医备案", "最低生活保障申请", "特困人员救助供养申请", "临时救助申请",
    "80周岁以上老年人高龄津贴申领", "困难残疾人生活补贴和重度残疾人护理补贴申请", "残疾人证新办",
    "残疾人证换领与挂失补办", "计划生育家庭特别扶助金申请", "独生子女父母奖励扶助申请",
    "退役军人优待证申领", "耕地地力保护补贴信息核对", "居民用电报装与过户", "居民用水报装与过户",
    "证明材料开具(居住、无犯罪记录以外的村镇证明)", "办件结果领取(统一出件)",
}

# matter -> (second question, {option: the materials for it, before proxy materials})
SECOND_QUESTION = {
    "社会保障卡申领": ("first", {
        "first": ["居民身份证", "近期免冠照片"],
        "replace": ["居民身份证", "近期免冠照片", "原社会保障卡"]}),
    "社会保障卡挂失与补换": ("lost", {
        "lost": ["居民身份证"],
        "damaged": ["居民身份证", "原社会保障卡"]}),
    "就业创业证申领": ("first", {
        "first": ["居民身份证", "户口簿", "近期免冠照片"],
        "replace": ["居民身份证", "近期免冠照片", "原就业创业证或遗失情况说明"]}),
    "残疾人证换领与挂失补办": ("lost", {
        "lost": ["居民身份证", "近期免冠照片", "遗失情况说明"],
        "damaged": ["居民身份证", "残疾人证", "近期免冠照片"]}),
    "退役军人优待证申领": ("first", {
        "first": ["居民身份证", "退役证件", "近期免冠照片"],
        "replace": ["居民身份证", "近期免冠照片", "原优待证或遗失情况说明"]}),
}

CONDITIONS = {
    "城乡居民基本养老保险参保登记": "年满16周岁 (不含在校学生)、不属于职工基本养老保险覆盖范围的本地户籍城乡居民。",
    "城乡居民养老保险待遇申领": "参保人年满60周岁, 累计缴费满15年 (或符合政策规定), 未领取其他基本养老保障待遇。",
    "社会保障卡申领": "已在本地参加社会保险的人员; 补领或换领新卡的须先注销或交回原卡。",
    "社会保障卡挂失与补换": "社会保障卡遗失、损坏或信息有误的持卡人; 遗失的可先电话或线上挂失。",
    "就业创业证申领": "本地劳动年龄内、有劳动能力, 处于失业状态或从事灵活就业、自主创业的人员。",
    "灵活就业人员参保登记": "无雇工的个体工商户、未在用人单位参保的非全日制从业人员及其他灵活就业人员。",
    "城乡居民基本医疗保险参保登记": "不属于职工基本医疗保险覆盖范围的本地城乡居民 (含学生、儿童)。",
    "医疗费用手工报销": "参保人员因急诊、异地就医等原因未能直接结算的合规医疗费用。",
    "门诊慢特病待遇认定": "参保人员患有医保规定的门诊慢性病、特殊疾病病种, 有二级以上医院的诊断证明。",
    "异地就医备案": "参保人员异地长期居住、工作, 或经转诊到参保地以外就医。",
    "最低生活保障申请": "本地户籍, 家庭人均收入低于当地低保标准, 家庭财产状况符合规定。",
    "特困人员救助供养申请": "无劳动能力、无生活来源, 且无法定赡养、抚养、扶养义务人或其无履行能力的老年人、残疾人和未成年人。",
    "临时救助申请": "因突发事件、意外伤害、重大疾病等原因, 基本生活暂时出现严重困难的家庭或个人。",
    "80周岁以上老年人高龄津贴申领": "本地户籍、年满80周岁的老年人。",
    "困难残疾人生活补贴和重度残疾人护理补贴申请": "持第二代残疾人证; 生活补贴: 低保家庭等困难残疾人; 护理补贴: 残疾等级为一、二级。",
    "残疾人证新办": "本地户籍、符合残疾标准的残疾人, 须经指定医疗机构评定残疾类别和等级。",
    "残疾人证换领与挂失补办": "残疾人证有效期满、损坏、遗失, 或残疾等级变化需重新评定的持证人。",
    "生育登记服务": "夫妻双方或一方为本地户籍, 或在本地居住的夫妻; 可在孕前或孕期登记。",
    "计划生育家庭特别扶助金申请": "独生子女死亡或被评定为三级以上残疾且现无存活子女, 女方年满49周岁。",
    "独生子女父母奖励扶助申请": "农村户籍, 只有一个子女或两个女孩, 夫妻年满60周岁, 符合计划生育政策。",
    "退役军人优待证申领": "退役军人和其他优抚对象, 已完成退役军人信息采集。",
    "退役军人信息采集": "户籍在本地的退役军人和其他优抚对象, 须本人到场采集。",
    "参战参试人员生活补助申请": "经认定的参战退役人员和参加核试验军队退役人员, 户籍在本地。",
    "农村宅基地和建房(规划许可)审批": "本村集体经济组织成员, 符合\"一户一宅\"和村庄规划, 经村民小组会议同意。",
    "农村土地承包经营权流转备案": "流转双方已签订书面流转合同, 流转期限不超过承包期的剩余期限。",
    "耕地地力保护补贴信息核对": "拥有耕地承包权的种地农民, 核对补贴面积和发放账户。",
    "林木采伐许可证核发": "林木所有者或经营者, 采伐量在年度采伐限额之内, 采伐前申请。",
    "个体工商户设立登记": "有经营能力的自然人, 有固定的经营场所, 经营范围不属于禁止经营的项目。",
    "个体工商户变更与注销登记": "已登记的个体工商户, 登记事项发生变更或停止经营。",
    "食品小作坊登记": "有固定的生产场所, 从业人员持有效健康证明, 生产条件符合食品安全要求。",
    "法律援助申请": "因经济困难没有委托代理人的公民, 申请事项属于法律援助范围。",
    "人民调解申请": "公民之间、公民与组织之间的民间纠纷, 当事人自愿申请调解。",
    "居民用电报装与过户": "房屋所有人或合法使用人, 新装用电或房屋产权变更需要过户。",
    "居民用水报装与过户": "房屋所有人或合法使用人, 新装用水或房屋产权变更需要过户。",
    "证明材料开具(居住、无犯罪记录以外的村镇证明)": "本镇户籍或常住居民因办事需要村 (社区) 或镇出具的证明; 已取消的证明事项不再开具。",
    "咨询与导办": "任何人都可以咨询; 不知道办什么、怎么办的, 请先取咨询号。",
    "办件结果领取(统一出件)": "持受理回执并已收到办结通知的申请人或其委托人。",
    "一次办不好投诉(找茬)": "在本中心办事遇到推诿扯皮、多次跑动、一次办不好的群众和企业。",
}

# English names of the materials, for the kiosk's and query terminal's English mode
MATERIALS_EN = {
    "与所申请事项有关的材料": "Documents about the matter applied for",
    "从业人员健康证明": "Staff health certificates",
    "代办人居民身份证": "ID card of the person applying on your behalf",
    "出院小结": "Hospital discharge summary",
    "医疗费用票据": "Receipts for medical expenses",
    "原优待证或遗失情况说明": "Old preferential treatment card, or a statement of its loss",
    "原就业创业证或遗失情况说明": "Old employment certificate, or a statement of its loss",
    "原社会保障卡": "Old social security card",
    "参保登记表": "Insurance enrolment form",
    "参战参试证明材料": "Proof of war or test service",
    "双方居民身份证": "ID cards of both parties",
    "受理回执": "Acceptance receipt",
    "变更或注销申请书": "Application for change or closure",
    "困难情况证明材料": "Proof of hardship",
    "土地承包经营权证": "Land contract certificate",
    "备案申请表": "Registration form",
    "夫妻双方居民身份证": "ID cards of both spouses",
    "家庭收入及财产情况说明": "Statement of household income and property",
    "居民身份证": "Resident ID card",
    "建房设计图": "House design drawings",
    "待遇申领表": "Benefit claim form",
    "户口簿": "Household register (hukou booklet)",
    "房屋产权证明": "Proof of house ownership",
    "授权委托书": "Power of attorney",
    "授权核对承诺书": "Authorisation to verify information",
    "村民小组会议记录": "Minutes of the villagers' group meeting",
    "林权证明": "Forest rights certificate",
    "残疾人证": "Disability certificate",
    "流转合同": "Transfer contract",
    "独生子女父母光荣证": "Only-child parents' certificate",
    "生产场所平面图": "Floor plan of the workshop",
    "申请书": "Written application",
    "申请表": "Application form",
    "病历资料": "Medical records",
    "登记申请书": "Registration application",
    "相关情况说明": "Statement of the circumstances",
    "相关证明": "Supporting certificates",
    "纠纷情况说明": "Statement of the dispute",
    "经济困难状况说明": "Statement of financial hardship",
    "经营场所使用证明": "Proof of the right to use the business premises",
    "经营者居民身份证": "Operator's ID card",
    "结婚证": "Marriage certificate",
    "营业执照": "Business licence",
    "认定申请表": "Recognition application form",
    "诊断证明": "Medical diagnosis certificate",
    "费用明细清单": "Itemised list of expenses",
    "近期免冠照片": "Recent bareheaded photo",
    "退役证件": "Discharge certificate",
    "遗失情况说明": "Statement of the loss",
    "采伐申请": "Felling application",
    "银行卡": "Bank card",
    "银行卡或社会保障卡": "Bank card or social security card",
}
