"""A starting service menu, products and consultation forms for a new shop.

Prices are in major units of the shop's currency (CNY in the demo); the owner
edits everything in Settings.
"""

from __future__ import annotations

from typing import Any

CATEGORIES: list[dict[str, Any]] = [
    {"code": "hair", "zh": "美发", "en": "Hair", "kind": "hair"},
    {"code": "colour", "zh": "染烫", "en": "Colour & perm", "kind": "hair"},
    {"code": "skin", "zh": "美容护肤", "en": "Skin care", "kind": "skin"},
    {"code": "nails", "zh": "美甲", "en": "Nails", "kind": "nails"},
    {"code": "spa", "zh": "身体护理", "en": "Body & spa", "kind": "generic"},
]

_HAIR_CARE_ZH = "洗发后用毛巾轻轻按干，避免用力揉搓；吹风时保持 15 厘米距离，先吹发根再吹发梢。"
_HAIR_CARE_EN = "Pat hair dry with a towel rather than rubbing; keep the dryer 15 cm away, roots first, then ends."
_COLOUR_CARE_ZH = (
    "染发后 48 小时内不要洗头，让颜色充分锁定；请使用护色洗发水和护发素，"
    "水温不宜过高；游泳时戴泳帽，避免氯水褪色；外出注意防晒。"
)
_COLOUR_CARE_EN = (
    "Wait 48 hours before the first wash so the colour can set. Use colour-safe shampoo and "
    "conditioner in lukewarm water, wear a cap when swimming (chlorine fades colour) and protect "
    "your hair from strong sun."
)
_PERM_CARE_ZH = "烫发后 72 小时内不要洗头、不要扎紧头发；使用弹力素保持卷度，避免高温直板夹。"
_PERM_CARE_EN = "Do not wash or tie your hair tightly for 72 hours. Use a curl cream and avoid flat irons."
_FACIAL_CARE_ZH = (
    "护理后 24 小时内避免化浓妆、蒸桑拿和剧烈运动；一周内加强保湿，每天使用 SPF30 以上防晒；"
    "如有持续发红或刺痛，请联系我们。"
)
_FACIAL_CARE_EN = (
    "For 24 hours avoid heavy make-up, saunas and hard exercise. Moisturise well for a week and use "
    "SPF 30 or higher every day. If redness or stinging lasts, please call us."
)
_NAIL_CARE_ZH = "做完美甲 2 小时内避免热水浸泡；做家务请戴手套；每天涂抹指缘油，出现翘边请及时回店修补。"
_NAIL_CARE_EN = (
    "Avoid hot water for 2 hours. Wear gloves for housework, use cuticle oil daily and come back "
    "for a free repair if an edge lifts."
)
_SPA_CARE_ZH = "护理后多喝温水，当天避免洗冷水澡和饮酒，注意保暖休息。"
_SPA_CARE_EN = "Drink plenty of warm water, avoid cold showers and alcohol today, keep warm and rest."

