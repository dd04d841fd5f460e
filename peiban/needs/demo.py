"""A year of needs in the demo compound 梧桐里小区, written through the needs services.

About 300 needs (fewer in a small test compound) raised by residents over the last twelve months,
moved through the loop with realistic durations, each with one to six steps taken by residents or
staff. The share of steps residents take rises month by month, as it should when the method
works. Some needs are referred to the property company or the street office, some declined with
a reason, a few reopened, a few places keep coming back (the same category in the same building),
and some needs are public.

The rooster case is told in full: in 5栋 a resident keeps a rooster that crows at dawn; a neighbour
raises it in the building's group chat, staff accompany the neighbour, they find the owner
together, draft and post a civility letter, the owner gives ground, the neighbour verifies and the
owner is thanked in public (with their consent).

Everything is drawn from one seeded generator, so the same compound gives the same story; dates
are counted back from the day of loading. Everything here is invented.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.db.models import prefetch_related_objects
from django.utils import timezone

from peiban.core.models import ConsentPurpose, Membership, Role
from peiban.core.privacy import consent_record
from peiban.needs.models import (
    ActionKind,
    Category,
    Channel,
    Need,
    RecognitionKind,
    Stage,
    Urgency,
    Visibility,
)
from peiban.needs.services import (
    action_add,
    categories_ensure,
    help_offer,
    letter_draft,
    letter_posted,
    need_add_companion,
    need_move,
    need_raise,
    need_reopen,
    need_set_lead,
    recognition_give,
)
from peiban.places.models import Building, Community, Resident

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_SEED = 20240601
FULL_SIZE = 300  # needs in the 20-building compound
MIN_NEEDS = 30
RESIDENTS_FOR_FULL_SIZE = 5000  # residents above which the compound gets the full 300
MAX_STEPS = 6
CONSENT_VERSION = "2024-1"

ROOSTER_BUILDING = "5"
ROOSTER_TITLE = "5栋清晨鸡鸣扰民"


def rooster_title(building_label: str) -> str:
    """The rooster case's title; in a compound without 5栋 it happens in the last building."""
    return f"{building_label}栋清晨鸡鸣扰民"


# --- What residents raise -----------------------------------------------------------------------

# How often each category comes up (domain rules §9 names); the first four are the most common.
CATEGORY_WEIGHTS: dict[str, float] = {
    "物业服务": 20,
    "邻里关系": 18,
    "停车与交通": 14,
    "环境卫生与绿化": 14,
    "公共设施与空间": 8,
    "安全/治安": 6,
    "服务需求": 5,
    "业主自治": 4,
    "社区活动/自组织": 4,
    "占道与摊贩": 3,
    "住改商/群租": 3,
    "违建": 3,
    "其他": 2,
}

PROPERTY = "梧桐里物业服务中心"
STREET = "梧桐街道办事处"
STREET_ENFORCEMENT = "梧桐街道综合执法队"
COMMITTEE = "梧桐里社区居委会"

Step = tuple[str, str]  # (ActionKind, what was done)


@dataclass(frozen=True)
class _Kind:
    """One kind of need, with its variations.

    Placeholders: {bu} building and unit (5栋2单元), {b} building, {f} the raiser's floor,
    {up} the floor above, {r} the raiser's room.
    """

    key: str
    category: str
    titles: tuple[str, ...]
    details: tuple[str, ...]
    steps: tuple[Step, ...]
    home: bool = False  # about the raiser's own home (the need names the dwelling)
    public: float = 0.2  # chance the need is public
    refer_to: str = ""  # where it goes when it is referred
    refer: float = 0.0  # chance it is referred
    urgency: str = Urgency.NORMAL


T, V, M, L, N, MT, OT = (
    ActionKind.TALK,
    ActionKind.VISIT,
    ActionKind.MEDIATION,
    ActionKind.LETTER,
    ActionKind.NOTICE,
    ActionKind.MEETING,
    ActionKind.OTHER,
)

