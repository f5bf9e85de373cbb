"""Word pools for the demo shop generator (names, notes, texts). Data only."""

from __future__ import annotations

from desk_app.domain.aftercare import Compensation, ComplaintCategory

# Common surnames, roughly in order of frequency (weights fall off with the index)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_F = "静丽敏艳娟霞秀玲芳燕婷雪琳晶颖佳欣怡梦瑶雅倩蕾诗涵悦妍楠宁璐岚蓉萍月菲晴露薇洁慧思琪嘉可馨"
GIVEN_M = "伟强磊军勇杰涛明超浩俊鹏宇飞斌辉刚峰建文博凯晨阳志平华亮林东海波鑫毅锋翔"

EN_FIRST_F = (
    "Emma Olivia Sophie Grace Chloe Emily Lucy Hannah Amelia Isabella Mia Charlotte Zoe Lily Ella Ava Ruby "
    "Jessica Sarah Rachel Laura Anna Claire Vivian Cindy Angela Tiffany Fiona Helen Irene Joyce Karen Nina"
).split()
EN_FIRST_M = (
    "James Oliver Jack Daniel Thomas Ryan Leo Lucas Henry Max Kevin Eric Jason Peter David Tony Sam".split()
)
EN_LAST = (
    "Smith Johnson Brown Taylor Wilson Davies Evans Thomas Roberts Walker Wright Robinson Thompson White "
    "Hughes Edwards Green Hall Wood Harris Martin Clarke Lewis Jackson Wong Chan Lee Lim Tan Ng Lau Cheung "
    "Ho Lin Chen Miller Moore Anderson Garcia Martinez Kim Park Nguyen Müller Schmidt Dubois Rossi"
).split()

MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 173 176 177 "
    "180 181 182 183 185 186 187 188 189 198 199"
).split()
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "foxmail.com")

SKIN_TYPES = ("dry", "oily", "combination", "normal", "sensitive")
HAIR_TYPES = ("fine", "normal", "thick", "curly")  # the consultation's choice codes
# the words a profile keeps for them, as the consultation writes them (catalog_defaults' choices)
HAIR_WORDS = (("细软", "Fine"), ("中性", "Normal"), ("粗硬", "Thick"), ("自然卷", "Curly"))

