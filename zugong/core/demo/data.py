"""Word pools and tables for the fictional 示范区 built by ``zugong.core.demo``. Every name here is invented;
pools are space-separated strings and tables are ``|``-separated rows so that they stay short to read."""

from __future__ import annotations


def words(text: str) -> list[str]:
    return text.split()


# Common surnames, most frequent first (the builder weights them by rank).
SURNAMES = words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 "
    "彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 "
    "石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 "
    "万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章"
)
GIVEN_MALE = words(
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林 建 "
    "国 志 文 立 新 海 峰 东 晨 阳 睿 博 卫 兵 亮 成 德 胜 忠 祥 瑞 毅 鸿 庆 振 永 昊 磊 诚 轩 哲"
)
GIVEN_FEMALE = words(
    "芳 娜 敏 静 丽 艳 娟 霞 秀 玲 婷 雪 慧 琳 颖 萍 红 燕 梅 莉 兰 倩 洁 丹 琴 云 晶 欣 悦 佳 "
    "怡 璐 婧 蕾 薇 彤 楠 月 珊 嘉 思 雨 晓 春 秋 冬 青 华 英 凤 菲 瑶 媛 妍 岚 蓉 宁 爽 茜 露"
)
MINORITIES = words("回族 满族 蒙古族 壮族 土家族 苗族 朝鲜族 彝族 侗族 白族")

# 行政区划代码 for birthplaces: the district's own province first (weighted heavily), then elsewhere.
REGIONS_LOCAL = words("370102 370103 370104 370105 370112 370113 370124 370181 370202 370302")
REGIONS_OTHER = words(
    "110101 120101 130102 140105 210102 320102 330102 340102 350102 360102 "
    "410102 420102 430102 440103 450102 500103 510104 530102 610102 620102"
)

STREETS = words("城关 东城 西城 南湖 北苑 新华 人民路 长安 和平 光明 滨江 桃源")
TOWNS = words("青山 白鹭 石桥 柳河")
COMMUNITY_STEMS = words(
    "幸福 和平 新华 光明 阳光 花园 锦绣 春晖 翠苑 金桥 文化 长青 友谊 团结 胜利 建设 东风 朝阳 "
    "红旗 丽景 桂花 梧桐 枫林 清泉 东湖 南苑 北园 西山 滨河 兴旺 康乐 安居 馨苑 华庭 紫荆 玉兰"
)
COMMUNITY_SUFFIXES = words("社区 里社区 苑社区 新村社区 家园社区")
VILLAGE_STEMS = words(
    "王家庄 李家洼 张庄 刘营 陈家湾 杨柳店 黄土岭 赵家屯 石门 河口 前屯 后屯 东庄 西庄 南店 北店 "
    "高桥 下湾 上坪 马家峪 孙家集 大王庄 小李庄 枣林 桃园 杏花 梨园 柳林 松树岭 龙泉"
)
DEPARTMENTS = words(
    "区委办公室 区人大常委会办公室 区政府办公室 区政协办公室 区纪委监委机关 区委组织部 区委宣传部 "
    "区委统战部 区委政法委员会 区委编办 区发展和改革局 区财政局 区人力资源和社会保障局 区司法局 "
    "区审计局 区统计局 区科学技术局 区商务局 区农业农村局 区水务局 区应急管理局 区退役军人事务局 "
    "区信访局 区医疗保障局 区档案馆 区机关事务服务中心 区总工会 团区委 区妇联 区科协 区残联 区人民法院 "
    "区人民检察院 区融媒体中心 区行政审批服务局 区大数据中心"
)
COMPANIES = words(
    "区城市建设投资集团有限公司 区国有资本运营有限公司 区水务集团有限公司 区公共交通有限公司 "
    "区文化旅游发展集团有限公司 区产业投资集团有限公司 区农业发展集团有限公司 区交通投资集团有限公司 "
    "区会展中心有限公司 区粮食储备有限公司 区保安服务有限公司 区环卫服务有限公司 区供热有限公司 "
    "区城市更新建设有限公司 区金融控股有限公司 区人才发展集团有限公司"
)
SCHOOLS = words(
    "区实验小学 区第一中学 区第二中学 区第三中学 区实验中学 区职业中等专业学校 区教师发展中心 区第一小学 "
    "区第二小学 区第三小学 区育才小学 区实验幼儿园 区机关幼儿园 区特殊教育学校 区外国语学校 区青少年活动中心 "
    "城关小学 东城中学 西城小学 南湖中学 北苑小学 新华小学 长安中学 和平小学 光明中学 滨江小学"
)
HEALTH = words(
    "区人民医院 区中医医院 区妇幼保健院 区疾病预防控制中心 区精神卫生中心 区急救中心 区卫生健康综合监督执法大队 "
    "城关街道社区卫生服务中心 东城街道社区卫生服务中心 西城街道社区卫生服务中心 南湖街道社区卫生服务中心 "
    "青山镇卫生院 白鹭镇卫生院 石桥镇卫生院 柳河镇卫生院"
)
POLICE = words(
    "城关派出所 东城派出所 西城派出所 南湖派出所 北苑派出所 新华派出所 长安派出所 和平派出所 光明派出所 "
    "滨江派出所 交通警察大队 刑事侦查大队 治安管理大队 经济犯罪侦查大队 看守所 特警大队"
)
HOUSING = words(
    "区建设工程质量安全监督站 区房屋征收服务中心 区市政工程管理处 区物业服务中心 区建筑市场服务中心"
)
MARKET = words(
    "城关市场监管所 东城市场监管所 西城市场监管所 南湖市场监管所 北苑市场监管所 区食品药品检验所 区消费者权益保护中心"
)
URBAN = words(
    "区城管执法一中队 区城管执法二中队 区城管执法三中队 区环境卫生管理所 区园林绿化中心 区数字城管中心"
)
CIVIL = words("区社会福利院 区救助管理站 区殡仪馆 区婚姻登记处 区社会组织服务中心 区光荣院")
CULTURE = words("区图书馆 区文化馆 区博物馆 区体育中心 区文物保护中心 区非遗保护中心 区剧团")
TRANSPORT = words("区公路事业发展中心 区交通运输执法大队 区运输服务中心 区港航服务中心 区客运站")
TAX = words("第一税务所 第二税务所 第三税务所 第四税务所 稽查局 纳税服务中心 办税服务厅")
PRIVATE = words(
    "示范精密机械有限公司 恒信物流有限公司 华锐电子科技有限公司 金穗食品有限公司 宏达建设工程有限公司 "
    "瑞丰新材料有限公司 安和物业服务有限公司 启明软件有限公司 众诚律师事务所 区餐饮行业协会 区个体劳动者协会 "
    "区慈善总会 区志愿服务联合会 明德会计师事务所 鼎盛商贸有限公司 康泰医药有限公司"
)
PARK = words(
    "开发区机关 示范智能装备有限公司 北辰新能源科技有限公司 海岳生物医药有限公司 云帆数据科技有限公司 "
    "中恒汽车零部件有限公司 华景光电有限公司 东岳化工新材料有限公司"
)