KINDS: tuple[_Kind, ...] = (
    # 物业服务
    _Kind(
        "lift",
        "物业服务",
        ("{bu}电梯频繁故障", "{bu}电梯运行有异响还困过人"),
        (
            "{bu}的电梯这个月已经停了三次，最长一次停了两天，住高层的老人只能爬楼梯，物业说在等配件。",
            "电梯运行时有异响，上周还困过人，十几分钟后才有人来开门，大家坐电梯都提心吊胆。",
        ),
        (
            (T, "一起整理了电梯停运的日期、时长和受影响的住户"),
            (MT, "楼栋议事会上请物业工程部说明维修计划和时间"),
            (N, "在单元门口张贴电梯维修进度，每周更新一次"),
            (OT, "电梯更换了主板和门机，连续一个月没有再停"),
        ),
        public=0.6,
        refer_to=PROPERTY,
        refer=0.3,
        urgency=Urgency.HIGH,
    ),
    _Kind(
        "lights",
        "物业服务",
        ("{bu}楼道灯坏了", "{bu}{f}楼到顶楼楼道灯不亮"),
        (
            "晚上下楼黑乎乎的，老人怕摔跤，报修两次了还没人来修。",
            "好几层的感应灯都不亮了，孩子晚上放学回来只能打手机电筒。",
        ),
        (
            (V, "逐层查看，记下不亮的灯一共十一盏"),
            (OT, "把清单交给物业报修，约好一周内修好"),
            (OT, "会电工的居民先自己买了两盏感应灯换上"),
        ),
        refer_to=PROPERTY,
        refer=0.35,
    ),
    _Kind(
        "cleaning",
        "物业服务",
        ("{b}栋楼道保洁不到位", "{bu}楼梯间长期没人打扫"),
        (
            "楼道地面一周才拖一次，扶手上全是灰，楼梯间堆着小广告。",
            "楼梯间有烟头和垃圾，问保洁说人手不够，一个人管三栋楼。",
        ),
        (
            (MT, "和几位楼栋居民一起对照物业合同里的保洁标准"),
            (T, "和物业项目经理沟通保洁频次和人手"),
            (N, "居民志愿者把保洁时间表贴在单元门口，方便大家一起监督"),
        ),
        public=0.5,
        refer_to=PROPERTY,
        refer=0.25,
    ),
    _Kind(
        "water",
        "物业服务",
        ("{b}栋停水没有提前通知", "{b}栋突然停水一整天"),
        (
            "上午突然停水到下午，家里老人孩子都不知道，物业群里事后才发通知。",
            "二次供水水箱清洗停水，只在大门口贴了一张纸，很多人没看到。",
        ),
        (
            (T, "和物业客服沟通停水、停电通知的做法"),
            (MT, "商量由各单元的楼栋长在单元群里转发通知"),
            (OT, "物业答应停水停电至少提前一天在单元群和电梯里通知"),
        ),
        public=0.5,
        refer_to=PROPERTY,
        refer=0.2,
    ),
    _Kind(
        "fees",
        "物业服务",
        ("对物业费上涨有疑问", "物业费收支情况想了解清楚"),
        (
            "物业贴出通知说明年物业费要涨，大家想知道涨价的依据和去年的收支情况。",
            "交了这么多年物业费，从来没见过收支公示，居民心里没底。",
        ),
        (
            (OT, "居民代表整理了想问物业的十个问题"),
            (MT, "组织居民代表和物业面对面沟通，物业答应公示上一年收支"),
            (N, "物业在公告栏公示了收支明细，居民代表逐项核对"),
        ),
        public=0.8,
    ),
    _Kind(
        "drain",
        "物业服务",
        ("{bu}下水管堵塞返水", "{bu}一楼下水道反味"),
        (
            "一楼厨房下水返水，楼上一用水就往外冒，已经好几天了。",
            "卫生间地漏一直冒臭味，夏天特别严重，疑似主管道堵了。",
        ),
        (
            (V, "一起到一楼住户家查看返水情况并拍照"),
            (OT, "报物业疏通主管道，楼上住户配合暂停用水两小时"),
            (N, "在单元群提醒大家不要往下水道倒油和剩饭"),
        ),
        refer_to=PROPERTY,
        refer=0.4,
        urgency=Urgency.HIGH,
    ),
    # 邻里关系
    _Kind(
        "noise_upstairs",
        "邻里关系",
        ("{bu}{up}楼深夜噪音", "楼上半夜总有弹珠落地的声音"),
        (
            "楼上住户每天晚上十一点以后还在走动、拖椅子，孩子被吵醒好几次。",
            "楼上半夜有弹珠掉地的声音，敲过一次门，对方说不是他们家。",
        ),
        (
            (T, "梳理噪音出现的时间和规律，先不急着去找对方"),
            (V, "一起上楼敲门，和楼上住户平和地聊了聊"),
            (M, "约两家在楼栋议事角坐下来谈，楼上答应晚上十点后多注意"),
            (OT, "楼上铺了地垫、给椅子加了脚垫，晚上十点后尽量放轻脚步"),
        ),
        home=True,
        public=0.0,
    ),
    _Kind(
        "leak",
        "邻里关系",
        ("{bu}{up}楼卫生间漏水到楼下", "楼上漏水，天花板发霉"),
        (
            "楼下天花板一直渗水，墙皮掉了一片，楼上是租户，联系不上房东。",
            "卫生间顶上滴水快一个月了，楼上说不是他们家的问题，不让进门看。",
        ),
        (
            (V, "一起上楼查看漏水位置"),
            (T, "通过物业联系上了楼上的房东"),
            (M, "约房东、租户和楼下住户一起商量维修和赔偿"),
            (OT, "房东请师傅重做了卫生间防水，赔了楼下刷墙的钱"),
        ),
        home=True,
        public=0.0,
        urgency=Urgency.HIGH,
    ),
    _Kind(
        "renovation",
        "邻里关系",
        ("{b}栋装修噪音从早到晚", "{bu}装修周末一早就开电钻"),
        (
            "{up}楼在装修，周末早上七点就开始电钻，楼里有值夜班的人白天要睡觉。",
            "装修已经三个月了，中午也不停工，家里老人午睡被吵得心慌。",
        ),
        (
            (T, "一起查了小区装修管理规定里的施工时间"),
            (N, "和物业在单元门口重新张贴装修施工时间规定"),
            (M, "和装修户、施工队负责人一起商定中午和周末的施工时间"),
        ),
        public=0.1,
    ),
    _Kind(
        "dogs",
        "邻里关系",
        ("{b}栋附近遛狗不牵绳", "大狗不拴绳吓到孩子"),
        (
            "有人在{b}栋前遛大狗不牵绳，孩子被扑过一次，家长很担心。",
            "晚上遛狗的人多，有几条狗不拴绳，老人不敢出门散步。",
        ),
        (
            (MT, "请养宠居民和有孩子的家庭一起议事"),
            (L, "和养宠居民一起起草文明养宠倡议书"),
            (N, "把文明养宠倡议书张贴在各单元门口"),
            (OT, "几位养宠居民自发组成文明养宠小组，遛狗时互相提醒"),
        ),
        public=0.5,
    ),
    _Kind(
        "dog_mess",
        "邻里关系",
        ("{b}栋楼下狗粪没人清理", "{b}栋门口草坪狗粪多"),
        (
            "每天早上{b}栋门口都有狗粪，踩到好几次，也不知道是谁家的狗。",
            "草坪上的狗粪没人捡，孩子在草地上玩很不卫生。",
        ),
        (
            (V, "早晚两次在楼下观察，找到了常在这里遛狗的几户"),
            (T, "和养狗的邻居聊了聊，大家都说愿意带袋子"),
            (OT, "居民在楼下挂了一个取袋盒，放上拾便袋"),
        ),
        public=0.4,
    ),
    _Kind(
        "throwing",
        "邻里关系",
        ("{b}栋有人从楼上往下扔东西", "{b}栋高空抛物"),
        (
            "{b}栋楼下经常有烟头、果皮，上周还掉下来一个塑料瓶，差点砸到人。",
            "晾在楼下的被子上被泼了脏水，楼下花坛里常有从楼上扔下来的垃圾。",
        ),
        (
            (N, "在电梯里张贴高空抛物的危害和法律后果"),
            (MT, "和楼栋居民商量在楼下安装朝上的监控"),
            (OT, "物业在{b}栋两侧装了朝上的摄像头，之后没有再发现抛物"),
        ),
        public=0.6,
        refer_to=PROPERTY,
        refer=0.2,
        urgency=Urgency.DANGER,
    ),
    _Kind(
        "corridor",
        "邻里关系",
        ("{bu}{f}楼公共走廊被占用", "对门在走廊堆电动车和旧家具"),
        (
            "邻居在公共走廊放了鞋柜和纸箱，推婴儿车进出都很难。",
            "对门把电动车和旧家具放在走廊里，我们家门都开不全。",
        ),
        (
            (T, "一起量了走廊的宽度，拍了照"),
            (M, "和对门邻居坐下来商量，对方答应把纸箱清走，鞋柜往墙边挪"),
            (OT, "走廊清出来了，两家商量好只放一个小鞋架"),
        ),
        home=True,
        public=0.0,
    ),
    _Kind(
        "square_dance",
        "邻里关系",
        ("小区广场舞音响太吵", "{b}栋旁广场舞噪音扰民"),
        (
            "晚上七点到九点半，广场舞音响开得很大，{b}栋靠广场一侧的住户关着窗也听得到。",
            "家里孩子要上网课，外面广场舞的音乐太响，孩子听不清老师讲课。",
        ),
        (
            (T, "听了听广场舞队的想法：她们也不想扰民，只是找不到别的地方"),
            (MT, "请广场舞队领队和{b}栋居民代表一起议事"),
            (OT, "广场舞队换了小音箱，结束时间提前到九点"),
        ),
        public=0.7,
    ),
    _Kind(
        "aircon",
        "邻里关系",
        ("{bu}楼上空调外机滴水", "空调冷凝水滴到楼下阳台"),
        (
            "楼上空调外机的冷凝水一直滴在我家窗台上，吵得睡不着，窗台也发霉了。",
            "夏天楼上空调滴水砸在雨棚上，整夜滴答响。",
        ),
        (
            (V, "一起查看滴水位置，确认是哪一户的外机"),
            (M, "和楼上住户商量接一根排水管"),
            (OT, "楼上请人接好了冷凝水管"),
        ),
        home=True,
        public=0.0,
    ),
    # 停车与交通
    _Kind(
        "fire_lane",
        "停车与交通",
        ("{b}栋门前乱停车堵住通道", "{b}栋旁消防通道被占"),
        (
            "晚上{b}栋门口停满了车，救护车和消防车都开不进来。",
            "上个月有老人突发疾病，救护车被堵在{b}栋路口，大家都很后怕。",
        ),
        (
            (V, "晚上九点一起去数了数占道的车辆"),
            (MT, "召集有车的住户商量停车办法"),
            (N, "在消防通道地面重新画线，立了禁停提示牌"),
            (OT, "居民志愿者连续一周晚上在路口提醒，占道基本没有了"),
        ),
        public=0.8,
        refer_to=PROPERTY,
        refer=0.3,
        urgency=Urgency.HIGH,
    ),
    _Kind(
        "charging",
        "停车与交通",
        ("{b}栋有人从楼上拉电线给电动车充电", "{b}栋飞线充电"),
        (
            "{b}栋有几户从窗户垂下电线给楼下的电动车充电，下雨天很危险。",
            "电动车充电桩太少，大家只好拉插线板，晚上楼下全是电线。",
        ),
        (
            (V, "一起数了数飞线的位置，一共七处"),
            (MT, "议事会商量在{b}栋旁增设充电桩"),
            (N, "在单元门口张贴安全充电提示"),
            (OT, "物业在{b}栋旁装了二十个充电口，飞线都撤了"),
        ),
        public=0.6,
        refer_to=PROPERTY,
        refer=0.3,
        urgency=Urgency.HIGH,
    ),
    _Kind(
        "outside_cars",
        "停车与交通",
        ("外来车辆占用小区车位", "下班回来没有车位"),
        (
            "门岗不查车，附近写字楼的车都停进来了，业主下班回来找不到车位。",
            "外来车辆白天停进来，晚上也不走，小区车位越来越紧张。",
        ),
        (
            (V, "连续三天傍晚统计了外来车辆的数量"),
            (MT, "和业主代表、物业一起商量门岗登记和临时停车收费"),
            (OT, "物业开始登记外来车辆，傍晚车位紧张缓解了不少"),
        ),
        public=0.7,
        refer_to=PROPERTY,
        refer=0.4,
    ),
    _Kind(
        "bike_shed",
        "停车与交通",
        ("{b}栋非机动车棚太挤", "{b}栋车棚里都是僵尸自行车"),
        (
            "车棚里的车横七竖八，老人推车进出很困难。",
            "{b}栋车棚塞满了落灰的旧自行车，新买的电动车都没地方放。",
        ),
        (
            (N, "在车棚张贴通知，请车主一个月内认领旧车"),
            (OT, "居民志愿者和物业一起清理了无人认领的旧车二十多辆"),
            (MT, "商量车棚分区，电动车和自行车分开停"),
        ),
        public=0.6,
    ),
    _Kind(
        "abandoned_car",
        "停车与交通",
        ("{b}栋旁长期停放的废弃车辆", "{b}栋路边僵尸车"),
        (
            "一辆落满灰的旧车在{b}栋旁停了一年多，轮胎都瘪了，占着车位。",
            "{b}栋路边有两辆车很久没动过，车底下有野猫窝。",
        ),
        (
            (V, "拍照记录车辆情况和车牌"),
            (OT, "请物业在车上张贴挪车通知"),
        ),
        public=0.5,
        refer_to=PROPERTY,
        refer=0.5,
    ),
    _Kind(
        "school_gate",
        "停车与交通",
        ("小区南门早高峰拥堵", "放学时段小区门口停满接孩子的车"),
        (
            "早上七点半送孩子上学的车都堵在南门口，进出都要等十几分钟。",
            "放学时间门口停满了接孩子的车，步行的老人孩子要从车缝里穿过去。",
        ),
        (
            (V, "早高峰在门口观察了一周车流"),
            (MT, "和家长们商量错峰出门和结伴步行上学"),
            (OT, "街道在南门口施划了临时停车位，早高峰有交通志愿者"),
        ),
        public=0.8,
        refer_to=STREET,
        refer=0.4,
    ),
    # 环境卫生与绿化
    _Kind(
        "garbage",
        "环境卫生与绿化",
        ("{b}栋垃圾桶经常满溢", "{b}栋旁垃圾没人及时清运"),
        (
            "{b}栋旁的垃圾桶每天傍晚就满了，垃圾堆在地上，夏天气味很大。",
            "垃圾清运一天只有早上一次，到晚上垃圾就溢出来了，还招老鼠。",
        ),
        (
            (V, "傍晚一起查看垃圾桶满溢的情况"),
            (MT, "商量增加一组垃圾桶和傍晚清运一次"),
            (OT, "居民志愿者在晚饭后的高峰时段引导大家分类投放"),
        ),
        public=0.7,
        refer_to=PROPERTY,
        refer=0.3,
    ),
    _Kind(
        "sorting",
        "环境卫生与绿化",
        ("{b}栋垃圾分类没人管", "有害垃圾不知道往哪儿扔"),
        (
            "分类桶摆了，但大家还是混着扔，厨余桶里全是塑料袋。",
            "不知道哪些是有害垃圾，旧电池和过期药不知道往哪儿扔。",
        ),
        (
            (MT, "和几位热心居民商量成立垃圾分类督导小组"),
            (N, "在投放点张贴图文版分类指南"),
            (OT, "督导小组排班，每晚有两位居民在投放点值守"),
        ),
        public=0.8,
    ),
    _Kind(
        "vegetables",
        "环境卫生与绿化",
        ("{b}栋楼下绿化带被种了菜", "有人在绿地里种菜浇粪水"),
        (
            "有居民把{b}栋前的绿化带翻了种葱和青菜，还浇粪水，气味很大。",
            "绿地被圈起来种菜，还用旧门板围了起来，影响大家走路。",
        ),
        (
            (T, "找到了种菜的阿姨，听她说说为什么种菜"),
            (M, "和种菜的住户、物业一起商量，把菜移到屋顶的共享菜园"),
            (OT, "绿化带恢复了草坪，共享菜园里多了一块阿姨的菜地"),
        ),
        public=0.3,
    ),
    _Kind(
        "tree",
        "环境卫生与绿化",
        ("{b}栋前的大树挡住低楼层采光", "{b}栋旁树木该修剪了"),
        (
            "{b}栋前的樟树长得比三楼还高，一二楼白天都要开灯，还招虫子。",
            "树枝伸到窗户边，刮风时敲玻璃，晚上睡不着。",
        ),
        (
            (V, "一起查看树木遮挡的情况，拍照测量"),
            (OT, "报物业申请园林部门修剪"),
            (N, "修剪前在单元群里通知停车挪位"),
        ),
        public=0.4,
        refer_to=PROPERTY,
        refer=0.45,
    ),
    _Kind(
        "rats",
        "环境卫生与绿化",
        ("{b}栋地下室老鼠多", "{b}栋车库老鼠咬坏电线"),
        (
            "地下室和垃圾房附近老鼠越来越多，晚上还窜到一楼住户家里。",
            "车库里的电线被老鼠咬了，车主很着急。",
        ),
        (
            (V, "一起查看了老鼠出没的地方和洞口"),
            (OT, "物业请专业公司投放了鼠饵，封堵了洞口"),
            (N, "提醒大家垃圾扎紧袋口，不要在楼下喂猫"),
        ),
        refer_to=PROPERTY,
        refer=0.4,
    ),
    _Kind(
        "mosquitoes",
        "环境卫生与绿化",
        ("小区景观水池积水滋生蚊虫", "{b}栋旁水沟不通发臭"),
        (
            "景观水池的水很久没换了，发绿发臭，晚上蚊子特别多。",
            "{b}栋旁的排水沟堵了，下雨后积水好几天不退。",
        ),
        (
            (V, "一起查看积水的地方"),
            (MT, "商量水池是放干还是改成种植池"),
            (OT, "物业清理了水池，居民一起种上了水生植物"),
        ),
        public=0.6,
        refer_to=PROPERTY,
        refer=0.3,
    ),
    # 公共设施与空间
    _Kind(
        "fitness",
        "公共设施与空间",
        ("小区健身器材坏了没人修", "{b}栋旁健身器材松动"),
        (
            "健身区的太空漫步机断了一根轴，老人用的时候差点摔倒。",
            "几件健身器材的螺丝松了，晃得厉害，孩子在上面爬很危险。",
        ),
        (
            (V, "一起把健身区的器材逐件检查了一遍"),
            (N, "在坏掉的器材上挂了暂停使用的提示"),
            (OT, "物业联系厂家更换了两件器材"),
        ),
        public=0.8,
        refer_to=PROPERTY,
        refer=0.3,
    ),
    _Kind(
        "benches",
        "公共设施与空间",
        ("小区里老人没地方坐", "{b}栋门口想放几张长椅"),
        (
            "从菜市场回来的老人走到{b}栋门口要歇一歇，但附近一张椅子都没有。",
            "傍晚老人们在楼下聊天只能站着，或者自己带小板凳。",
        ),
        (
            (MT, "和老人们一起选了放长椅的位置"),
            (OT, "居民众筹加上物业出资，放了四张长椅"),
            (N, "在长椅旁贴了爱护公物的小提示"),
        ),
        public=0.9,
    ),
    _Kind(
        "playground",
        "公共设施与空间",
        ("儿童滑梯生锈有安全隐患", "小区儿童游乐区地垫破损"),
        (
            "儿童滑梯的扶手生锈了，还有尖角，孩子玩的时候划破了手。",
            "游乐区的塑胶地垫破了好几块，孩子跑的时候容易绊倒。",
        ),
        (
            (V, "和几位家长一起检查游乐区"),
            (MT, "家长们商量改造方案，列出最急的三件事"),
            (OT, "物业更换了地垫，家长志愿者一起给滑梯除锈刷漆"),
        ),
        public=0.9,
        refer_to=PROPERTY,
        refer=0.2,
    ),
    _Kind(
        "void_deck",
        "公共设施与空间",
        ("{b}栋架空层闲置想改成活动室", "想把{b}栋架空层利用起来"),
        (
            "{b}栋架空层一直堆着杂物，居民想清出来做老人活动室和孩子的读书角。",
            "小区没有室内活动场地，下雨天老人只能待在家里。",
        ),
        (
            (MT, "召集居民议事，商量架空层的用途和管理办法"),
            (OT, "居民志愿者清理了杂物，物业刷了墙"),
            (OT, "活动室定下了开放时间，由居民轮流值班"),
        ),
        public=0.9,
    ),
    # 安全/治安
    _Kind(
        "door",
        "安全/治安",
        ("{bu}门禁坏了", "{bu}单元门锁不上"),
        (
            "单元门禁坏了半个月，谁都能进楼，最近有人塞小广告、敲门推销。",
            "单元门关不严，晚上风一吹就开，独居老人很害怕。",
        ),
        (
            (T, "和物业确认门禁维修的时间"),
            (N, "在单元群提醒大家随手关门"),
            (OT, "门禁换了新的电磁锁"),
        ),
        public=0.5,
        refer_to=PROPERTY,
        refer=0.4,
        urgency=Urgency.HIGH,
    ),
    _Kind(
        "stairwell",
        "安全/治安",
        ("{bu}楼道堆物堵塞消防通道", "{bu}楼梯间堆满杂物"),
        (
            "楼梯间堆了旧家具、纸箱和电动车电池，一旦着火人都跑不出去。",
            "有人把泡沫箱和旧床垫堆在消防楼梯，安全通道只剩一条缝。",
        ),
        (
            (V, "一起逐层查看，拍下堆物的位置"),
            (N, "在单元门口张贴清理通知，给一周时间"),
            (OT, "居民一起把无主杂物清走，楼道畅通了"),
        ),
        public=0.5,
        urgency=Urgency.HIGH,
    ),
    _Kind(
        "scooter_lift",
        "安全/治安",
        ("有人推电动车进电梯上楼", "{b}栋电动车进电梯"),
        (
            "{b}栋有几户天天推电动车进电梯，放在家里充电，大家担心起火。",
            "电梯里经常碰到电动车，老人孩子被挤在角落。",
        ),
        (
            (T, "和推车上楼的住户聊了聊，他们说楼下没有地方充电"),
            (MT, "商量在楼下增设充电位，电梯装阻车装置"),
            (OT, "电梯加装了电动车识别阻止装置"),
        ),
        public=0.6,
        refer_to=PROPERTY,
        refer=0.3,
        urgency=Urgency.HIGH,
    ),
    # 业主自治
    _Kind(
        "repair_fund",
        "业主自治",
        ("{b}栋外墙脱落想用维修资金", "{b}栋楼顶漏雨想申请维修资金"),
        (
            "{b}栋外墙瓷砖脱落，想用维修资金修，但不知道要多少户同意、找谁申请。",
            "楼顶防水层老化漏雨，顶楼住户想动用维修资金，其他住户有顾虑。",
        ),
        (
            (T, "一起查了住宅专项维修资金的使用流程"),
            (MT, "召开楼栋业主会，讲清楚维修方案和费用分摊"),
            (OT, "楼栋业主签字征集过了三分之二，提交了申请"),
        ),
        public=0.8,
        refer_to=COMMITTEE,
        refer=0.2,
    ),
    _Kind(
        "public_income",
        "业主自治",
        ("小区公共收益去向不明", "电梯广告收入想公示"),
        (
            "电梯广告和地面停车的收入归全体业主，但从来没有公示过。",
            "业主们想知道公共收益有多少、用到哪里去了。",
        ),
        (
            (MT, "组织业主代表整理想了解的问题"),
            (T, "和物业、居委会沟通公共收益公示"),
            (N, "公共收益明细在公告栏公示"),
        ),
        public=0.9,
        refer_to=COMMITTEE,
        refer=0.3,
    ),
    # 占道与摊贩
    _Kind(
        "stalls",
        "占道与摊贩",
        ("小区北门早市摊贩占道", "北门口流动摊贩堵路"),
        (
            "每天早上北门口摆满了菜摊，车进不来，人也走不过去。",
            "晚上烧烤摊在门口占道经营，油烟大，还留下一地垃圾。",
        ),
        (
            (V, "早上一起观察了摊贩占道的范围"),
            (MT, "和居民商量：大家需要早市，但不能堵门"),
            (OT, "街道在附近划定了便民摊点，门口通畅了"),
        ),
        public=0.7,
        refer_to=STREET_ENFORCEMENT,
        refer=0.6,
    ),
    # 住改商/群租
    _Kind(
        "crowded_rent",
        "住改商/群租",
        ("{bu}{f}楼疑似群租", "{bu}一套房住了十几个人"),
        (
            "一套房子住了十几个人，进出人员很杂，晚上很吵，楼道里晾满了衣服。",
            "房子被隔成了很多小间，电线乱拉，大家担心消防安全。",
        ),
        (
            (V, "一起观察了进出的人员和时间"),
            (T, "通过物业联系房东了解情况"),
        ),
        public=0.1,
        refer_to=STREET,
        refer=0.7,
    ),
    _Kind(
        "shop",
        "住改商/群租",
        ("{b}栋一楼住宅改成了小吃店", "{b}栋一楼开了棋牌室"),
        (
            "{b}栋一楼住宅改成了小吃店，油烟直接排到楼上窗口，楼上住户没法开窗。",
            "一楼开了棋牌室，半夜还有人大声说话，楼上住户很困扰。",
        ),
        (
            (T, "一起了解民法典第279条关于住改商的规定"),
            (V, "上门和店主沟通，店主说有营业执照"),
        ),
        public=0.2,
        refer_to=STREET,
        refer=0.7,
    ),
    # 违建
    _Kind(
        "roof",
        "违建",
        ("{b}栋顶楼加盖阳光房", "{b}栋楼顶私搭乱建"),
        (
            "{b}栋顶楼住户在楼顶加盖了阳光房，楼下住户担心漏水和安全。",
            "楼顶被圈起来搭了棚子，其他住户上不去楼顶晒被子了。",
        ),
        (
            (V, "一起上楼顶查看搭建的情况"),
            (T, "和顶楼住户沟通，对方说只是临时搭的"),
        ),
        public=0.3,
        refer_to=STREET_ENFORCEMENT,
        refer=0.75,
    ),
    _Kind(
        "yard",
        "违建",
        ("{b}栋一楼住户私自圈占绿地", "{b}栋一楼围墙往外扩"),
        (
            "{b}栋一楼住户把门前绿地用栅栏围起来，当成了自家院子。",
            "一楼住户把围墙往外扩了两米，占了公共绿地。",
        ),
        (
            (V, "一起查看并拍照记录围占的范围"),
            (M, "请一楼住户和楼栋居民代表一起商量"),
        ),
        public=0.3,
        refer_to=STREET_ENFORCEMENT,
        refer=0.6,
    ),
    # 服务需求
    _Kind(
        "meals",
        "服务需求",
        ("{b}栋独居老人吃饭难", "{bu}高龄老人买菜不方便"),
        (
            "{bu}的独居老人腿脚不便，下楼买菜困难，子女在外地。",
            "老人八十多岁了，一个人住，常常一天只吃一顿面条。",
        ),
        (
            (V, "和邻居一起上门看望老人，了解老人的想法"),
            (MT, "商量由几户邻居轮流帮忙带菜"),
            (OT, "邻里互助小组排好了每周送菜表，周三还陪老人去社区食堂"),
        ),
        public=0.3,
    ),
    _Kind(
        "after_school",
        "服务需求",
        ("双职工家庭希望有放学后托管", "孩子放学后没人照看"),
        (
            "下午四点放学，家长六点半才下班，孩子只能在小区里乱跑。",
            "几户双职工家庭想一起想个办法，让孩子放学后有个安全的地方写作业。",
        ),
        (
            (MT, "召集有需要的家长一起议事"),
            (OT, "退休教师志愿者和家长轮流值班，开了四点半课堂"),
        ),
        public=0.8,
    ),
    _Kind(
        "escort",
        "服务需求",
        ("{b}栋高龄老人需要陪同就医", "老人看病没人陪"),
        (
            "老人每个月要去医院复查，子女上班请不了假，老人自己不会在手机上挂号。",
            "{bu}的老人行动不便，去医院要换两趟公交。",
        ),
        (
            (V, "上门了解老人看病的频次和需要"),
            (OT, "会开车的邻居答应每月陪老人复查一次"),
        ),
        public=0.2,
    ),
    # 社区活动/自组织
    _Kind(
        "club",
        "社区活动/自组织",
        ("想在小区成立一个读书会", "老年合唱团想找排练场地", "希望组织暑期儿童活动"),
        (
            "几位居民喜欢读书，想每月聚一次，但不知道去哪里借场地。",
            "合唱团有二十多位老人，一直在楼下空地排练，冬天太冷了。",
            "暑假孩子们在家玩手机，家长们想组织一些户外活动。",
        ),
        (
            (MT, "召集感兴趣的居民开了第一次筹备会"),
            (OT, "借到了居委会的会议室，定下每月第二个周六活动"),
            (N, "在公告栏张贴了招募海报"),
        ),
        public=0.9,
    ),
    _Kind(
        "swap",
        "社区活动/自组织",
        ("想办一次邻里二手物品交换", "希望有个邻里互助群"),
        (
            "家里孩子的旧书旧玩具很多，扔了可惜，想和邻居换一换。",
            "新搬来的住户谁都不认识，希望有个能互相帮忙的邻里群。",
        ),
        (
            (MT, "和几位热心居民商量活动的时间和规则"),
            (OT, "周六上午在广场办了第一次交换集市，来了六十多户"),
        ),
        public=0.9,
    ),
    # 其他
    _Kind(
        "parcels",
        "其他",
        ("小区快递柜不够用", "老人不会用快递柜取件"),
        (
            "快递柜每天下午就满了，快递员把包裹堆在门岗，丢过好几次。",
            "老人不会用快递柜取件，每次都要找年轻人帮忙。",
        ),
        (
            (MT, "和物业、快递站商量增加快递柜"),
            (OT, "快递站在傍晚加派了一个人，门岗不再堆放包裹"),
        ),
        public=0.7,
    ),
    _Kind(
        "clothes_bin",
        "其他",
        ("希望在小区设置旧衣回收箱", "旧家具不知道怎么处理"),
        (
            "换季整理出很多旧衣服，不知道放哪里，扔进垃圾桶又可惜。",
            "搬家留下的旧沙发没人收，只能放在楼下。",
        ),
        (
            (T, "联系了街道的公益回收机构"),
            (OT, "在北门旁放了两个旧衣回收箱"),
        ),
        public=0.7,
    ),
)