# (zh, en) pairs
ALLERGIES = (
    ("对染发剂中的 PPD 过敏", "Allergic to PPD (hair dye)"),
    ("对坚果油过敏", "Nut-oil allergy"),
    ("对酒精类护肤品敏感", "Sensitive to alcohol-based skin care"),
    ("乳胶过敏", "Latex allergy"),
    ("对香精过敏", "Fragrance allergy"),
    ("对果酸过敏", "Reacts to AHA peels"),
)
CONTRAINDICATIONS = (
    ("孕期，避免精油和化学烫染", "Pregnant: no essential oils or chemical treatments"),
    ("正在使用维A酸", "Using retinoids"),
    ("近期做过医美激光", "Recent laser treatment"),
)
PREFERENCES = (
    ("喜欢安静，不爱聊天", "Likes it quiet"),
    ("咖啡加奶不加糖", "Coffee with milk, no sugar"),
    ("喜欢喝温水", "Warm water to drink"),
    ("怕冷，请准备毯子", "Feels the cold: have a blanket ready"),
    ("洗头水温偏低", "Likes the wash water cool"),
    ("喜欢自然妆感", "Prefers a natural look"),
    ("头皮敏感，手法轻一点", "Sensitive scalp: gentle hands"),
    ("周末来店需提前确认", "Confirm weekend visits a day ahead"),
)
CLIENT_NOTES = (
    ("老客户介绍", "Referred by a regular"),
    ("公司附近上班，午休时间来", "Works nearby, comes at lunchtime"),
    ("带孩子来时请安排靠窗位置", "With children: a seat by the window"),
    ("对价格比较敏感，先报价", "Price-conscious: quote first"),
)
GOALS = (
    ("想要清爽好打理的发型", "An easy, fresh style"),
    ("遮盖白发，颜色自然", "Cover greys, natural colour"),
    ("改善干燥缺水", "Less dryness"),
    ("修复受损发质", "Repair damaged hair"),
    ("换个颜色，显气色", "A new colour that brightens"),
    ("舒缓压力，放松肩颈", "Relax neck and shoulders"),
    ("指甲简洁耐看", "Simple, lasting nails"),
)
SERVICE_NOTES = (
    ("顾客满意，建议下次提前预约", "Happy with it; book ahead next time"),
    ("发尾较干，已推荐护发油", "Dry ends: recommended the hair oil"),
    ("皮肤有轻微泛红，已做舒缓", "Slight redness, calmed"),
    ("", ""),
    ("", ""),
)
PROBLEMS = (
    ("上一位顾客超时，开始稍晚", "Previous client ran over; started a little late"),
    ("染膏不够，临时调配", "Ran short of colour, mixed more"),
)
FEEDBACK_GOOD = (
    ("技术很好，很满意", "Great work, very happy"),
    ("环境干净，服务周到", "Clean and attentive"),
    ("发型很适合我", "The style really suits me"),
    ("皮肤明显水润了", "My skin feels much better"),
)
FEEDBACK_BAD = (
    ("等待时间太长", "Waited too long"),
    ("颜色和预期不一样", "The colour is not what I expected"),
    ("结账比报价贵", "The bill was more than the estimate"),
    ("服务态度一般", "Staff were not friendly"),
)
IMPROVEMENTS = (
    ("高峰时段增加一名助理", "An extra assistant at peak times"),
    ("染发前与顾客确认色板", "Confirm the shade chart with the client before colouring"),
    ("报价时说明所有费用", "Explain every fee in the estimate"),
)
FOLLOWUP_COMMENTS = (
    ("顾客表示效果很好", "Client says the result is great"),
    ("有点干，已提醒使用护发素", "A bit dry; reminded about conditioner"),
    ("希望下次换个颜色", "Wants a different colour next time"),
    ("", ""),
)
INQUIRIES = (
    ("询问周末营业时间", "Asked about weekend opening hours"),
    ("咨询烫发价格", "Asked the price of a perm"),
    ("问能否带宠物", "Asked whether pets are allowed"),
    ("咨询会员储值优惠", "Asked about prepaid offers"),
    ("询问停车位置", "Asked where to park"),
)
SERVICE_REQUESTS = (
    ("希望改约到下周", "Wants to move the appointment to next week"),
    ("要求指定发型师", "Asked for a particular stylist"),
    ("预约上门试妆咨询", "Asked for a make-up trial"),
)
COMPLAINTS = (
    (ComplaintCategory.WAIT, "到店后等了 40 分钟", "Waited 40 minutes after arriving"),
    (ComplaintCategory.PRICE, "结账金额高于报价", "Charged more than the estimate"),
    (ComplaintCategory.ATTITUDE, "前台接待不耐烦", "Receptionist was impatient"),
    (ComplaintCategory.SERVICE, "剪短了，不满意", "Cut too short"),
    (ComplaintCategory.PRODUCT, "买的精华用后过敏", "Reaction to the serum bought here"),
    (ComplaintCategory.OTHER, "店内空调太冷", "Air conditioning too cold"),
)
RESOLUTIONS = (
    ("道歉并免费修剪", "Apologised; free re-cut", Compensation.REDO),
    ("退还部分费用", "Partial refund", Compensation.REFUND),
    ("下次消费九折", "10% off the next visit", Compensation.DISCOUNT),
    ("赠送护理一次", "Free treatment voucher", Compensation.VOUCHER),
    ("电话致歉，顾客接受", "Apologised by phone; accepted", Compensation.NONE),
)
REFUND_REASONS = (
    ("产品未开封，顾客退货", "Unopened product returned"),
    ("颜色不满意，退部分费用", "Unhappy with the colour: partial refund"),
    ("收银错误", "Till error"),
)
FORMULA_BRANDS = ("Wella Koleston", "L'Oréal Majirel", "Schwarzkopf Igora", "Goldwell Topchic")
SHADES = ("5/0", "6/1", "6/3", "7/0", "7/43", "8/1", "9/16", "4/65", "10/1")
DEVELOPERS = ("3% 10 vol", "6% 20 vol", "9% 30 vol")

STAFF_ZH = (
    "林晓雯",
    "陈嘉怡",
    "王子豪",
    "张美琳",
    "刘思远",
    "黄诗琪",
    "周俊杰",
    "吴雨欣",
    "赵一鸣",
    "孙丽娜",
    "郑凯文",
    "何佳琪",
    "高晓峰",
    "罗心怡",
    "梁文博",
    "谢婉婷",
    "宋志明",
    "唐雅琴",
    "许晨阳",
    "韩雪梅",
    "冯子健",
    "邓思雨",
    "曹明轩",
    "彭可欣",
    "曾浩然",
    "肖雨桐",
    "田宇航",
    "董欣然",
    "袁梓涵",
    "潘一诺",
)
STAFF_EN = (
    "Mia Chen",
    "Grace Lin",
    "Oliver Wong",
    "Sophie Taylor",
    "Daniel Lee",
    "Chloe Martin",
    "Ryan Ho",
    "Emily Clarke",
    "Lucas Tan",
    "Hannah Green",
    "Jack Lau",
    "Zoe Walker",
    "Henry Lim",
    "Ruby Evans",
    "Leo Cheung",
    "Ella White",
    "Max Park",
    "Anna Hughes",
    "Sam Ng",
    "Lily Wood",
    "Tom Roberts",
    "Ivy Kim",
    "Ben Hall",
    "Nina Harris",
    "Eric Lewis",
    "Amy Clarke",
    "Kevin Chan",
    "Rose Jackson",
    "Paul Moore",
    "Fiona Wright",
)
STAFF_COLOURS = (
    "#5B8DEF",
    "#43A047",
    "#F4511E",
    "#8E24AA",
    "#00897B",
    "#FDD835",
    "#3949AB",
    "#D81B60",
    "#6D4C41",
    "#039BE5",
    "#7CB342",
    "#FB8C00",
)