SERVICES: list[dict[str, Any]] = [
    {"cat": "hair", "code": "CUT-W", "zh": "女士精剪", "en": "Women's cut & style", "price": "168", "min": 60, "ret": 42,
     "care_zh": _HAIR_CARE_ZH, "care_en": _HAIR_CARE_EN, "res": "chair"},
    {"cat": "hair", "code": "CUT-M", "zh": "男士剪发", "en": "Men's cut", "price": "88", "min": 30, "ret": 35,
     "care_zh": _HAIR_CARE_ZH, "care_en": _HAIR_CARE_EN, "res": "chair"},
    {"cat": "hair", "code": "BLOW", "zh": "洗吹造型", "en": "Wash & blow-dry", "price": "68", "min": 30, "ret": 14,
     "care_zh": _HAIR_CARE_ZH, "care_en": _HAIR_CARE_EN, "res": "chair"},
    {"cat": "hair", "code": "SCALP", "zh": "头皮养护", "en": "Scalp treatment", "price": "238", "min": 45, "ret": 28,
     "care_zh": "护理后当天尽量不洗头，让精华充分吸收；平时避免抓挠头皮。",
     "care_en": "Leave the treatment in today if you can; avoid scratching your scalp.", "res": "chair"},
    {"cat": "colour", "code": "COL-ROOT", "zh": "发根补染", "en": "Root colour", "price": "298", "min": 75, "ret": 35,
     "care_zh": _COLOUR_CARE_ZH, "care_en": _COLOUR_CARE_EN, "res": "chair"},
    {"cat": "colour", "code": "COL-FULL", "zh": "全头染发", "en": "Full colour", "price": "498", "min": 120, "ret": 42,
     "care_zh": _COLOUR_CARE_ZH, "care_en": _COLOUR_CARE_EN, "res": "chair"},
    {"cat": "colour", "code": "BALAYAGE", "zh": "手刷挑染", "en": "Balayage", "price": "880", "min": 180, "ret": 70,
     "care_zh": _COLOUR_CARE_ZH, "care_en": _COLOUR_CARE_EN, "res": "chair"},
    {"cat": "colour", "code": "PERM", "zh": "数码烫", "en": "Digital perm", "price": "680", "min": 150, "ret": 90,
     "care_zh": _PERM_CARE_ZH, "care_en": _PERM_CARE_EN, "res": "chair"},
    {"cat": "skin", "code": "FAC-HYD", "zh": "深层补水护理", "en": "Hydrating facial", "price": "388", "min": 60, "ret": 28,
     "care_zh": _FACIAL_CARE_ZH, "care_en": _FACIAL_CARE_EN, "res": "room"},
    {"cat": "skin", "code": "FAC-CLN", "zh": "清洁焕肤护理", "en": "Deep-cleansing facial", "price": "328", "min": 60, "ret": 28,
     "care_zh": _FACIAL_CARE_ZH, "care_en": _FACIAL_CARE_EN, "res": "room"},
    {"cat": "skin", "code": "FAC-SENS", "zh": "敏感肌舒缓护理", "en": "Calming facial (sensitive skin)", "price": "428", "min": 75, "ret": 28,
     "care_zh": _FACIAL_CARE_ZH, "care_en": _FACIAL_CARE_EN, "res": "room"},
    {"cat": "nails", "code": "MANI", "zh": "基础修手", "en": "Manicure", "price": "98", "min": 45, "ret": 21,
     "care_zh": _NAIL_CARE_ZH, "care_en": _NAIL_CARE_EN, "res": ""},
    {"cat": "nails", "code": "GEL", "zh": "光疗甲", "en": "Gel manicure", "price": "198", "min": 75, "ret": 21,
     "care_zh": _NAIL_CARE_ZH, "care_en": _NAIL_CARE_EN, "res": ""},
    {"cat": "nails", "code": "PEDI", "zh": "足部护理", "en": "Pedicure", "price": "168", "min": 60, "ret": 28,
     "care_zh": _NAIL_CARE_ZH, "care_en": _NAIL_CARE_EN, "res": ""},
    {"cat": "spa", "code": "MASSAGE", "zh": "肩颈舒缓按摩", "en": "Neck & shoulder massage", "price": "258", "min": 60, "ret": 14,
     "care_zh": _SPA_CARE_ZH, "care_en": _SPA_CARE_EN, "res": "room"},
]