# Places that keep coming back: a kind of need and how many times it recurs in one building.
RECURRING: tuple[tuple[str, int], ...] = (
    ("charging", 7),
    ("garbage", 7),
    ("square_dance", 6),
    ("fire_lane", 6),
    ("lights", 5),
)

CHANNEL_WEIGHTS: dict[str, float] = {
    Channel.VISIT: 26,
    Channel.GROUP_CHAT: 24,
    Channel.WALK_IN: 16,
    Channel.PHONE: 14,
    Channel.MEETING: 10,
    Channel.SURVEY: 8,
    Channel.OTHER: 2,
}

STAFF_LEAD_REASONS = (
    "反映人是高龄独居老人，行动不便，由社工暂代牵头，定期上门回访",
    "事情涉及多个楼栋，暂时没有居民愿意牵头，社工先行组织，再交给居民",
    "反映人希望不公开身份，由社工出面沟通",
    "反映人近期住院，由社工暂代牵头，出院后交还",
)
# Why a need is declined: any need may be a duplicate or lose its raiser; some reasons fit only
# a dispute about one's own home, or a complaint about the property company.
DECLINE_REASONS = (
    "与同楼栋已在跟进的事项重复，已并入一起跟进",
    "反映人已搬离小区，无法继续跟进",
)
DECLINE_REASONS_HOME = (
    "属于家庭内部事务，不涉及公共利益，已向反映人说明并提供了法律援助热线",
    "属于房屋买卖合同纠纷，建议通过人民调解或诉讼解决",
)
DECLINE_REASONS_PROPERTY = ("诉求是要求物业开除某位员工，超出了议事能解决的范围，已向反映人说明",)
REOPEN_NOTES = (
    "过了一个多月，问题又出现了，反映人再次来找",
    "情况反复，邻居们在群里又提起这件事",
    "回访时发现问题没有根本解决",
)
ACCOMPANY_NOTES = ("开始陪伴反映人", "社工和反映人约好一起跟进", "居民愿意牵头，社工陪同")
DELIBERATE_NOTES = ("召集相关居民一起商量", "开楼栋议事会讨论", "听取各方意见")
DECIDE_NOTES = ("大家商定了办法和分工", "议事会形成了一致意见", "各方同意先试行一个月")
ACT_NOTES = ("按商定的办法分头行动", "居民和社工分头落实", "")
RESOLVE_NOTES = ("问题已解决", "情况明显好转，居民满意", "按商定的办法落实完成")
VERIFY_NOTES = ("反映人确认问题已解决", "回访时居民说确实好了", "邻居们在群里确认没再出现")

