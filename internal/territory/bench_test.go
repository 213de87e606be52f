package territory_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/paulmach/orb"
)

// syntheticGrids tiles a rectangle of cols×rows cells (about 100 m each
// near Beijing) with irregular hexagons: the lattice vertices are jittered,
// and each cell's top and bottom edges carry a jittered midpoint shared
// with the neighbour, so the cells tile exactly with no gaps or overlaps.
func syntheticGrids(cols, rows int) ([]territory.IndexItem, orb.Bound) {
	const lon0, lat0, size = 116.0, 39.5, 0.001
	rng := rand.New(rand.NewPCG(1, 2))
	jit := func() float64 { return (rng.Float64() - 0.5) * 0.3 * size }
	v := make([][]orb.Point, cols+1)
	for i := range v {
		v[i] = make([]orb.Point, rows+1)
		for j := range v[i] {
			p := orb.Point{lon0 + float64(i)*size, lat0 + float64(j)*size}
			if i > 0 && i < cols && j > 0 && j < rows {
				p[0] += jit()
				p[1] += jit()
			}
			v[i][j] = p
		}
	}
	// mid[i][j] is the midpoint of the horizontal edge from v[i][j] to v[i+1][j].
	mid := make([][]orb.Point, cols)
	for i := range mid {
		mid[i] = make([]orb.Point, rows+1)
		for j := range mid[i] {
			a, b := v[i][j], v[i+1][j]
			m := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
			if j > 0 && j < rows {
				m[1] += jit() / 2
			}
			mid[i][j] = m
		}
	}
	items := make([]territory.IndexItem, 0, cols*rows)
	for i := 0; i < cols; i++ {
		for j := 0; j < rows; j++ {
			ring := orb.Ring{v[i][j], mid[i][j], v[i+1][j], v[i+1][j+1], mid[i][j+1], v[i][j+1], v[i][j]}
			id := int64(len(items) + 1)
			items = append(items, territory.IndexItem{
				Region:  territory.Region{ID: id, Level: territory.LevelGrid, Kind: territory.KindGrid, Code: fmt.Sprintf("%015d", id), Path: fmt.Sprintf("/%d/", id)},
				Version: id,
				Shape:   orb.MultiPolygon{{ring}},
			})
		}
	}
	return items, orb.Bound{Min: orb.Point{lon0, lat0}, Max: orb.Point{lon0 + float64(cols)*size, lat0 + float64(rows)*size}}
}

// TestSyntheticIndex checks that the benchmark's tiling covers every point
// exactly once and that lookups agree with a brute-force scan.
func TestSyntheticIndex(t *testing.T) {
	items, bound := syntheticGrids(30, 20)
	ix := territory.NewIndex()
	ix.Load(items)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		lon := bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0])
		lat := bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])
		r, ok := ix.GridAt(lon, lat)
		if !ok {
			t.Fatalf("(%v, %v) in no grid", lon, lat)
		}
		want := int64(0)
		for _, it := range items {
			if inside(it.Shape, orb.Point{lon, lat}) {
				want = it.Region.ID
				break
			}
		}
		if r.ID != want {
			t.Fatalf("(%v, %v): index says %d, scan says %d", lon, lat, r.ID, want)
		}
	}
	if _, ok := ix.GridAt(bound.Max[0]+1, bound.Max[1]); ok {
		t.Error("a point outside every grid was found")
	}
}

func inside(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		// Even-odd over the outer ring is enough for these hole-less cells.
		r, in := poly[0], false
		for i, j := 0, len(r)-2; i < len(r)-1; j, i = i, i+1 {
			if (r[i][1] > p[1]) != (r[j][1] > p[1]) && p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
				in = !in
			}
		}
		if in {
			return true
		}
	}
	return false
}

// BenchmarkFindGridAt100k looks up random points among 100,000 grids.
func BenchmarkFindGridAt100k(b *testing.B) {
	items, bound := syntheticGrids(400, 250)
	ix := territory.NewIndex()
	ix.Load(items)
	rng := rand.New(rand.NewPCG(5, 6))
	pts := make([]orb.Point, 1<<16)
	for i := range pts {
		pts[i] = orb.Point{bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])}
	}
	b.ReportAllocs()
	b.ResetTimer()
	missed := 0
	for i := 0; b.Loop(); i++ {
		p := pts[i&(len(pts)-1)]
		if _, ok := ix.GridAt(p[0], p[1]); !ok {
			missed++
		}
	}
	if missed > 0 {
		b.Fatalf("%d points in no grid", missed)
	}
}