PRODUCTS: list[dict[str, Any]] = [
    {"sku": "SH-COL-250", "pack": 6, "barcode": "6901234500011", "zh": "护色洗发水 250ml", "en": "Colour-care shampoo 250 ml",
     "price": "128", "cost": "52", "stock": 40, "reorder": 10,
     "use_zh": "取适量于湿发，轻揉起泡后冲净，每周 3-4 次。", "use_en": "Lather a little into wet hair and rinse; 3-4 times a week."},
    {"sku": "CO-COL-250", "pack": 6, "barcode": "6901234500028", "zh": "护色护发素 250ml", "en": "Colour-care conditioner 250 ml",
     "price": "138", "cost": "55", "stock": 35, "reorder": 10,
     "use_zh": "洗发后涂抹于发中至发尾，停留 2 分钟后冲净。", "use_en": "Apply mid-lengths to ends after shampoo, leave 2 minutes, rinse."},
    {"sku": "OIL-50", "barcode": "6901234500035", "zh": "修护发油 50ml", "en": "Repair hair oil 50 ml",
     "price": "168", "cost": "60", "stock": 25, "reorder": 8,
     "use_zh": "吹干前取 2-3 滴涂抹发尾。", "use_en": "Smooth 2-3 drops through the ends before blow-drying."},
    {"sku": "CURL-150", "barcode": "6901234500042", "zh": "弹力素 150ml", "en": "Curl cream 150 ml",
     "price": "98", "cost": "38", "stock": 20, "reorder": 6,
     "use_zh": "半干时抓揉于卷发，自然风干。", "use_en": "Scrunch into damp curls and let dry naturally."},
    {"sku": "SER-HYD-30", "barcode": "6901234500059", "zh": "玻尿酸补水精华 30ml", "en": "Hyaluronic serum 30 ml",
     "price": "298", "cost": "110", "stock": 18, "reorder": 5,
     "use_zh": "早晚洁面后取 2 滴按压全脸。", "use_en": "Morning and night after cleansing, press 2 drops over the face."},
    {"sku": "SPF50-50", "barcode": "6901234500066", "zh": "清爽防晒乳 SPF50 50ml", "en": "Light sunscreen SPF 50, 50 ml",
     "price": "158", "cost": "58", "stock": 30, "reorder": 10,
     "use_zh": "出门前 15 分钟涂抹，每 2-3 小时补涂。", "use_en": "Apply 15 minutes before going out; reapply every 2-3 hours."},
    {"sku": "CLN-SENS", "barcode": "6901234500073", "zh": "氨基酸洁面乳 120ml", "en": "Gentle amino cleanser 120 ml",
     "price": "118", "cost": "40", "stock": 24, "reorder": 8,
     "use_zh": "取黄豆大小加水起泡，轻柔按摩后冲净。", "use_en": "Lather a pea-sized amount with water, massage gently, rinse."},
    {"sku": "CUT-OIL", "barcode": "6901234500080", "zh": "指缘营养油 15ml", "en": "Cuticle oil 15 ml",
     "price": "68", "cost": "20", "stock": 30, "reorder": 8,
     "use_zh": "每天睡前涂抹于指缘并按摩。", "use_en": "Massage into cuticles every night."},
    {"sku": "BB-DEV-20", "pack": 4, "barcode": "", "zh": "双氧乳 6% (院用)", "en": "Developer 20 vol (back bar)",
     "price": "0", "cost": "45", "stock": 12, "reorder": 4, "retail": False, "backbar": True, "unit": "bottle",
     "use_zh": "", "use_en": ""},
    {"sku": "BB-COLOR", "pack": 12, "barcode": "", "zh": "染膏 (院用)", "en": "Colour tube (back bar)",
     "price": "0", "cost": "35", "stock": 60, "reorder": 20, "retail": False, "backbar": True, "unit": "tube",
     "use_zh": "", "use_en": ""},
    {"sku": "BB-MASK", "pack": 10, "barcode": "", "zh": "补水面膜 (院用)", "en": "Hydrating mask (back bar)",
     "price": "0", "cost": "12", "stock": 80, "reorder": 20, "retail": False, "backbar": True, "unit": "pc",
     "use_zh": "", "use_en": ""},
]

PACKAGES: list[dict[str, Any]] = [
    {"zh": "洗吹造型 10 次卡", "en": "10 blow-dries", "service": "BLOW", "sessions": 10, "price": "580", "days": 365},
    {"zh": "补水护理 6 次卡", "en": "6 hydrating facials", "service": "FAC-HYD", "sessions": 6, "price": "1980", "days": 365},
]


def _c(key: str, zh: str, en: str) -> dict[str, str]:
    return {"key": key, "zh": zh, "en": en}