# First steps, when residents and staff take stock together.
OPENING_STEPS: tuple[Step, ...] = (
    (T, "面对面聊了一次，梳理问题的来龙去脉和受影响的人"),
    (V, "到现场看了看，拍照记录情况"),
    (T, "在楼栋群里问了问，发现有同样困扰的邻居不止一家"),
)
CLOSING_STEP: Step = (T, "回访反映人和邻居，确认情况确实好转")

HELP_MESSAGES = (
    "可以一起去，我的空闲时间：{time}",
    "我会{skill}，需要的话叫我",
    "算我一个，可以帮忙张贴通知",
    "我可以在群里帮忙统计大家的意见",
)


# --- The generator ------------------------------------------------------------------------------


@dataclass
class _Cast:
    staff: User
    admin: User
    residents: list[Resident]
    by_building: dict[str, list[Resident]]


@dataclass
class _Tally:
    needs: int = 0
    actions: int = 0
    resident_actions: int = 0
    letters: int = 0
    recognitions: int = 0
    offers: int = 0


class _Story:
    """Raises one need and moves it through the loop, stopping at the present."""

    def __init__(
        self,
        *,
        rng: random.Random,
        cast_: _Cast,
        community: Community,
        now: datetime,
        tally: _Tally,
    ) -> None:
        self.rng = rng
        self.cast = cast_
        self.community = community
        self.now = now
        self.tally = tally
        self.steps_taken = 0

    # Who takes a step: residents take a growing share as the months go by.
    def resident_share(self, at: datetime) -> float:
        months_ago = min(max((self.now - at).days / 30.4, 0.0), 12.0)
        return 0.18 + 0.52 * (12.0 - months_ago) / 12.0

    def companion(self) -> User:
        return self.cast.staff if self.rng.random() < 0.75 else self.cast.admin

    def neighbour(self, resident: Resident) -> Resident:
        building = _building_label(resident)
        others = [r for r in self.cast.by_building.get(building, []) if r.pk != resident.pk]
        return self.rng.choice(others) if others else resident

    def later(self, at: datetime, low_days: float, high_days: float) -> datetime:
        return at + timedelta(hours=self.rng.uniform(low_days * 24, high_days * 24))

    def step(
        self,
        need: Need,
        step: Step,
        *,
        at: datetime,
        companion: User,
        staff_led: bool,
        outcome: str = "",
        fill: dict[str, str],
    ) -> bool:
        """Add a step, if there is room on the timeline and it is not in the future."""
        if at > self.now or self.steps_taken >= MAX_STEPS:
            return False
        share = self.resident_share(at) * (0.5 if staff_led else 1.0)
        kind, text = step
        if self.rng.random() < share:
            # Mostly the lead; sometimes a neighbour who joined in.
            if need.lead is not None and self.rng.random() < 0.7:
                actor_resident = need.lead
            else:
                actor_resident = self.neighbour(cast(Resident, need.raised_by))
            action_add(
                need=need,
                kind=kind,
                description=text.format(**fill),
                recorded_by=companion,
                by_resident=actor_resident,
                taken_at=at,
                outcome=outcome,
            )
            self.tally.resident_actions += 1
        else:
            action_add(
                need=need,
                kind=kind,
                description=text.format(**fill),
                recorded_by=companion,
                by_staff=companion,
                taken_at=at,
                outcome=outcome,
            )
        self.steps_taken += 1
        self.tally.actions += 1
        return True

    def tell(
        self,
        *,
        kind: _Kind,
        category: Category,
        raiser: Resident,
        raised_at: datetime,
        recurring: bool = False,
    ) -> Need:
        rng = self.rng
        self.steps_taken = 0
        dwelling = raiser.household.dwelling if raiser.household else None
        fill = _fill(raiser)
        variant = rng.randrange(max(len(kind.titles), len(kind.details)))
        title = kind.titles[variant % len(kind.titles)].format(**fill)
        detail = kind.details[variant % len(kind.details)].format(**fill)
        if recurring:
            detail += rng.choice(
                ("这个问题以前反映过，好了一阵又出现了。", "之前解决过一次，最近又开始了。", "")
            )
        urgency = kind.urgency
        if urgency == Urgency.NORMAL and rng.random() < 0.15:
            urgency = Urgency.LOW
        companion = self.companion()
        need = need_raise(
            community=self.community,
            title=title,
            description=detail,
            category=category,
            channel=_weighted(rng, CHANNEL_WEIGHTS),
            raised_by=raiser,
            raised_at=raised_at,
            recorded_by=companion,
            building=dwelling.building if dwelling else None,
            dwelling=dwelling if kind.home else None,
            urgency=urgency,
            visibility=Visibility.PUBLIC if rng.random() < kind.public else Visibility.PRIVATE,
            affected=self._affected(raiser),
        )
        self.tally.needs += 1
        staff_led = False
        at = raised_at
        if rng.random() < 0.08:
            need_set_lead(
                need=need,
                actor=companion,
                staff=companion,
                reason=rng.choice(STAFF_LEAD_REASONS),
            )
            staff_led = True
        need_add_companion(need=need, companion=companion, actor=companion)
        # Every later step tells the companions; read them once rather than at every step.
        prefetch_related_objects([need], "companions")

        def move(
            to: str, low: float, high: float, note: str = "", by_resident: Resident | None = None
        ) -> bool:
            nonlocal at
            when = self.later(at, low, high)
            if when > self.now:
                return False
            need_move(
                need=need, to_stage=to, actor=companion, note=note, at=when, by_resident=by_resident
            )
            at = when
            return True

        def act(step: Step, low: float = 0.1, high: float = 2.0, outcome: str = "") -> None:
            nonlocal at
            when = self.later(at, low, high)
            if self.step(
                need,
                step,
                at=when,
                companion=companion,
                staff_led=staff_led,
                outcome=outcome,
                fill=fill,
            ):
                at = when

        steps = list(kind.steps)
        fate = rng.random()
        refer = kind.refer_to and fate < kind.refer
        decline = not refer and fate > 0.94
        stall = not refer and not decline and 0.86 < fate <= 0.94

        # Raised → accompanied, or declined/referred at once.
        if decline and rng.random() < 0.4:
            act(rng.choice(OPENING_STEPS), 0.05, 1.0)
            move(Stage.DECLINED, 0.5, 4, _decline_reason(rng, kind))
            return self._finish(need)
        # Usually taken up within days; sometimes nobody is free at once (recent ones still wait).
        waiting = 0.4 if self.now - raised_at < timedelta(days=10) else 0.12
        low, high = (3.0, 14.0) if rng.random() < waiting else (0.02, 3.0)
        if not move(Stage.ACCOMPANIED, low, high, rng.choice(ACCOMPANY_NOTES)):
            act(rng.choice(OPENING_STEPS), 0.01, 0.3)
            return self._finish(need)
        act(rng.choice(OPENING_STEPS), 0.05, 2)
        if decline:
            act(steps[0], 0.5, 4)
            move(Stage.DECLINED, 1, 7, _decline_reason(rng, kind))
            return self._finish(need)
        if refer:
            self._refer(need, kind, move, act, steps, fill)
            if need.stage != Stage.ACCOMPANIED:
                return self._finish(need)
            steps = steps[1:]
        if stall:
            act(steps[0], 3, 20)
            return self._finish(need)
        self._loop(need, move, act, steps, raiser)
        return self._finish(need)

    def _refer(
        self,
        need: Need,
        kind: _Kind,
        move: Callable[..., bool],
        act: Callable[..., None],
        steps: list[Step],
        fill: dict[str, str],
    ) -> None:
        rng = self.rng
        act(steps[0], 0.5, 5)
        if not move(Stage.REFERRED, 1, 6, kind.refer_to):
            return
        referral = (
            ActionKind.REFERRAL_PROPERTY
            if kind.refer_to == PROPERTY
            else ActionKind.REFERRAL_STREET
        )
        act((referral, f"把情况和照片交给{kind.refer_to}，约定答复时间"), 0.05, 1)
        after = rng.random()
        if after < 0.45:
            if move(Stage.CLOSED, 7, 35, f"{kind.refer_to}已处理完毕"):
                act(CLOSING_STEP, 0.5, 5, outcome=f"{kind.refer_to}已处理，居民满意")
        elif after < 0.8:
            move(Stage.ACCOMPANIED, 10, 30, f"{kind.refer_to}迟迟没有处理，居民决定自己推动")

    def _loop(
        self,
        need: Need,
        move: Callable[..., bool],
        act: Callable[..., None],
        steps: list[Step],
        raiser: Resident,
        *,
        reopened: bool = False,
    ) -> None:
        rng = self.rng
        by_residents = rng.random() < 0.5
        lead = need.lead or raiser
        middle, last = (steps[:-1], steps[-1]) if len(steps) > 1 else ([], steps[0])
        if middle:
            act(middle[0], 0.5, 5)
        if not move(
            Stage.DELIBERATING,
            2,
            10,
            rng.choice(DELIBERATE_NOTES),
            by_resident=lead if by_residents else None,
        ):
            return
        for step in middle[1:2]:
            act(step, 1, 6)
        if not move(
            Stage.DECIDED,
            2,
            14,
            rng.choice(DECIDE_NOTES),
            by_resident=lead if by_residents else None,
        ):
            return
        if not move(Stage.ACTING, 0.5, 5, rng.choice(ACT_NOTES)):
            return
        for step in middle[2:]:
            act(step, 1, 8)
        act(last, 3, 20, outcome="")
        if not move(Stage.RESOLVED, 1, 10, rng.choice(RESOLVE_NOTES)):
            return
        if not move(Stage.VERIFIED, 2, 10, rng.choice(VERIFY_NOTES), by_resident=raiser):
            return
        if not move(Stage.CLOSED, 0.2, 3):
            return
        if not reopened and rng.random() < 0.05:
            when = self.later(need.stage_changed_at, 20, 60)
            if when < self.now:
                need_reopen(
                    need=need,
                    actor=self.cast.staff,
                    note=rng.choice(REOPEN_NOTES),
                    by_resident=raiser,
                    at=when,
                )
                # The second time round: the same loop, dated after the reopening.
                self._loop_from(need, when, raiser, steps, act)

    def _loop_from(
        self,
        need: Need,
        since: datetime,
        raiser: Resident,
        steps: list[Step],
        act: Callable[..., None],
    ) -> None:
        at = since

        def move(
            to: str, low: float, high: float, note: str = "", by_resident: Resident | None = None
        ) -> bool:
            nonlocal at
            when = self.later(at, low, high)
            if when > self.now:
                return False
            need_move(
                need=need,
                to_stage=to,
                actor=self.cast.staff,
                note=note,
                at=when,
                by_resident=by_resident,
            )
            at = when
            return True

        def act_after(step: Step, low: float = 0.1, high: float = 2.0, outcome: str = "") -> None:
            nonlocal at
            when = self.later(at, low, high)
            if self.step(
                need,
                step,
                at=when,
                companion=self.cast.staff,
                staff_led=False,
                outcome=outcome,
                fill=_fill(raiser),
            ):
                at = when

        self._loop(need, move, act_after, steps[-2:], raiser, reopened=True)

    def _affected(self, raiser: Resident) -> list[Resident]:
        count = self.rng.choice((0, 0, 1, 2, 3))
        found = {}
        for _n in range(count):
            neighbour = self.neighbour(raiser)
            found[neighbour.pk] = neighbour
        return list(found.values())

    def _finish(self, need: Need) -> Need:
        if self.steps_taken == 0:  # every need has at least its first conversation
            when = min(need.raised_at + timedelta(hours=self.rng.uniform(0.5, 6)), self.now)
            self.step(
                need,
                self.rng.choice(OPENING_STEPS),
                at=when,
                companion=self.cast.staff,
                staff_led=False,
                fill=_fill(cast(Resident, need.raised_by)),
            )
        return need


