package demo

import (
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/gridwork/gridwork/internal/people"
)

// surnames are the commonest Chinese surnames with their approximate share
// of the population in units of 0.01 % (after the 2020 census lists), so
// that 王, 李 and 张 each name about one person in fourteen.
var surnames = []struct {
	name   string
	weight int
}{
	{"王", 710}, {"李", 700}, {"张", 670}, {"刘", 540}, {"陈", 460}, {"杨", 310}, {"黄", 220}, {"赵", 200},
	{"吴", 190}, {"周", 190}, {"徐", 150}, {"孙", 150}, {"马", 140}, {"朱", 130}, {"胡", 120}, {"郭", 120},
	{"何", 120}, {"高", 110}, {"林", 110}, {"罗", 90}, {"郑", 90}, {"梁", 90}, {"谢", 80}, {"宋", 70},
	{"唐", 70}, {"许", 60}, {"韩", 60}, {"冯", 60}, {"邓", 60}, {"曹", 60}, {"彭", 50}, {"曾", 50},
	{"肖", 50}, {"田", 50}, {"董", 50}, {"袁", 50}, {"潘", 40}, {"于", 40}, {"蒋", 40}, {"蔡", 40},
	{"余", 40}, {"杜", 40}, {"叶", 40}, {"程", 40}, {"苏", 30}, {"魏", 30}, {"吕", 30}, {"丁", 30},
	{"任", 30}, {"沈", 30}, {"姚", 30}, {"卢", 30}, {"姜", 30}, {"崔", 30}, {"钟", 30}, {"谭", 30},
	{"陆", 20}, {"汪", 20}, {"范", 20}, {"金", 20}, {"石", 20}, {"廖", 20}, {"贾", 20}, {"夏", 20},
	{"韦", 20}, {"付", 20}, {"方", 20}, {"白", 20}, {"邹", 20}, {"孟", 20}, {"熊", 20}, {"秦", 20},
	{"邱", 20}, {"江", 20}, {"尹", 20}, {"薛", 20}, {"闫", 20}, {"段", 20}, {"雷", 20}, {"侯", 20},
	{"龙", 20}, {"史", 20}, {"陶", 10}, {"黎", 10}, {"贺", 10}, {"顾", 10}, {"毛", 10}, {"郝", 10},
	{"龚", 10}, {"邵", 10}, {"万", 10}, {"钱", 10}, {"严", 10}, {"覃", 10}, {"武", 10}, {"戴", 10},
	{"莫", 10}, {"孔", 10}, {"向", 10}, {"汤", 10}, {"欧阳", 3}, {"司马", 1}, {"诸葛", 1}, {"上官", 1},
}

// surnameTable is the cumulative weight table for weighted sampling.
type surnameTable struct {
	cum   []int
	total int
}

func newSurnameTable() surnameTable {
	t := surnameTable{cum: make([]int, len(surnames))}
	for i, s := range surnames {
		t.total += s.weight
		t.cum[i] = t.total
	}
	return t
}

// pick draws a surname with its population weight.
func (t surnameTable) pick(rng *rand.Rand) string {
	x := rng.IntN(t.total)
	return surnames[sort.SearchInts(t.cum, x+1)].name
}

// givenNames hold fashionable given names by birth generation and sex:
// names were given by era (建国 and 秀英 in the 1950s, 伟 and 丽 in the
// 1970s–80s, 子轩 and 梓涵 after 2010).
var givenNames = []struct {
	until  int // born before this year
	male   []string
	female []string
}{
	{1950,
		[]string{"德福", "国栋", "树林", "福贵", "长林", "永年", "宝山", "有才", "金海", "玉山", "士杰", "广才", "明德", "德胜", "守义", "富", "贵", "海"},
		[]string{"秀英", "桂英", "玉兰", "桂兰", "淑珍", "凤英", "秀兰", "兰英", "翠花", "玉珍", "素珍", "淑英", "桂芳", "秀珍", "金凤", "招娣"}},
	{1970,
		[]string{"建国", "国庆", "建军", "卫东", "援朝", "国华", "志明", "建平", "国强", "振华", "立新", "跃进", "卫国", "向东", "建设", "红旗", "建华", "文斌"},
		[]string{"红", "丽华", "秀梅", "桂芝", "红梅", "美华", "玉梅", "淑华", "凤兰", "春兰", "爱华", "建英", "卫红", "小红", "丽萍", "秀云"}},
	{1990,
		[]string{"伟", "军", "勇", "磊", "强", "斌", "涛", "鹏", "超", "刚", "辉", "明", "峰", "杰", "波", "海涛", "志强", "晓东", "建伟", "小龙", "俊", "华"},
		[]string{"丽", "敏", "静", "燕", "艳", "娟", "霞", "芳", "玲", "婷", "丹", "海燕", "丽娟", "晓燕", "春燕", "雪梅", "晓红", "慧", "莉", "琳"}},
	{2010,
		[]string{"浩", "宇", "鑫", "俊杰", "浩然", "子豪", "宇航", "家豪", "鹏飞", "博文", "志豪", "天宇", "明轩", "一鸣", "晨阳", "泽宇", "皓", "凯"},
		[]string{"婷婷", "佳怡", "欣怡", "雨欣", "梦瑶", "思琪", "雪", "倩", "颖", "佳琪", "诗琪", "晓雯", "嘉欣", "心怡", "雨涵", "静怡"}},
	{1 << 30,
		[]string{"梓轩", "浩宇", "子墨", "宇轩", "沐宸", "奕辰", "一诺", "子睿", "梓睿", "浩轩", "铭泽", "宸", "俊熙", "煜祺", "睿", "安"},
		[]string{"梓涵", "一诺", "欣妍", "雨桐", "诗涵", "可馨", "若汐", "语桐", "梓萱", "沐晴", "依诺", "芊芊", "思涵", "紫涵", "悦", "玥"}},
}