// BenchmarkFindGridAt100kParallel is the same lookup from every core while
// the index is shared.
func BenchmarkFindGridAt100kParallel(b *testing.B) {
	items, bound := syntheticGrids(400, 250)
	ix := territory.NewIndex()
	ix.Load(items)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 6))
		for pb.Next() {
			if _, ok := ix.GridAt(bound.Min[0]+rng.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1]+rng.Float64()*(bound.Max[1]-bound.Min[1])); !ok {
				b.Error("point in no grid")
				return
			}
		}
	})
}

// BenchmarkImportHouseholds50k imports 2,500 buildings and 50,000
// households (100 of them bad) into 100 grids in one transaction, then
// rolls back so that every iteration starts alike.
func BenchmarkImportHouseholds50k(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchImport(b, sqldbtest.SQLite(b, sqldbtest.Options{})) })
	b.Run("postgres", func(b *testing.B) { benchImport(b, sqldbtest.Postgres(b, sqldbtest.Options{})) })
}

func benchImport(b *testing.B, db *sqldb.DB) {
	ctx := sys()
	svc := territory.NewService(db)
	county := mustRegionB(b, svc, 0, territory.LevelCounty, "110105", "朝阳区")
	street := mustRegionB(b, svc, county.ID, territory.LevelTownship, "110105001000", "建外街道")
	comm := mustRegionB(b, svc, street.ID, territory.LevelVillage, "110105001001", "建国里社区")
	var buildings []territory.BuildingRow
	var households []territory.HouseholdRow
	for g := 1; g <= 100; g++ {
		code := fmt.Sprintf("110105001001%03d", g)
		mustRegionB(b, svc, comm.ID, territory.LevelGrid, code, fmt.Sprintf("第%d网格", g))
		for bl := 1; bl <= 25; bl++ {
			buildings = append(buildings, territory.BuildingRow{Row: len(buildings) + 2, GridCode: code, Compound: "水韵名都", Name: fmt.Sprintf("%d号楼", bl), Kind: "building", Floors: 6})
			for u := 1; u <= 2; u++ {
				for room := 1; room <= 10; room++ {
					r := territory.HouseholdRow{Row: len(households) + 2, GridCode: code, Compound: "水韵名都", Building: fmt.Sprintf("%d号楼", bl),
						Unit: fmt.Sprintf("%d单元", u), Room: fmt.Sprintf("%d0%d", (room+1)/2, 1+room%2), Kind: "owner", AreaM2: ptr(89.5)}
					if len(households)%500 == 7 {
						r.Kind = "owned" // one bad row in 500
					}
					households = append(households, r)
				}
			}
		}
	}
	done := errors.New("roll back")
	b.ResetTimer()
	for b.Loop() {
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			if _, bad, err := svc.ImportBuildings(ctx, tx, buildings); err != nil || len(bad) != 0 {
				b.Fatalf("buildings: %v %v", bad, err)
			}
			n, bad, err := svc.ImportHouseholds(ctx, tx, households)
			if err != nil || len(bad) != 100 || n != 49900 {
				b.Fatalf("households: created %d, %d bad, %v", n, len(bad), err)
			}
			return done
		})
		if !errors.Is(err, done) {
			b.Fatal(err)
		}
	}
}

func mustRegionB(b *testing.B, svc *territory.Service, parent int64, level territory.Level, code, name string) *territory.Region {
	b.Helper()
	r, err := svc.CreateRegion(sys(), territory.RegionInput{ParentID: parent, Level: level, Code: code, Name: name})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// TestIndexConcurrent has readers look up points while a writer replaces
// boundaries; run with -race.
func TestIndexConcurrent(t *testing.T) {
	items, bound := syntheticGrids(20, 20)
	ix := territory.NewIndex()
	ix.Load(items)
	done := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 9))
			for {
				select {
				case <-done:
					return
				default:
				}
				lon := bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0])
				lat := bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])
				if _, ok := ix.GridAt(lon, lat); !ok {
					t.Errorf("(%v, %v) in no grid while the index changes", lon, lat)
					return
				}
			}
		})
	}
	for round := range 5 {
		for _, it := range items {
			it.Version += int64(round+1) * 1000
			ix.Put(it)
		}
	}
	// An older version never replaces a newer one.
	old := items[0]
	old.Region.Name = "stale"
	ix.Put(old)
	close(done)
	readers.Wait()
	if ix.Len() != len(items) {
		t.Errorf("index holds %d, want %d", ix.Len(), len(items))
	}
	c := items[0].Shape.Bound().Center()
	if r, ok := ix.GridAt(c[0], c[1]); !ok || r.Name == "stale" {
		t.Errorf("stale version won: %+v", r)
	}
}
