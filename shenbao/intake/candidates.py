"""Finding a candidate's name in a mail's subject, body and file names. Pure functions.

Two kinds of evidence: a *known* name (a form's 姓名 in this mail, or the candidate of a
nomination already on the register) is looked up as a substring; an *unknown* name is only
taken where a person's name is plainly written: a subject such as "推荐材料-山阳区总工会-王喆",
an archive folder "张三/", or "候选人：王喆" in the body. Such a guess must look like a Chinese
name (2–4 Han characters, a common surname, none of the words that make up subjects).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.names import compact

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(f"[{HAN}·]+")
_ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".tnef", ".dat")

# Words that make up subjects, folder and file names, never a person's name. Longest first when used.
NOT_NAME_WORDS = (
    "推荐表", "推荐", "申报", "材料", "资料", "事迹", "先进", "简介", "照片", "图片", "相片", "生活照", "工作照",
    "生活", "工作", "合影", "补充", "补发", "补报", "补齐", "更正", "修改", "修订", "最终", "定稿", "终稿",
    "最美", "职工", "工会", "总工会", "单位", "征信", "截图", "截屏", "查询", "信用", "执行", "回复", "转发",
    "附件", "焦作", "河南", "活动", "报送", "上报", "候选人", "人选", "电子版", "电子", "纸质", "表格", "名单",
    "通知", "年度", "同志", "文件", "文档", "新版", "旧版", "查收", "压缩包", "打包", "全部", "一份", "重新",
    "发送", "邮件", "关于", "个人", "情况", "说明", "劳模", "五一", "老师", "领导", "您好", "谢谢", "联系人",
    "姓名", "名字", "微信", "扫描件", "扫描", "原图", "清晰", "高清", "格式", "公司", "集团", "医院", "学校",
    "的", "及", "与", "等", "请", "第",
)
_NOT_NAME = re.compile("|".join(sorted(map(re.escape, NOT_NAME_WORDS), key=len, reverse=True)))
# A unit's name, never a person's, ends like this.
NOT_NAME_ENDINGS = tuple("区市县乡镇村局院校厂司会部队所站处委办组科室馆社行店场矿段省州团")
# Common Chinese surnames (single and double); a guessed name must start with one.
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠"
    "豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰"
    "赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富"
    "尧闭由"
)
_SURNAMES_2 = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
               "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "万俟", "闻人")
_DECLARED = re.compile(f"(?:候选人|推荐人选|推荐对象|姓名)(?:姓名)?\\s*(?:[:：为是]\\s*)?([{HAN}·]{{2,6}})")


def looks_like_name(token: str) -> bool:
    """2–4 Han characters (a double surname allows 5) starting with a common surname."""
    token = compact(token)
    if not re.fullmatch(f"[{HAN}]{{2,5}}", token) or token.endswith(NOT_NAME_ENDINGS):
        return False
    if token.startswith(_SURNAMES_2):
        return len(token) <= 5
    return len(token) <= 4 and token[0] in _SURNAMES_1 and not _NOT_NAME.search(token)


def name_tokens(text: str, ignore: Iterable[str] = ()) -> list[str]:
    """The distinct name-like tokens of ``text`` after removing ``ignore`` (unit and campaign names)
    and the words subjects are made of, in order of appearance."""
    flat = compact(text)
    for phrase in sorted({compact(p) for p in ignore if compact(p)}, key=len, reverse=True):
        flat = flat.replace(phrase, " ")
    found: list[str] = []
    for piece in _PIECES.findall(flat):
        for token in _NOT_NAME.split(piece):
            if looks_like_name(token) and token not in found:
                found.append(token)
    return found


def guessed_name(text: str, ignore: Iterable[str] = ()) -> str:
    """The one name-like token of ``text``; "" when there is none or more than one."""
    tokens = name_tokens(text, ignore)
    return tokens[0] if len(tokens) == 1 else ""


def declared_name(text: str) -> str:
    """A name written as "候选人：王喆" / "姓名：王喆"; "" when none (or several different ones)."""
    names = {m for m in (guessed_name(g) for g in _DECLARED.findall(compact(text).replace("：", ":"))) if m}
    return names.pop() if len(names) == 1 else ""


def names_in(text: str, known: Iterable[str]) -> set[str]:
    """Which ``known`` names occur in ``text``; a name inside a longer found name ("王建" in "王建国")
    does not count on its own."""
    flat = compact(text)
    hits = {name for name in {compact(k) for k in known} if len(name) >= 2 and name in flat}
    return {name for name in hits if not any(name != other and name in other for other in hits)}


def path_parts(name: str) -> tuple[str, list[str]]:
    """``材料.zip/张三/照片1.jpg`` -> ("照片1", ["张三"]): the file's stem and its folders, innermost
    first, archives themselves left out."""
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if not parts:
        return "", []
    stem = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
    folders = [p for p in reversed(parts[:-1]) if not p.lower().endswith(_ARCHIVE_SUFFIXES)]
    return stem, folders


def name_of_path(name: str, known: Iterable[str]) -> str:
    """The one known name a file's own name, else its innermost folder that names one, carries."""
    stem, folders = path_parts(name)
    known = list(known)
    for part in [stem, *folders]:
        hits = names_in(part, known)
        if len(hits) == 1:
            return hits.pop()
        if hits:
            return ""
    return ""


def folder_names(names: Iterable[str], ignore: Iterable[str] = ()) -> set[str]:
    """Names guessed from archive folders: ``材料.zip/张三/…`` -> {"张三"}."""
    ignore = list(ignore)
    found: set[str] = set()
    for name in names:
        for folder in path_parts(name)[1]:
            guess = guessed_name(folder, ignore)
            if guess:
                found.add(guess)
                break
    return found