# Branch names inside a unit, by profile (then numbered: 第N党支部).
BRANCH_NAMES = {
    "hospital": words("内科 外科 妇产儿科 医技 护理 行政后勤 离退休"),
    "school": words("教师第一 教师第二 教师第三 行政后勤 离退休教师"),
    "company": words("综合管理 生产运营 工程项目 财务审计 市场营销 离退休"),
    "community": words("第一 第二 第三 第四 第五 离退休 流动党员"),
    "village": words("第一 第二 第三 离退休"),
}

NUMERALS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (enough for branch numbering)."""
    if n < 10:
        return NUMERALS[n]
    if n < 20:
        return "十" + (NUMERALS[n % 10] if n % 10 else "")
    if n < 100:
        return NUMERALS[n // 10] + "十" + (NUMERALS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + NUMERALS[rest] if rest < 10 else cn_number(rest))
        if 10 <= rest < 20:
            tail = "一" + tail
        return NUMERALS[n // 100] + "百" + tail
    return str(n)


def table(text: str) -> list[list[str]]:
    return [line.split("|") for line in text.strip().splitlines()]


# The district's 党(工)委 besides the 街道/镇 ones, in display order:
# name | short | category | the unit leading the system | people's profile | entity pool | entity 单位类别 | weight | priority
# (weight: share of branches; priority: a small build keeps the committees with the lowest numbers).
STREET_ROW = "{s}街道党工委|{s}街道|街镇党工委|{s}街道办事处|community|street|community|1.3"
TOWN_ROW = "{s}镇党委|{s}镇|街镇党委|{s}镇人民政府|village|town|community|1.0"
COMMITTEES = table("""
区直机关工委|机关工委|机关工委|区直机关工作委员会|organ|DEPARTMENTS|department|1.6|1
区国资委党委|国资委|国资委党委|区国有资产监督管理委员会|company|COMPANIES|soe|1.0|5
区委教育工委|教育工委|教育工委|区教育和体育局|school|SCHOOLS|institution|1.4|3
区卫生健康工委|卫健工委|卫健工委|区卫生健康局|hospital|HEALTH|institution|1.1|4
区公安分局党委|公安分局|系统党委|区公安分局|police|POLICE|department|0.8|7
区住房和城乡建设局党委|住建局|系统党委|区住房和城乡建设局|institution|HOUSING|institution|0.5|40
区市场监督管理局党委|市场监管局|系统党委|区市场监督管理局|organ|MARKET|department|0.5|41
区城市管理局党委|城管局|系统党委|区城市管理局|institution|URBAN|institution|0.5|42
区民政局党委|民政局|系统党委|区民政局|institution|CIVIL|institution|0.4|43
区文化和旅游局党委|文旅局|系统党委|区文化和旅游局|institution|CULTURE|institution|0.4|44
区交通运输局党委|交通运输局|系统党委|区交通运输局|institution|TRANSPORT|institution|0.4|45
区税务局党委|税务局|系统党委|国家税务总局示范区税务局|organ|TAX|department|0.5|46
区非公有制经济组织和社会组织党委|两新党委|两新工委|区委社会工作部|company|PRIVATE|other|1.0|8
经济开发区党工委|开发区|园区党工委|经济开发区管理委员会|company|PARK|other|0.8|9
""")
# Priorities of the 街道 and 镇 committees, in the order of STREETS and TOWNS (城关 and 东城 come first: the
# personas live there).
STREET_PRIORITY = (0, 2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
TOWN_PRIORITY = (6, 30, 31, 32)

# People by where they work:
# profile | ages (min max mode) | education weights 研究生 本科 专科 中专 高中 初中 | posts | civil servant | male share
PROFILES = {
    row[0]: (
        tuple(int(x) for x in row[1].split()),
        tuple(int(x) for x in row[2].split()),
        words(row[3]),
        row[4] == "yes",
        float(row[5]),
    )
    for row in table("""