QUESTIONS: list[dict[str, Any]] = [
    # hair
    {"kind": "hair", "key": "hair_type", "zh": "发质", "en": "Hair type", "type": "choice",
     "choices": [_c("fine", "细软", "Fine"), _c("normal", "中性", "Normal"), _c("thick", "粗硬", "Thick"),
                 _c("curly", "自然卷", "Curly")], "required": True},
    {"kind": "hair", "key": "condition", "zh": "发况", "en": "Condition", "type": "multi",
     "choices": [_c("healthy", "健康", "Healthy"), _c("dry", "干燥", "Dry"), _c("damaged", "受损", "Damaged"),
                 _c("split", "分叉", "Split ends"), _c("oily", "油腻", "Oily")]},
    {"kind": "hair", "key": "scalp", "zh": "头皮状况", "en": "Scalp", "type": "choice",
     "choices": [_c("normal", "正常", "Normal"), _c("oily", "偏油", "Oily"), _c("dry", "干燥/头屑", "Dry / flaky"),
                 _c("sensitive", "敏感", "Sensitive")]},
    {"kind": "hair", "key": "chemical_history", "zh": "近期化学处理（染/烫/拉直）", "en": "Previous chemical work (colour, perm, straightening)", "type": "text"},
    {"kind": "hair", "key": "desired_result", "zh": "期望效果", "en": "Desired result", "type": "text", "required": True},
    # skin
    {"kind": "skin", "key": "skin_type", "zh": "肤质", "en": "Skin type", "type": "choice",
     "choices": [_c("dry", "干性", "Dry"), _c("oily", "油性", "Oily"), _c("combination", "混合性", "Combination"),
                 _c("normal", "中性", "Normal"), _c("sensitive", "敏感性", "Sensitive")], "required": True},
    {"kind": "skin", "key": "concerns", "zh": "主要困扰", "en": "Concerns", "type": "multi",
     "choices": [_c("dryness", "缺水", "Dryness"), _c("acne", "痘痘", "Acne"), _c("pores", "毛孔", "Pores"),
                 _c("pigment", "色斑", "Pigmentation"), _c("redness", "泛红", "Redness"), _c("lines", "细纹", "Fine lines")]},
    {"kind": "skin", "key": "allergies", "zh": "过敏史", "en": "Allergies", "type": "text"},
    {"kind": "skin", "key": "contraindications", "zh": "禁忌（孕期、用药、近期医美）", "en": "Contraindications (pregnancy, medication, recent treatments)", "type": "text"},
    # nails
    {"kind": "nails", "key": "nail_condition", "zh": "指甲状况", "en": "Nail condition", "type": "choice",
     "choices": [_c("healthy", "健康", "Healthy"), _c("brittle", "易断", "Brittle"), _c("thin", "薄软", "Thin"),
                 _c("damaged", "受损", "Damaged")]},
    {"kind": "nails", "key": "shape", "zh": "甲型", "en": "Shape", "type": "choice",
     "choices": [_c("round", "圆形", "Round"), _c("square", "方形", "Square"), _c("almond", "杏仁形", "Almond"),
                 _c("oval", "椭圆", "Oval")]},
    {"kind": "nails", "key": "colour_wish", "zh": "颜色/款式", "en": "Colour or design", "type": "text"},
    # generic
    {"kind": "generic", "key": "request", "zh": "需求", "en": "What the client wants", "type": "text", "required": True},
    {"kind": "generic", "key": "health_notes", "zh": "健康注意事项", "en": "Health notes", "type": "text"},
]

# a chair or room has one name, the shop's own: made in the shop's language (an English shop's
# calendar said "With Chloe Martin · 1号位")
RESOURCES: list[dict[str, str]] = [
    {"zh": "1号位", "en": "Chair 1", "kind": "chair"},
    {"zh": "2号位", "en": "Chair 2", "kind": "chair"},
    {"zh": "3号位", "en": "Chair 3", "kind": "chair"},
    {"zh": "4号位", "en": "Chair 4", "kind": "chair"},
    {"zh": "美容房 A", "en": "Treatment room A", "kind": "room"},
    {"zh": "美容房 B", "en": "Treatment room B", "kind": "room"},
]

DEFAULT_HOURS: dict[str, Any] = {
    day: [["10:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
} | {"breaks": {day: [["13:00", "13:30"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}


# the contraindication rules a new shop starts with (docs/safety.md); the owner edits them in Settings
SAFETY_RULES: list[dict[str, Any]] = [
    {
        "zh": "染发剂过敏（PPD）",  # one name, in the shop's language (was both on one line)
        "en": "Hair dye allergy (PPD)",
        "keywords": "PPD, hair dye, dye, 染发, 染膏, 对苯二胺",
        "cat": "colour",
        "days": 7,
    },
]
