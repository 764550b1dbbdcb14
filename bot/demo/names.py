"""Made-up names and addresses for demo customers (deterministic, never real people)."""
from __future__ import annotations

import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强文秀云海燕凤兰淑珍玉梅桂兰"
COMMUNITIES = (
    "幸福里", "阳光花园", "和平小区", "锦绣家园", "滨河湾", "翠湖苑", "金色家园", "长青里", "向阳小区", "丽景苑",
    "紫荆花园", "松柏园", "春华里", "枫林苑", "康乐小区", "西山苑", "东湖名居", "北辰家园", "南苑新村", "友谊小区",
)

# Mixed radix of an address: doors per floor, floors, units per building, buildings per community.
DOORS, FLOORS, UNITS, BUILDINGS = 4, 18, 4, 20
PER_COMMUNITY = DOORS * FLOORS * UNITS * BUILDINGS  # 5,760 homes


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def address_for(index: int) -> dict:
    """A unique address for account `index`: 小区 (with 期 when there are many), 楼栋, 单元, 房号."""
    door = index % DOORS + 1
    floor = index // DOORS % FLOORS + 1
    unit = index // (DOORS * FLOORS) % UNITS + 1
    building = index // (DOORS * FLOORS * UNITS) % BUILDINGS + 1
    community_index = index // PER_COMMUNITY
    name = COMMUNITIES[community_index % len(COMMUNITIES)]
    phase = community_index // len(COMMUNITIES)
    community = f"{name}{phase + 1}期" if phase else name
    return dict(community=community, building=f"{building}号楼", unit=f"{unit}单元", room=f"{floor}{door:02d}")