organ|23 60 40|30 62 8 0 0 0|一级科员 二级科员 四级主任科员 科员 办事员|yes|0.6
community|22 88 60|1 12 22 15 25 25|社区工作者 居民 个体经营者 退休职工|no|0.5
village|22 88 56|0 5 12 13 25 45|村民 村民小组长 合作社社员 个体经营者|no|0.65
company|22 60 38|10 48 27 7 5 3|职工 工程师 会计 技术员 项目经理|no|0.65
school|22 60 40|25 65 8 2 0 0|教师 一级教师 高级教师 班主任 教务员|no|0.35
hospital|22 60 38|30 52 14 4 0 0|医师 主治医师 护士 主管护师 药师|no|0.4
police|22 60 38|12 70 18 0 0 0|民警 警务技术人员 一级警长 二级警长|yes|0.8
institution|22 60 42|15 60 20 3 2 0|管理岗位 专业技术岗位 工勤技能岗位|no|0.6
retired|60 92 70|5 30 25 15 15 10|退休人员 离休干部 退休干部|no|0.6
""")
}
EDUCATION = ("postgraduate", "bachelor", "college", "secondary", "high_school", "junior")

# Leadership teams: name | principal seats (the first ones) | seats.
DISTRICT_TEAMS = table("""
区委领导班子|3|区委书记 区委副书记、区长 区委副书记 区委常委、组织部部长 区委常委、宣传部部长 区委常委、纪委书记、监委主任 区委常委、政法委书记 区委常委、统战部部长 区委常委、常务副区长 区委常委、区委办公室主任 区委常委、人武部政委
区政府领导班子|0|副区长 副区长 副区长 副区长 副区长
""")
TEAM_SEATS = {
    "street": (2, words("党工委书记 办事处主任 党工委副书记 人大工委主任 纪工委书记 党工委委员、组织委员 "
                        "党工委委员、宣传委员 党工委委员、统战委员 办事处副主任 办事处副主任 办事处副主任 人武部部长")),
    "town": (2, words("党委书记 镇长 党委副书记 人大主席 纪委书记 党委委员、组织委员 党委委员、宣传委员 "
                      "副镇长 副镇长 副镇长 人武部部长")),
    # {party} is 党委/工委/党工委 after the committee's name, {head} the unit's head (局长, 主任 …).
    "main": (1, words("{party}书记、{head} {party}副书记 副{head} 副{head} 副{head} {party}委员 纪检监察组组长")),
    "soe": (1, words("党委书记、董事长 党委副书记、总经理 副总经理 副总经理 纪委书记")),
    "school": (2, words("党支部书记 校长 副校长 副校长 副校长")),
    "hospital": (2, words("党委书记 院长 副院长 副院长 副院长 纪委书记")),
    "department": (1, words("党组书记、{head} 副{head} 副{head} 副{head} 党组成员")),
    "other": (1, words("党支部书记、{head} 副{head} 副{head} 副{head}")),
}  # fmt: skip
# The head of a unit by the end of its name; 主任 otherwise.
HEADS = table("""
局|局长
法院|院长
检察院|检察长
部|部长
团区委|书记
联|主席
工会|主席
所|所长
大队|大队长
站|站长
馆|馆长
院|院长
处|处长
""")