def _decline_reason(rng: random.Random, kind: _Kind) -> str:
    reasons = list(DECLINE_REASONS)
    if kind.home:
        reasons += DECLINE_REASONS_HOME
    if kind.category == "物业服务":
        reasons += DECLINE_REASONS_PROPERTY
    return rng.choice(reasons)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _building_label(resident: Resident) -> str:
    return resident.household.dwelling.building.label if resident.household else ""


def _fill(resident: Resident) -> dict[str, str]:
    dwelling = resident.household.dwelling if resident.household else None
    if dwelling is None:
        return {"b": "", "bu": "", "f": "", "up": "", "r": ""}
    floor = dwelling.floor or 1
    building = dwelling.building.label
    unit = f"{building}栋{dwelling.unit}单元" if dwelling.unit else f"{building}栋"
    return {"b": building, "bu": unit, "f": str(floor), "up": str(floor + 1), "r": dwelling.room}


def _staff(world: DemoWorld) -> tuple[User, User] | None:
    """The demo's staff member and admin (or any staff of the organisation)."""
    staff = world.users.get(Role.STAFF)
    admin = world.users.get(Role.ORG_ADMIN)
    if staff is None or admin is None:
        members = list(
            Membership.objects.filter(
                organisation=world.organisation, role__in=[Role.STAFF, Role.ORG_ADMIN]
            )
            .select_related("user")
            .order_by("pk")
        )
        found = [m.user for m in members if m.role == Role.STAFF] or [m.user for m in members]
        if not found:
            return None
        staff = staff or found[0]
        admin = admin or next((m.user for m in members if m.role == Role.ORG_ADMIN), found[0])
    return cast(User, staff), cast(User, admin)


