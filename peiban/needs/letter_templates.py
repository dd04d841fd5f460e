"""The built-in civility-letter texts (文明劝导函), and the filling of their placeholders.

A template's body uses four placeholders: {compound}, {building}, {date} and {signature}. They are
filled by a plain search and replace of those four names only, so a brace typed in a letter (or a
value that itself contains a placeholder) is never interpreted: no str.format, no attribute lookups.

The texts follow the usual form of a neighbours' letter: the salutation on its own line, the
greeting and the body indented, "此致" indented and "敬礼！" flush left, then the signature and the
date, which the PDF and Word outputs set right-aligned.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

PLACEHOLDERS = ("compound", "building", "date", "signature")
_PLACEHOLDER = re.compile(r"\{(compound|building|date|signature)\}")


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    title: str
    body: str


PETS_AND_POULTRY = BuiltinTemplate(
    key="pets",
    title="文明养宠（家禽）劝导函",
    body="""亲爱的邻居：
您好！感谢您一直以来对{compound}邻里生活的关心和支持。远亲不如近邻，我们同住{compound}{building}，每天抬头不见低头见，彼此多一分体谅，大家的日子就多一分舒心。
最近有几位邻居和我们聊起：清晨天还没亮，院子里就传来公鸡一声接一声的打鸣；也有狗狗没有牵绳在楼道里走动、在草地和路边留下便便的情况。家里的小动物是您的好伙伴，我们完全理解您对它们的喜爱。只是楼里有天不亮就要出门上班的年轻人、需要安静休息的老人，还有刚出生不久的宝宝，清晨的啼鸣可能让他们一整天都打不起精神。
为了让大家都能睡个好觉、住得开心，我们想和您商量几件小事：
一、家禽请尽量圈养在自家院内或阳台，天亮前可以给鸡笼盖上遮光布，减少清晨打鸣；如果方便，也请考虑不在小区里饲养公鸡。
二、遛狗时请牵好绳，随手清理宠物粪便；乘电梯时请抱好宠物或收短牵引绳，照顾到怕狗的老人和孩子。
三、按时为宠物接种疫苗、办理登记，保持饲养的地方干净通风，减少异味。
如果您在安置家禽、照看宠物方面有什么难处，欢迎随时告诉我们，大家一起想办法。小区的和睦离不开每一位邻居的理解与付出，再次感谢您的体谅与配合！
此致
敬礼！

{signature}
{date}""",
)

HALLWAY_CLUTTER = BuiltinTemplate(
    key="hallway",
    title="楼道堆物劝导函",
    body="""亲爱的邻居：
您好！感谢您一直以来对{compound}的关心和爱护。楼道是我们每天进出的必经之路，也是遇到紧急情况时全楼邻居的“生命通道”。
最近我们在{building}走访时看到，楼道和楼梯间里放着一些纸箱、旧家具、花盆和杂物，也有电动自行车停在楼道里充电。我们知道，家里东西多、地方小，放在门口确实方便；但楼道里的杂物一旦遇到火星，火势和浓烟会顺着楼梯很快蔓延，也会挡住老人、孩子和消防救援人员的路。电动自行车在楼道或家中充电，更是容易引发火灾的隐患。
为了大家的平安，我们想请您帮个忙：
一、请把放在楼道、楼梯间和消防通道里的物品收回家中，或者妥善处理；暂时没有地方放的，可以和我们商量临时存放的办法。
二、电动自行车请停放在小区指定的停车棚，到充电桩充电，不要推进楼道和家中。
三、旧家具、大件物品搬运不便的，欢迎告诉我们，我们可以联系志愿者一起帮忙。
一条干净通畅的楼道，是送给家人和邻居最实在的安心。感谢您的理解与支持，让我们一起守护{building}每一位邻居的平安！
此致
敬礼！

{signature}
{date}""",
)

NOISE = BuiltinTemplate(
    key="noise",
    title="噪音扰民劝导函",
    body="""亲爱的邻居：
您好！感谢您对{compound}邻里生活的关心。我们同住{compound}{building}，楼上楼下、一墙之隔，家家户户的声音都会相互传递，一份安静的环境需要我们大家一起来守护。
最近有邻居向我们反映，晚上和清晨时常听到较大的声响：有装修施工的电钻声，有音响和电视的声音，也有拖动桌椅、敲打地面的声音。我们相信这些都不是有意为之，很可能您并没有察觉声音会传到邻居家里。楼里有需要早睡的老人、正在备考的学生、倒班休息的上班族，还有正在养病的邻居，一点点声响都可能影响到他们的休息。
为了大家都能安心生活，我们想和您商量几件事：
一、装修施工请按照物业规定的时间进行，中午和晚上尽量避开使用电钻、切割机等噪声较大的工具。
二、晚上十点以后到早上七点以前，请把电视、音响的音量调低，避免在家中跳跃、拖动家具。
三、在小区里跳广场舞、开展文体活动时，请控制音响音量，选择远离住宅楼的场地。
如果您的家中正好有装修、聚会等安排，提前和邻居打声招呼，往往就能多一分理解。您在生活中如果有什么困难或者想法，也欢迎随时来找我们聊一聊。感谢您的体谅与配合！
此致
敬礼！

{signature}
{date}""",
)

BUILTIN_TEMPLATES: tuple[BuiltinTemplate, ...] = (PETS_AND_POULTRY, HALLWAY_CLUTTER, NOISE)


def format_letter_date(day: datetime.date) -> str:
    """The date as a letter gives it: 2026年12月3日."""
    return f"{day.year}年{day.month}月{day.day}日"


def render_template_text(
    body: str,
    *,
    compound: str,
    building: str,
    date: str | datetime.date,
    signature: str,
) -> str:
    """Fill the four known placeholders; any other brace is left exactly as written."""
    values = {
        "compound": compound,
        "building": building,
        "date": format_letter_date(date) if isinstance(date, datetime.date) else date,
        "signature": signature,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], body)
