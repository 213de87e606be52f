package ledger

import (
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// The sheet keys, in import order: buildings before the households in them,
// households before their residents.
const (
	SheetBuildings  = "buildings"
	SheetHouseholds = "households"
	SheetResidents  = "residents"
)

// allSheets lists the data sheets in import (and report) order.
var allSheets = []string{SheetBuildings, SheetHouseholds, SheetResidents}

// cellKind says how a column's cells are checked and normalised.
type cellKind int

const (
	kindText  cellKind = iota // free text, trimmed
	kindCode                  // an identifier of digits or letters (codes, ID numbers, phones): kept as text
	kindInt                   // a whole number ≥ 0
	kindFloat                 // a decimal number
	kindEnum                  // one label of an enum
	kindTags                  // several labels of an enum separated by 、 , ，
)

// column is one column of a data sheet.
type column struct {
	Key      string      // stable key, also the apperr field name ("id_number")
	Title    apperr.Text // header title in each language
	Aliases  []string    // other headers users write for it
	Kind     cellKind
	Required bool
	Enum     *enum   // for kindEnum and kindTags
	Min, Max float64 // bounds for kindFloat when Max > Min
	Width    float64 // column width in the template
	Help     apperr.Text
	Example  apperr.Text
}

// sheetSpec describes one data sheet.
type sheetSpec struct {
	Key     string
	Title   apperr.Text // sheet name in each language
	Aliases []string
	Columns []column
	index   map[string]int // normalised header → column index
}

// Columns shared by the three sheets: where a place is.
var (
	colGrid = column{Key: "grid_code", Title: apperr.Text{ZH: "网格编码", EN: "Grid code"},
		Aliases: []string{"网格代码", "网格编号", "grid"}, Kind: kindCode, Required: true, Width: 18,
		Help:    apperr.Text{ZH: "15位网格编码（12位社区代码+3位网格号）", EN: "15-digit grid code (12-digit community code + 3-digit grid number)"},
		Example: apperr.Text{ZH: "110105001001001", EN: "110105001001001"}}
	colCompound = column{Key: "compound", Title: apperr.Text{ZH: "小区/村", EN: "Compound"},
		Aliases: []string{"小区", "小区名称", "村", "自然村", "compound/village"}, Width: 16,
		Help:    apperr.Text{ZH: "小区或自然村名称，可空", EN: "residential compound or village name; may be empty"},
		Example: apperr.Text{ZH: "幸福里小区", EN: "Xingfuli"}}
	colBuildingRef = column{Key: "building", Title: apperr.Text{ZH: "楼栋", EN: "Building"},
		Aliases: []string{"楼栋名称", "楼栋号", "楼号", "院落", "building name"}, Required: true, Width: 12,
		Help:    apperr.Text{ZH: "所在楼栋或院落，须已存在或在楼栋表中", EN: "the building or courtyard; must exist or be in the buildings sheet"},
		Example: apperr.Text{ZH: "3号楼", EN: "Building 3"}}
	colUnit = column{Key: "unit", Title: apperr.Text{ZH: "单元", EN: "Unit"},
		Aliases: []string{"单元号"}, Kind: kindCode, Width: 8,
		Help:    apperr.Text{ZH: "单元，平房院落可空", EN: "unit (entrance); empty for courtyards"},
		Example: apperr.Text{ZH: "2单元", EN: "2"}}
	colRoom = column{Key: "room", Title: apperr.Text{ZH: "房号", EN: "Room"},
		Aliases: []string{"门牌号", "户号", "室", "房间号", "room number"}, Kind: kindCode, Required: true, Width: 10,
		Help:    apperr.Text{ZH: "房号或门牌号", EN: "room or door number"},
		Example: apperr.Text{ZH: "302", EN: "302"}}
)

// specs are the three data sheets. Their column order is the template's.
var specs = map[string]*sheetSpec{
	SheetBuildings: {
		Key:     SheetBuildings,
		Title:   apperr.Text{ZH: "楼栋", EN: "Buildings"},
		Aliases: []string{"楼栋表", "楼栋信息", "院落", "building"},
		Columns: []column{
			colGrid,
			colCompound,
			{Key: "name", Title: apperr.Text{ZH: "楼栋名称", EN: "Building"},
				Aliases: []string{"楼栋", "楼栋号", "楼号", "院落名称", "name", "building name"}, Required: true, Width: 12,
				Help:    apperr.Text{ZH: "楼栋或院落名称，在小区内唯一", EN: "building or courtyard name, unique within the compound"},
				Example: apperr.Text{ZH: "3号楼", EN: "Building 3"}},
			{Key: "kind", Title: apperr.Text{ZH: "类型", EN: "Kind"},
				Aliases: []string{"楼栋类型", "建筑类型", "building kind", "type"}, Kind: kindEnum, Required: true, Enum: buildingKinds, Width: 8,
				Help:    apperr.Text{ZH: "楼栋 或 院落", EN: "building or courtyard"},
				Example: apperr.Text{ZH: "楼栋", EN: "building"}},
			{Key: "address", Title: apperr.Text{ZH: "地址", EN: "Address"},
				Aliases: []string{"详细地址", "门牌地址"}, Width: 28,
				Help:    apperr.Text{ZH: "门牌地址，可空", EN: "street address; may be empty"},
				Example: apperr.Text{ZH: "朝阳区幸福路12号", EN: "12 Xingfu Road"}},
			{Key: "lon", Title: apperr.Text{ZH: "经度", EN: "Longitude"},
				Aliases: []string{"lng", "lon"}, Kind: kindFloat, Min: -180, Max: 180, Width: 12,
				Help:    apperr.Text{ZH: "WGS84经度（小数），可空", EN: "WGS84 longitude (decimal); may be empty"},
				Example: apperr.Text{ZH: "116.4825", EN: "116.4825"}},
			{Key: "lat", Title: apperr.Text{ZH: "纬度", EN: "Latitude"},
				Aliases: []string{"lat"}, Kind: kindFloat, Min: -90, Max: 90, Width: 12,
				Help:    apperr.Text{ZH: "WGS84纬度（小数），可空", EN: "WGS84 latitude (decimal); may be empty"},
				Example: apperr.Text{ZH: "39.9215", EN: "39.9215"}},
			{Key: "floors", Title: apperr.Text{ZH: "层数", EN: "Floors"},
				Aliases: []string{"楼层数", "总层数"}, Kind: kindInt, Width: 8,
				Help:    apperr.Text{ZH: "地上层数（整数），可空", EN: "number of floors (whole number); may be empty"},
				Example: apperr.Text{ZH: "6", EN: "6"}},
		},
	},
	SheetHouseholds: {
		Key:     SheetHouseholds,
		Title:   apperr.Text{ZH: "房屋", EN: "Households"},
		Aliases: []string{"房屋表", "房屋信息", "户", "住户", "household", "rooms"},
		Columns: []column{
			colGrid, colCompound, colBuildingRef, colUnit, colRoom,
			{Key: "kind", Title: apperr.Text{ZH: "房屋类型", EN: "Kind"},
				Aliases: []string{"类型", "居住类型", "房屋性质", "household kind", "type"}, Kind: kindEnum, Required: true, Enum: householdKinds, Width: 10,
				Help:    apperr.Text{ZH: "自住、出租、空置 或 其他", EN: "owner, rented, vacant or other"},
				Example: apperr.Text{ZH: "自住", EN: "owner"}},
			{Key: "area_m2", Title: apperr.Text{ZH: "面积（平方米）", EN: "Area (m²)"},
				Aliases: []string{"面积", "建筑面积", "面积(㎡)", "面积㎡", "area", "area (m2)", "area m2"}, Kind: kindFloat, Min: 0, Max: 100000, Width: 14,
				Help:    apperr.Text{ZH: "建筑面积（平方米，小数），可空", EN: "floor area in square metres (decimal); may be empty"},
				Example: apperr.Text{ZH: "89.5", EN: "89.5"}},
		},
	},
	SheetResidents: {
		Key:     SheetResidents,
		Title:   apperr.Text{ZH: "居民", EN: "Residents"},
		Aliases: []string{"居民表", "居民信息", "人口", "人员", "resident", "people"},
		Columns: []column{
			colGrid, colCompound, colBuildingRef, colUnit, colRoom,
			{Key: "name", Title: apperr.Text{ZH: "姓名", EN: "Name"},
				Aliases: []string{"居民姓名", "full name"}, Required: true, Width: 10,
				Help:    apperr.Text{ZH: "姓名", EN: "full name"},
				Example: apperr.Text{ZH: "张秀英", EN: "Zhang Xiuying"}},
			{Key: "gender", Title: apperr.Text{ZH: "性别", EN: "Gender"},
				Aliases: []string{"sex"}, Kind: kindEnum, Enum: genders, Width: 6,
				Help:    apperr.Text{ZH: "男 或 女，可空（按身份证号推断）", EN: "male or female; may be empty (taken from the ID number)"},
				Example: apperr.Text{ZH: "女", EN: "female"}},
			{Key: "id_number", Title: apperr.Text{ZH: "身份证号", EN: "ID number"},
				Aliases: []string{"身份证号码", "公民身份号码", "证件号码", "身份证", "id", "id no", "id no.", "national id"}, Kind: kindCode, Width: 22,
				Help:    apperr.Text{ZH: "18位居民身份证号码，请以文本格式填写；没有可空", EN: "18-character national ID number, entered as text; empty if none"},
				Example: apperr.Text{ZH: "11010519491231002X", EN: "11010519491231002X"}},
			{Key: "phone", Title: apperr.Text{ZH: "联系电话", EN: "Phone"},
				Aliases: []string{"电话", "手机", "手机号", "手机号码", "电话号码", "phone number", "mobile"}, Kind: kindCode, Width: 14,
				Help:    apperr.Text{ZH: "手机或固定电话，可空", EN: "mobile or landline number; may be empty"},
				Example: apperr.Text{ZH: "13800138000", EN: "13800138000"}},
			{Key: "relation", Title: apperr.Text{ZH: "与户主关系", EN: "Relation"},
				Aliases: []string{"关系", "家庭关系", "relation to head", "relationship"}, Kind: kindEnum, Required: true, Enum: relations, Width: 10,
				Help:    apperr.Text{ZH: "户主、配偶、子女、父母 或 其他", EN: "head, spouse, child, parent or other"},
				Example: apperr.Text{ZH: "户主", EN: "head"}},
			{Key: "tags", Title: apperr.Text{ZH: "标签", EN: "Tags"},
				Aliases: []string{"人员标签", "人员类别", "特殊人群", "labels"}, Kind: kindTags, Enum: residentTags, Width: 22,
				Help:    apperr.Text{ZH: "可多个，用、或逗号分隔：" + residentTags.labelList("zh"), EN: "several allowed, separated by commas: " + residentTags.labelList("en")},
				Example: apperr.Text{ZH: "独居老人、低保", EN: "elderly_alone, low_income"}},
		},
	},
}

// Headers of the extra columns the error workbook adds; import skips them.
var (
	titleErrors    = apperr.Text{ZH: "错误原因", EN: "Errors"}
	titleSourceRow = apperr.Text{ZH: "原行号", EN: "Source row"}
	titleHelp      = apperr.Text{ZH: "说明", EN: "Instructions"}
)

func init() {
	for _, s := range specs {
		s.index = map[string]int{}
		for i, c := range s.Columns {
			for _, h := range append([]string{c.Key, c.Title.ZH, c.Title.EN}, c.Aliases...) {
				// The first column to claim a header keeps it: a sheet's own
				// "name" is never shadowed by an alias of another column.
				if _, taken := s.index[normHeader(h)]; !taken {
					s.index[normHeader(h)] = i
				}
			}
		}
	}
}

// column returns the column with key, if the sheet has one.
func (s *sheetSpec) column(key string) (column, bool) {
	for _, c := range s.Columns {
		if c.Key == key {
			return c, true
		}
	}
	return column{}, false
}

// title returns the sheet name in lang.
func (s *sheetSpec) title(lang string) string { return s.Title.In(lang) }

// specByName finds the data sheet a workbook sheet name stands for.
func specByName(name string) *sheetSpec {
	n := normHeader(name)
	for _, k := range allSheets {
		s := specs[k]
		for _, h := range append([]string{s.Key, s.Title.ZH, s.Title.EN}, s.Aliases...) {
			if normHeader(h) == n {
				return s
			}
		}
	}
	return nil
}

// isExtraHeader reports whether a header is one of the error workbook's own
// columns, which import skips without complaint.
func isExtraHeader(h string) bool {
	n := normHeader(h)
	for _, t := range []apperr.Text{titleErrors, titleSourceRow} {
		if n == normHeader(t.ZH) || n == normHeader(t.EN) {
			return true
		}
	}
	return false
}

// headerFolder folds the characters people vary in headers: full-width
// brackets, the square-metre sign, required-column stars and spaces.
var headerFolder = strings.NewReplacer(
	"（", "(", "）", ")", "㎡", "m2", "m²", "m2", "平方米", "m2", "*", "", "＊", "",
	" ", "", "\u3000", "", "\u00a0", "", "_", "", "-", "", "\n", "", "\r", "", "\t", "",
)

// normHeader returns the lookup form of a header or sheet name.
func normHeader(s string) string { return strings.ToLower(headerFolder.Replace(strings.TrimSpace(s))) }
