"""A month of a compound's group chat, written for Peiban: chatter with needs among it.

`demo_chat_text(buildings=…, start=…, seed=…)` writes it in the plain-text layout of the common
export tools (a ``date time sender`` line, then the message). Seeded: the same arguments give the
same text.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

SENDERS = (
    "张阿姨",
    "老李",
    "王姐",
    "小陈",
    "刘叔",
    "赵奶奶",
    "孙老师",
    "周先生",
    "吴女士",
    "郑大爷",
    "阳光心情",
    "小区志愿者",
    "楼长老杨",
    "Lily妈妈",
    "冯姐",
    "蒋哥",
)

CHATTER = (
    "早上好各位邻居",
    "收到，谢谢",
    "好的",
    "哈哈哈",
    "今天天气真好",
    "谢谢王阿姨送的包子",
    "有人一起去晨练吗",
    "晚安",
    "👍",
    "周末愉快",
    "今天菜市场的草莓好便宜",
    "恭喜恭喜",
    "谁家的小猫在楼下晒太阳，好可爱",
    "大家注意降温，多穿衣服",
    "刚做的红烧肉，分享一下",
    "感谢志愿者们的付出",
    "我家多包了饺子，谁要来拿",
    "天气预报说明天有雨，记得带伞",
    "欢迎新邻居加入",
    "这周六广场有电影放映",
    "好的我知道了",
    "辛苦了辛苦了",
    "孩子们在楼下玩得好开心",
    "有人拼团买大米吗",
    "楼下的桂花好香",
    "明天见",
)

# (message with {b} for a building, follow-ups that may come from other neighbours)
NEEDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("{b}栋的电梯又坏了，我妈八十多了住十一楼，怎么下楼", ("我家也是，爬了十层", "+1 物业赶紧修")),
    ("{b}栋门口天天有车乱停，把单元门都挡住了", ("我们这也是",)),
    ("楼上每天晚上十二点还在拖椅子，{b}栋的，吵得睡不着", ()),
    ("{b}栋后面有户人家养的公鸡每天四点多就开始叫", ("我家也是，天天被吵醒", "同感")),
    ("垃圾站那边臭得不行，{b}栋这边全是苍蝇", ("确实，夏天更严重",)),
    ("{b}栋单元门的门禁坏了好几天了，谁都能进来", ()),
    ("北门口每天早上都有卖菜的摆摊，把路堵得死死的", ("+1",)),
    ("{b}栋有一户搞群租，住了十几个人，天天进进出出", ()),
    ("儿童乐园的滑梯坏了一块，边上很锋利，孩子会划伤", ()),
    ("{b}栋有位独居老人好几天没下楼了，有人去看看吗", ()),
    ("燃气味好重，{b}栋2单元是不是漏气了，快叫人", ()),
    ("想组织一个读书会，有兴趣的邻居报名一下", ()),
    ("业委会换届的事什么时候开会？拖了半年了", ()),
    ("一楼的人把花园围起来搭了个阳光房，{b}栋的", ()),
    ("今天又停水了，也没有通知，到底停到几点", ("我家也是", "一样，饭都做不了")),
)


def demo_chat_text(*, buildings: int, start: date, seed: int = 11, days: int = 30) -> str:
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    lines: list[str] = []
    labels = [str(n) for n in range(1, buildings + 1)]
    needs = list(NEEDS)
    rng.shuffle(needs)
    for day_number in range(days):
        day = start + timedelta(days=day_number)
        at = datetime.combine(day, time(7, rng.randint(0, 50)))
        events: list[tuple[str, str]] = [
            (rng.choice(SENDERS), rng.choice(CHATTER)) for _n in range(rng.randint(4, 9))
        ]
        if day_number % 2 == 0 and needs:
            text, follow_ups = needs.pop()
            spot = rng.randint(0, len(events))
            thread = [(rng.choice(SENDERS), text.format(b=rng.choice(labels)))]
            thread += [(rng.choice(SENDERS), f) for f in follow_ups]
            events[spot:spot] = thread
        for sender, text in events:
            at += timedelta(minutes=rng.randint(3, 70))
            lines.append(f"{at:%Y-%m-%d %H:%M:%S} {sender}")
            lines.append(text)
            lines.append("")
    return "\n".join(lines)