// givenName draws a given name fashionable in the birth year.
func givenName(rng *rand.Rand, year int, g people.Gender) string {
	for _, gen := range givenNames {
		if year < gen.until {
			if g == people.Male {
				return gen.male[rng.IntN(len(gen.male))]
			}
			return gen.female[rng.IntN(len(gen.female))]
		}
	}
	panic("unreachable")
}

// Pools of place names. They are fictional or common enough to exist in
// many places; the generator draws without replacement within a district.
var (
	cityName      = "江州市"
	cityCode      = "330100" // the prefecture above the districts' codes
	districtNames = []string{"临江区", "湖滨区", "云溪区", "凤山区", "滨海区", "望潮区"}
	// districtCodes are fictional-but-valid county codes in Zhejiang (33):
	// prefecture 01, districts 10–15.
	districtCodes = []string{"330110", "330111", "330112", "330113", "330114", "330115"}

	streetStems = []string{
		"临江", "南湖", "东湖", "西溪", "北山", "文昌", "城南", "城北", "湖滨", "望江", "凤凰", "翠苑",
		"紫金", "白鹭", "桂花", "梅林", "清波", "钱塘", "朝阳", "新华", "长河", "星桥", "九堡", "彭埠",
		"丁桥", "笕桥", "半山", "康桥", "祥符", "拱宸", "米市", "潮鸣", "闸弄", "采荷", "四季", "天水",
	}
	townStems = []string{
		"青山", "龙坞", "双溪", "石桥", "桃源", "清溪", "白沙", "云峰", "竹林", "梅岭", "杏花", "长乐",
		"安澜", "丰收", "黄湖", "鸬鸟", "百丈", "径山", "瓶窑", "余杭", "中泰", "闲林", "仓前", "塘栖",
		"新桥", "河桥", "太湖源", "潘板", "湍口", "清凉峰",
	}
	communityStems = []string{
		"金桥", "翠苑", "春晓", "和平", "东方", "阳光", "紫荆", "丹桂", "嘉园", "文晖", "府苑", "德胜",
		"朝晖", "湖畔", "星河", "锦绣", "明珠", "振华", "新安", "长庆", "景芳", "红梅", "望湖", "枫林",
		"银杏", "芳草", "兴旺", "绿洲", "康乐", "华联", "新城", "平安", "富春", "玉泉", "翠竹", "荷花",
		"临湖", "御景", "青荷", "古荡", "雅苑", "湖墅", "松木", "德加", "北景", "南肖", "兰苑", "秋涛",
		"东新", "和睦", "大关", "小河", "塘河", "运河", "文新", "益乐", "桂花", "庆丰", "环北", "香积",
	}
	villageStems = []string{
		"桃源", "石门", "溪口", "杨梅", "竹园", "上塘", "下沙", "横山", "后畈", "前山", "大坞", "双桥",
		"白石", "龙潭", "梅家坞", "茶山", "黄泥", "枫树", "柳塘", "新丰", "长岭", "平川", "塘头", "庙前",
	}
	// compoundStems and compoundSuffixes build names like 阳光花苑 or 金色家园.
	compoundStems = []string{
		"金色", "阳光", "翠苑", "绿园", "和家", "锦绣", "世纪", "东方", "明珠", "春江", "碧水", "蓝庭",
		"香樟", "紫薇", "丽景", "天际", "盛世", "嘉和", "万科", "金都", "绿城", "滨江", "湖山", "长庚",
		"朝晖", "采荷", "景湖", "城市", "九月", "桂语", "西溪", "钱江", "南苑", "北苑", "耀江", "宝龙",
		"汇丰", "瑞园", "福邸", "雅居", "幸福", "安居", "康城", "御园", "江南", "水岸", "云栖", "星洲",
	}
	compoundSuffixes = []string{"家园", "花苑", "名都", "公寓", "小区", "新村", "花园", "雅苑", "华庭", "府", "嘉园", "景园", "佳苑", "里", "一区", "二区", "三区", "新城"}
	// specialCompounds are always available: famous-sounding names.
	specialCompounds = []string{"金色家园", "阳光花苑", "翠苑一区", "翠苑二区", "和家园", "春江花月"}

	industryCompanies = []string{"顺达快递", "中通快运", "韵达速递", "申通物流", "邮政快递", "美团配送", "饿了么蜂鸟"}
)

// drawDistinct returns n distinct elements of pool in a seeded random
// order, cycling with a numeric suffix if the pool is too small.
func drawDistinct(rng *rand.Rand, pool []string, n int, taken func(string) bool) []string {
	perm := rng.Perm(len(pool))
	out := make([]string, 0, n)
	for round := 0; len(out) < n; round++ {
		for _, i := range perm {
			if len(out) == n {
				break
			}
			name := pool[i]
			if round > 0 {
				name = strings.Repeat("新", round) + name
			}
			if taken != nil && taken(name) {
				continue
			}
			out = append(out, name)
		}
	}
	return out
}
