package category

import (
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Icon is a picture the category pickers may show beside a category: Name
// is what Category.Icon holds and what the web layer maps to a glyph.
type Icon struct {
	Name  string
	Label apperr.Text
}

// Icons is the closed set of icon names a category may carry.
var Icons = []Icon{
	{"water", apperr.Text{ZH: "供水", EN: "water"}},
	{"drain", apperr.Text{ZH: "排水", EN: "drainage"}},
	{"heating", apperr.Text{ZH: "供热", EN: "heating"}},
	{"gas", apperr.Text{ZH: "燃气", EN: "gas"}},
	{"power", apperr.Text{ZH: "电力", EN: "power"}},
	{"light", apperr.Text{ZH: "照明", EN: "lighting"}},
	{"manhole", apperr.Text{ZH: "井盖", EN: "manhole cover"}},
	{"trash", apperr.Text{ZH: "垃圾", EN: "rubbish"}},
	{"toilet", apperr.Text{ZH: "公厕", EN: "toilet"}},
	{"road", apperr.Text{ZH: "道路", EN: "road"}},
	{"bridge", apperr.Text{ZH: "桥梁", EN: "bridge"}},
	{"traffic", apperr.Text{ZH: "交通", EN: "traffic"}},
	{"parking", apperr.Text{ZH: "停车", EN: "parking"}},
	{"car", apperr.Text{ZH: "车辆", EN: "vehicle"}},
	{"bike", apperr.Text{ZH: "非机动车", EN: "bicycle"}},
	{"bus", apperr.Text{ZH: "公交", EN: "bus"}},
	{"sign", apperr.Text{ZH: "标识", EN: "sign"}},
	{"tree", apperr.Text{ZH: "绿化", EN: "greenery"}},
	{"building", apperr.Text{ZH: "建筑", EN: "building"}},
	{"house", apperr.Text{ZH: "住房", EN: "housing"}},
	{"construction", apperr.Text{ZH: "施工", EN: "construction"}},
	{"ad", apperr.Text{ZH: "广告", EN: "advertising"}},
	{"stall", apperr.Text{ZH: "摊点", EN: "street stall"}},
	{"shop", apperr.Text{ZH: "市场", EN: "market"}},
	{"snow", apperr.Text{ZH: "积雪", EN: "snow"}},
	{"cable", apperr.Text{ZH: "线缆", EN: "cable"}},
	{"phone", apperr.Text{ZH: "通信", EN: "telecom"}},
	{"fire", apperr.Text{ZH: "消防", EN: "fire"}},
	{"warning", apperr.Text{ZH: "险情", EN: "hazard"}},
	{"environment", apperr.Text{ZH: "环境", EN: "environment"}},
	{"noise", apperr.Text{ZH: "噪音", EN: "noise"}},
	{"pet", apperr.Text{ZH: "宠物", EN: "pet"}},
	{"elevator", apperr.Text{ZH: "电梯", EN: "elevator"}},
	{"dispute", apperr.Text{ZH: "纠纷", EN: "dispute"}},
	{"police", apperr.Text{ZH: "治安", EN: "public order"}},
	{"shield", apperr.Text{ZH: "安防", EN: "security"}},
	{"people", apperr.Text{ZH: "人群服务", EN: "people"}},
	{"health", apperr.Text{ZH: "医疗", EN: "health"}},
	{"school", apperr.Text{ZH: "教育", EN: "education"}},
	{"money", apperr.Text{ZH: "费用权益", EN: "money"}},
	{"city", apperr.Text{ZH: "城市管理", EN: "city"}},
	{"question", apperr.Text{ZH: "咨询", EN: "question"}},
	{"help", apperr.Text{ZH: "求助", EN: "help"}},
	{"complaint", apperr.Text{ZH: "投诉", EN: "complaint"}},
	{"report", apperr.Text{ZH: "举报", EN: "report"}},
	{"idea", apperr.Text{ZH: "建议", EN: "suggestion"}},
	{"thanks", apperr.Text{ZH: "表扬", EN: "thanks"}},
	{"other", apperr.Text{ZH: "其他", EN: "other"}},
}

// ValidIcon reports whether name is one of Icons.
func ValidIcon(name string) bool {
	for _, i := range Icons {
		if i.Name == name {
			return true
		}
	}
	return false
}

// iconRule gives an icon to standard rows whose Chinese name contains one
// of the words; the first matching rule wins.
type iconRule struct {
	icon  string
	words []string
}

// standardIconRules give the seed's standard rows (which have no icon
// column) an icon from their names, then from their class.
var standardIconRules = []iconRule{
	{"manhole", []string{"井盖", "箅子", "盖板"}},
	{"snow", []string{"积雪", "结冰"}},
	{"light", []string{"灯"}},
	{"toilet", []string{"厕"}},
	{"fire", []string{"消防", "烧", "烟头"}},
	{"gas", []string{"燃气", "输油", "加油"}},
	{"heating", []string{"供热", "热力"}},
	{"drain", []string{"污水", "排水", "化粪池", "排放口", "泵站"}},
	{"water", []string{"供水", "水井", "水塔", "水鹤", "水域", "河", "防汛", "滩", "堤岸"}},
	{"cable", []string{"线缆", "管线", "杆线"}},
	{"power", []string{"电力", "变压器", "高压", "充电", "配电"}},
	{"phone", []string{"通信", "电话", "邮筒", "信息亭", "网络", "电视"}},
	{"elevator", []string{"电梯"}},
	{"parking", []string{"停车", "车库", "存车"}},
	{"bike", []string{"非机动车", "自行车", "单车"}},
	{"bus", []string{"公交", "出租车", "轨道"}},
	{"bridge", []string{"桥", "隧道", "通道", "栈桥"}},
	{"sign", []string{"牌", "标志", "标识", "指示"}},
	{"ad", []string{"广告", "宣传", "标语", "彩旗"}},
	{"trash", []string{"垃圾", "渣土", "废", "遗撒", "不洁", "杂物", "尸体", "回收", "脏"}},
	{"noise", []string{"噪声", "扰民"}},
	{"pet", []string{"宠物", "家禽", "畜"}},
	{"tree", []string{"树", "绿", "花", "园林", "林地", "病虫"}},
	{"construction", []string{"施工", "掘路", "工地", "建设", "搭建", "装修", "扬尘"}},
	{"stall", []string{"经营", "游商", "摊", "市场", "夜市", "餐饮", "促销", "洗车", "屠宰", "销售"}},
	{"car", []string{"车"}},
	{"road", []string{"道路", "路", "台阶", "坡道", "道口"}},
	{"shield", []string{"监控", "岗亭", "报警"}},
	{"warning", []string{"隐患", "悬吊", "裸露", "破损"}},
	{"people", []string{"矫正", "释放", "精神", "青少年", "吸毒", "乞讨"}},
	{"environment", []string{"污染", "监测"}},
	{"dispute", []string{"纠纷"}},
	{"building", []string{"建筑", "阳台", "屋顶", "房", "地下室", "牌楼", "空调"}},
}

// classIcons are the fallbacks of the standard top-level classes.
var classIcons = map[string]string{
	"C01": "city", "C02": "traffic", "C03": "trash", "C04": "tree", "C05": "building",
	"E06": "city", "E07": "ad", "E08": "construction", "E09": "stall", "E10": "warning",
	"S01": "dispute", "S02": "police", "S03": "warning", "S04": "people",
	"N01": "question", "N02": "help", "N03": "complaint", "N04": "report", "N05": "idea",
}

// standardIcon picks an icon for a standard seed row.
func standardIcon(code, parent, nameZH string) string {
	if i, ok := classIcons[code]; ok {
		return i
	}
	for _, r := range standardIconRules {
		for _, w := range r.words {
			if strings.Contains(nameZH, w) {
				return r.icon
			}
		}
	}
	if i, ok := classIcons[parent]; ok {
		return i
	}
	return "other"
}
