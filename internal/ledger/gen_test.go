package ledger

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/xuri/excelize/v2"
)

// genSpec shapes a generated ledger: every grid has the same buildings,
// units, rooms and residents per room. bad maps resident sheet rows to the
// kind of fault to put there (see badKinds).
type genSpec struct {
	grids, buildingsPerGrid, unitsPerBuilding, roomsPerUnit, residentsPerRoom int
	bad                                                                       map[int]int
}

// badKinds are the faults the generator plants in resident rows: some found
// by pass 1, some by the services.
var badKinds = []string{
	"id checksum", "phone", "name missing", "gender label", "unknown household",
	"duplicate id", "tag label", "grid code", "masked id", "relation label",
}

var (
	familyNames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"}
	givenNames  = []string{"秀英", "建国", "桂英", "志强", "丽", "伟", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平"}
	houseKinds  = []string{"自住", "出租", "自住", "空置", "自住", "其他"}
)

// generatedBook writes a three-sheet ledger with the stream writer, as a
// real 50,000-row file would be written.
func generatedBook(t testing.TB, g genSpec) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	stream := func(i int, key string, rows func(put func([]any))) {
		name := specs[key].Title.ZH
		var err error
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			t.Fatal(err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		put := func(cells []any) {
			n++
			cell, _ := excelize.CoordinatesToCellName(1, n)
			if err := sw.SetRow(cell, cells); err != nil {
				t.Fatal(err)
			}
		}
		put(headerRow(key, "zh"))
		rows(put)
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	gridCode := func(gi int) string { return fmt.Sprintf("110105001001%03d", gi+1) }
	type place struct{ grid, compound, building, unit, room string }
	var rooms []place
	stream(0, SheetBuildings, func(put func([]any)) {
		for gi := 0; gi < g.grids; gi++ {
			for b := 1; b <= g.buildingsPerGrid; b++ {
				put([]any{gridCode(gi), "幸福里", fmt.Sprintf("%d号楼", b), "楼栋", fmt.Sprintf("幸福路%d号", b),
					116.4 + float64(gi)/100 + float64(b)/1000, 39.9 + float64(b)/1000, 6 + b%12})
			}
		}
	})
	stream(1, SheetHouseholds, func(put func([]any)) {
		for gi := 0; gi < g.grids; gi++ {
			for b := 1; b <= g.buildingsPerGrid; b++ {
				for u := 1; u <= g.unitsPerBuilding; u++ {
					for r := 0; r < g.roomsPerUnit; r++ {
						p := place{gridCode(gi), "幸福里", fmt.Sprintf("%d号楼", b), fmt.Sprintf("%d单元", u), fmt.Sprintf("%d%02d", 1+r/4, 1+r%4)}
						rooms = append(rooms, p)
						var area any = ""
						if r%3 != 0 {
							area = 60 + float64(r%40) + 0.5
						}
						put([]any{p.grid, p.compound, p.building, p.unit, p.room, houseKinds[len(rooms)%len(houseKinds)], area})
					}
				}
			}
		}
	})
	stream(2, SheetResidents, func(put func([]any)) {
		i := 0
		lastGood := ""
		for _, p := range rooms {
			for k := 0; k < g.residentsPerRoom; k++ {
				row := i + 2 // the sheet row of resident i
				seq := i % 1000
				id := idNumber(i/1000, seq)
				gender := "女"
				if seq%2 == 1 {
					gender = "男"
				}
				relation := []string{"户主", "配偶", "子女", "子女", "父母"}[min(k, 4)]
				tags := ""
				switch {
				case i%11 == 0:
					tags = "独居老人、低保"
				case i%5 == 0:
					tags = "老年人"
				}
				cells := []any{p.grid, p.compound, p.building, p.unit, p.room,
					familyNames[i%len(familyNames)] + givenNames[(i/len(familyNames))%len(givenNames)],
					gender, id, fmt.Sprintf("139%08d", i), relation, tags}
				kind, bad := g.bad[row]
				if bad && badKinds[kind] == "duplicate id" && lastGood == "" {
					kind = 0 // nothing earlier to duplicate
				}
				switch {
				case !bad:
					lastGood = id
				case badKinds[kind] == "id checksum":
					cells[7] = badCheck(id)
				case badKinds[kind] == "phone":
					cells[8] = "12345"
				case badKinds[kind] == "name missing":
					cells[5] = ""
				case badKinds[kind] == "gender label":
					cells[6] = "未知"
				case badKinds[kind] == "unknown household":
					cells[4] = "9999"
				case badKinds[kind] == "duplicate id":
					cells[7] = lastGood
				case badKinds[kind] == "tag label":
					cells[10] = "富豪"
				case badKinds[kind] == "grid code":
					cells[0] = "12345"
				case badKinds[kind] == "masked id":
					cells[7] = id[:6] + "********" + id[14:]
				case badKinds[kind] == "relation label":
					cells[9] = "表亲"
				}
				put(cells)
				i++
			}
		}
	})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// spec50k is the acceptance ledger: 50,000 residents in 12,500 households
// of 125 buildings in 5 grids.
var spec50k = genSpec{grids: 5, buildingsPerGrid: 25, unitsPerBuilding: 4, roomsPerUnit: 25, residentsPerRoom: 4}

// plantBad picks n distinct resident rows of a ledger with residents rows
// at random (seeded) and gives each a fault kind in turn.
func plantBad(seed uint64, residents, n int) map[int]int {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bad := map[int]int{}
	for len(bad) < n {
		row := 2 + rng.IntN(residents)
		if _, ok := bad[row]; !ok {
			bad[row] = len(bad) % len(badKinds)
		}
	}
	return bad
}