def _raised_at(rng: random.Random, now: datetime, *, days_ago: float | None = None) -> datetime:
    """A moment in the last year, more often recent (the work grows); by day, often evenings."""
    if days_ago is None:
        days_ago = 0.5 + 362 * rng.random() ** 1.25
    day = timezone.localtime(now - timedelta(days=days_ago)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    hour = rng.choice((8, 9, 9, 10, 10, 11, 14, 15, 16, 17, 19, 19, 20, 20, 21))
    return min(day + timedelta(hours=hour, minutes=rng.randrange(60)), now - timedelta(hours=2))


# --- The rooster case ---------------------------------------------------------------------------

ROOSTER_LETTER = """亲爱的{building}栋邻居：

您好！最近几个月，每天清晨四五点钟，楼里都能听到公鸡打鸣。我们知道，养一只鸡，也许是一份乡愁，是对老家生活的惦念；可楼里有要早起赶地铁的年轻人，有刚满月的婴儿，也有睡眠不好的老人，清晨的鸡鸣让不少邻居难以入睡。

我们不是来指责谁的，只想请这位邻居和我们坐下来聊一聊，一起想个两全的办法：比如把鸡送到乡下亲戚家，或者为它找一个不打扰大家的地方。

远亲不如近邻。谢谢您的理解，也谢谢每一位为楼里的安静出一份力的邻居。

{compound}{building}栋的邻居们
{date}"""


def _rooster(
    *,
    rng: random.Random,
    community_name: str,
    category: Category,
    cast_: _Cast,
    building: Building,
    now: datetime,
    tally: _Tally,
) -> Need | None:
    people = cast_.by_building.get(building.label, [])
    if len(people) < 2:
        return None

    def floor(r: Resident) -> int:
        return (r.household.dwelling.floor or 1) if r.household else 1

    # The owner: an older resident low in the building (a ground-floor garden is where it lives).
    elders = sorted(people, key=lambda r: ("老人" not in r.tags, floor(r), r.pk))
    owner = rng.choice(elders[:3])
    owner_dwelling = owner.household.dwelling if owner.household else None
    near = [
        r
        for r in people
        if r.household
        and owner.household
        and r.household.dwelling_id != owner.household.dwelling_id
        and "老人" not in r.tags
    ] or [r for r in people if r.pk != owner.pk]
    near.sort(key=lambda r: (abs(floor(r) - floor(owner) - 1), r.pk))
    neighbour = rng.choice(near[:4])
    others = [r for r in near if r.pk != neighbour.pk][:2]
    staff = cast_.staff
    label = building.label

    start = timezone.localtime(now - timedelta(days=150)).replace(
        hour=6, minute=12, second=0, microsecond=0
    )
    need = need_raise(
        community=building.community,
        title=rooster_title(label),
        description=(
            f"{label}栋有住户养了一只公鸡，每天清晨四五点就开始打鸣，已经持续两个多月。"
            "反映人家里有上夜班的家人和刚满月的孩子，全家都被吵醒。"
            "反映人不知道是哪一户养的，也担心直接上门会伤了邻里和气，于是在楼栋群里说了这件事。"
        ),
        category=category,
        channel=Channel.GROUP_CHAT,
        raised_by=neighbour,
        raised_at=start,
        recorded_by=staff,
        building=building,
        urgency=Urgency.NORMAL,
        visibility=Visibility.PRIVATE,
        affected=[neighbour, *others],
    )
    need_add_companion(need=need, companion=staff, actor=staff)
    prefetch_related_objects([need], "companions")

    def day(n: float, hour: int, minute: int = 0) -> datetime:
        return (start + timedelta(days=n)).replace(hour=hour, minute=minute)

    def resident_step(who: Resident, kind: str, text: str, at: datetime, outcome: str = "") -> None:
        action_add(
            need=need,
            kind=kind,
            description=text,
            recorded_by=staff,
            by_resident=who,
            taken_at=at,
            outcome=outcome,
        )
        tally.actions += 1
        tally.resident_actions += 1

    def staff_step(kind: str, text: str, at: datetime, outcome: str = "") -> None:
        action_add(
            need=need,
            kind=kind,
            description=text,
            recorded_by=staff,
            by_staff=staff,
            taken_at=at,
            outcome=outcome,
        )
        tally.actions += 1

    where = owner_dwelling.label if owner_dwelling else f"{label}栋"
    need_move(
        need=need,
        to_stage=Stage.ACCOMPANIED,
        actor=staff,
        note="社工在群里看到后联系反映人，约好一起跟进",
        at=day(0, 9, 30),
    )
    staff_step(
        ActionKind.TALK,
        "社工和反映人在楼下聊了半小时：鸡叫从凌晨四点半开始，孩子每天都被吵醒。"
        "反映人说不想吵架，只想睡个好觉。",
        day(1, 18, 30),
    )
    resident_step(
        neighbour,
        ActionKind.VISIT,
        "反映人和社工一起找鸡的主人：先在楼栋群里问，再沿着鸡叫声一层层听，"
        f"最后在{where}门口找到了鸡笼。家里没人，留了张纸条。",
        day(3, 19, 0),
        outcome=f"找到了养鸡的住户（{where}）",
    )
    need_move(
        need=need,
        to_stage=Stage.DELIBERATING,
        actor=staff,
        by_resident=neighbour,
        note="和反映人商量怎么开口：先写一封温和的劝导函，再上门聊",
        at=day(4, 20, 0),
    )
    letter = letter_draft(
        need=need,
        title="给清晨留一份安静——致邻居的一封信",
        body=ROOSTER_LETTER.format(
            building=label,
            compound=community_name,
            date=timezone.localtime(day(5, 12)).strftime("%Y年%m月%d日"),
        ),
        signature=f"{community_name}{label}栋的邻居们",
        actor=staff,
        drafted_with=neighbour,
    )
    tally.letters += 1
    resident_step(
        neighbour,
        ActionKind.LETTER,
        "反映人和社工一起起草了文明劝导函，改了三遍，把“扰民”都换成了“请帮帮忙”。",
        day(5, 20, 30),
    )
    need_move(
        need=need,
        to_stage=Stage.DECIDED,
        actor=staff,
        by_resident=neighbour,
        note="决定先在楼里张贴劝导函，过两天再和社工一起上门当面聊",
        at=day(6, 9, 0),
    )
    need_move(need=need, to_stage=Stage.ACTING, actor=staff, note="张贴劝导函", at=day(6, 18, 0))
    posted_at = day(6, 18, 20)
    letter_posted(letter=letter, where=f"{label}栋各单元一楼大堂公告栏", actor=staff, at=posted_at)
    resident_step(
        neighbour,
        ActionKind.NOTICE,
        f"反映人把劝导函贴在了{label}栋各单元一楼的公告栏。",
        posted_at,
    )
    staff_step(
        ActionKind.MEDIATION,
        f"社工陪反映人上门拜访{owner.name}。{owner.name}说鸡是老家带来的，养了三年，舍不得；"
        "听说楼上孩子刚满月，沉默了一会儿，说想想办法。",
        day(9, 10, 0),
        outcome="主人愿意想办法",
    )
    resident_step(
        owner,
        ActionKind.OTHER,
        f"{owner.name}让儿子周末开车把公鸡送到了乡下的亲戚家，还托亲戚拍了公鸡在院子里的照片给邻居们看。",
        day(13, 16, 0),
        outcome="公鸡搬到了乡下，清晨不再有鸡鸣",
    )
    need_move(
        need=need,
        to_stage=Stage.RESOLVED,
        actor=staff,
        note="公鸡送到了乡下亲戚家",
        at=day(14, 9, 0),
    )
    need_move(
        need=need,
        to_stage=Stage.VERIFIED,
        actor=staff,
        by_resident=neighbour,
        note="反映人说一周来清晨都很安静，孩子能睡到天亮了",
        at=day(21, 19, 0),
    )
    need_move(need=need, to_stage=Stage.CLOSED, actor=staff, note="", at=day(22, 10, 0))
    consent_record(
        resident=owner,
        purpose=ConsentPurpose.PUBLIC_RECOGNITION,
        version=CONSENT_VERSION,
        actor=staff,
    )
    recognition_give(
        community=building.community,
        resident=owner,
        kind=RecognitionKind.GIVING_GROUND,
        message=(
            f"谢谢{owner.name}把养了三年的公鸡送到乡下亲戚家，让{label}栋的清晨重新安静下来。"
            "远亲不如近邻，谢谢您的体谅！"
        ),
        actor=staff,
        need=need,
        public=True,
    )
    tally.recognitions += 1
    tally.needs += 1
    return need


# --- Loading ------------------------------------------------------------------------------------


def _size(residents: int) -> int:
    if residents >= RESIDENTS_FOR_FULL_SIZE:
        return FULL_SIZE
    return max(MIN_NEEDS, residents * FULL_SIZE // RESIDENTS_FOR_FULL_SIZE)


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    """Fill the demo compound's needs register; do nothing if it already has needs."""
    community = world.community
    if Need.objects.filter(community=community).exists():
        progress(f"{community.name} already has its needs.")
        return
    users = _staff(world)
    residents = [
        r
        for r in Resident.objects.filter(
            community=community,
            lives_here=True,
            anonymised_at__isnull=True,
            household__isnull=False,
        )
        .select_related("household__dwelling__building")
        .defer("phone", "id_number", "sensitive_note")  # not needed here, and slow to decrypt
        .order_by("pk")
        if "儿童" not in r.tags
    ]
    if users is None or len(residents) < 10:
        progress(f"{community.name} has no staff or too few residents for demo needs; skipped.")
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    now = timezone.now()
    by_building: dict[str, list[Resident]] = defaultdict(list)
    for resident in residents:
        by_building[_building_label(resident)].append(resident)
    cast_ = _Cast(staff=users[0], admin=users[1], residents=residents, by_building=by_building)
    categories = {c.name: c for c in categories_ensure(world.organisation)}
    fallback = categories.get("其他") or next(iter(categories.values()))
    kinds_by_category: dict[str, list[_Kind]] = defaultdict(list)
    for kind in KINDS:
        kinds_by_category[kind.category if kind.category in categories else ""].append(kind)
    weights = {name: w for name, w in CATEGORY_WEIGHTS.items() if name in kinds_by_category}
    if not weights:  # the organisation renamed every category: file everything under one
        weights = {"": 1.0}
    tally = _Tally()
    story = _Story(rng=rng, cast_=cast_, community=community, now=now, tally=tally)

    def category_of(kind: _Kind) -> Category:
        return categories.get(kind.category, fallback)

    buildings = {b.label: b for b in Building.objects.filter(community=community)}
    labels = sorted(by_building, key=lambda label: buildings[label].sort_key)
    rooster_label = ROOSTER_BUILDING if ROOSTER_BUILDING in by_building else labels[-1]
    rooster = _rooster(
        rng=rng,
        community_name=community.name,
        category=categories.get("邻里关系", fallback),
        cast_=cast_,
        building=buildings[rooster_label],
        now=now,
        tally=tally,
    )

    total = _size(len(residents))
    scale = total / FULL_SIZE
    kinds = {kind.key: kind for kind in KINDS}
    plans: list[tuple[_Kind, Resident, datetime, bool]] = []
    for key, times in RECURRING:
        count = max(2, round(times * scale))
        label = rng.choice(labels)
        for n in range(count):
            days_ago = 10 + (335 / count) * n + rng.uniform(0, 15)
            plans.append(
                (
                    kinds[key],
                    rng.choice(by_building[label]),
                    _raised_at(rng, now, days_ago=days_ago),
                    n > 0,
                )
            )
    while len(plans) < total - 1:
        kind = rng.choice(kinds_by_category[_weighted(rng, weights)])
        plans.append((kind, rng.choice(residents), _raised_at(rng, now), False))
    plans.sort(key=lambda plan: plan[2])

    for kind, raiser, raised_at, recurring in plans:
        story.tell(
            kind=kind,
            category=category_of(kind),
            raiser=raiser,
            raised_at=raised_at,
            recurring=recurring,
        )
    _thanks_and_offers(rng=rng, community_id=community.pk, cast_=cast_, tally=tally)

    stages = Counter(Need.objects.filter(community=community).values_list("stage", flat=True))
    share = tally.resident_actions / tally.actions if tally.actions else 0.0
    progress(
        f"{community.name}: {tally.needs} needs, {tally.actions} steps "
        f"({share:.0%} taken by residents), {tally.letters} civility letter(s), "
        f"{tally.recognitions} thanks, {tally.offers} offers of help; "
        + ", ".join(f"{stage} {stages[stage]}" for stage in Stage.values if stages[stage])
        + ("; the rooster case" if rooster is not None else "")
        + "."
    )


def _thanks_and_offers(
    *, rng: random.Random, community_id: int, cast_: _Cast, tally: _Tally
) -> None:
    """Private thanks for some residents who led a need to its close, a few public ones with
    consent, and offers of help on open public needs."""
    closed = list(
        Need.objects.filter(
            community_id=community_id,
            stage=Stage.CLOSED,
            lead__isnull=False,
            recognitions__isnull=True,
        )
        .select_related("lead", "community")
        .order_by("raised_at")
    )
    thanked = 0
    for need in closed:
        if rng.random() > 0.15 or need.lead is None:
            continue
        public = thanked < 3 and need.visibility == Visibility.PUBLIC
        if public:
            consent_record(
                resident=need.lead,
                purpose=ConsentPurpose.PUBLIC_RECOGNITION,
                version=CONSENT_VERSION,
                actor=cast_.staff,
            )
            thanked += 1
        recognition_give(
            community=need.community,
            resident=need.lead,
            kind=RecognitionKind.CONTRIBUTION,
            message=f"谢谢{need.lead.name}牵头推动“{need.title}”，一直跟到问题解决。",
            actor=cast_.staff,
            need=need,
            public=public,
        )
        tally.recognitions += 1
    helpers = [r for r in cast_.residents if r.skills or r.time_offered]
    open_public = Need.objects.filter(
        community_id=community_id,
        visibility=Visibility.PUBLIC,
        stage__in=[Stage.ACCOMPANIED, Stage.DELIBERATING, Stage.DECIDED, Stage.ACTING],
    ).order_by("raised_at")
    for need in open_public:
        if not helpers or rng.random() > 0.35:
            continue
        for helper in rng.sample(helpers, min(len(helpers), rng.choice((1, 1, 2)))):
            message = rng.choice(HELP_MESSAGES).format(
                time=helper.time_offered or "周末",
                skill=helper.skills[0] if helper.skills else "跑腿",
            )
            help_offer(need=need, resident=helper, message=message)
            tally.offers += 1
