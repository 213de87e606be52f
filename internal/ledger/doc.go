// Package ledger reads and writes Excel ledgers (台账) of buildings,
// households and residents.
//
// A ledger is one .xlsx workbook with up to three data sheets — 楼栋
// (buildings), 房屋 (households) and 居民 (residents) — each with a header
// row of column titles in Chinese or English, plus an optional 说明
// (instructions) sheet that import ignores. Users write the Chinese labels of
// enumerated values (楼栋/院落, 自住/出租/…, 男/女, 户主/配偶/…, tags such as
// 独居老人、低保); the English codes are accepted too.
//
// Import runs in two passes: the first streams every row with excelize's
// row iterator and checks the cells' form (required cells, numbers, labels,
// duplicates within the file); the second hands the good rows, chunk by
// chunk while the first reads on, to the territory and people services in
// one transaction, and they check the domain rules (codes, ID checksums,
// phones, permissions) row by row. Every bad row is reported with its sheet, row,
// column and a bilingual reason. By default a file with any bad row writes
// nothing; ImportOptions.GoodRowsOnly commits the good rows and still
// reports the bad ones.
//
// Export streams the same columns out, so an exported file re-imports
// unchanged into an empty database; personal data are masked unless the
// caller asks to reveal them (the people service audits that).
package ledger
