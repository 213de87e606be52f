package ledger

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteTemplate writes an empty ledger workbook in lang ("en" or Chinese):
// the 楼栋, 房屋 and 居民 sheets with their column titles, widths, text
// format on code columns, a note on each title saying what goes in the
// column with an example, drop-downs on the enumerated columns, and a 说明
// sheet with the rules and an example row per sheet.
func WriteTemplate(w io.Writer, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, key := range allSheets {
		spec := specs[key]
		name := spec.title(lang)
		if err := addSheet(f, i == 0, name); err != nil {
			return fmt.Errorf("ledger: template sheet %s: %w", name, err)
		}
		if err := writeTemplateSheet(f, name, spec, lang, st); err != nil {
			return fmt.Errorf("ledger: template sheet %s: %w", name, err)
		}
	}
	if err := writeHelpSheet(f, lang, st); err != nil {
		return fmt.Errorf("ledger: template instructions: %w", err)
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("ledger: write template: %w", err)
	}
	return nil
}

func writeTemplateSheet(f *excelize.File, name string, spec *sheetSpec, lang string, st *bookStyles) error {
	for j, c := range spec.Columns {
		col, _ := excelize.ColumnNumberToName(j + 1)
		if err := f.SetColWidth(name, col, col, c.Width); err != nil {
			return err
		}
		if textColumn(c) {
			if err := f.SetColStyle(name, col, st.text); err != nil {
				return err
			}
		}
		cell := col + "1"
		if err := f.SetCellValue(name, cell, c.Title.In(lang)); err != nil {
			return err
		}
		style := st.header
		if c.Required {
			style = st.required
		}
		if err := f.SetCellStyle(name, cell, cell, style); err != nil {
			return err
		}
		if err := f.AddComment(name, excelize.Comment{Author: "Gridwork", Cell: cell, Text: columnNote(c, lang), Width: 260, Height: 90}); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(name, 1, 22); err != nil {
		return err
	}
	if err := addDropDowns(f, name, spec, lang); err != nil {
		return err
	}
	return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// columnNote is the note on a column title: requirement, format, example.
func columnNote(c column, lang string) string {
	if lang == "en" {
		req := "Optional. "
		if c.Required {
			req = "Required. "
		}
		return req + c.Help.EN + ".\nExample: " + c.Example.EN
	}
	req := "选填。"
	if c.Required {
		req = "必填。"
	}
	return req + c.Help.ZH + "。\n示例：" + c.Example.ZH
}

// helpText is the general part of the instructions sheet.
var helpText = map[string][]string{
	"zh": {
		"1. 一个工作簿可以包含“楼栋”“房屋”“居民”三个工作表中的任意几个；本“说明”表导入时会被忽略。",
		"2. 表头（列名）请勿修改；列的顺序可以调整，无法识别的列会被忽略。英文模板的表名和列名同样可用。红色列名为必填列。",
		"3. 从表头下一行起，每行一条记录；空行会被跳过。表头上方可以有标题行。",
		"4. 导入顺序为 楼栋 → 房屋 → 居民：房屋所在的楼栋须已在系统中或在本文件的楼栋表中；居民所在的房屋同理。",
		"5. 带下拉框的列请从列表中选择（也可填写英文代码）；“标签”可填多个，用“、”或逗号分隔。",
		"6. 网格编码、身份证号、电话、单元、房号列为文本格式，请勿改为数字，否则 Excel 会把长数字改成科学计数法而丢失数字。",
		"7. 默认情况下，只要有一行出错，整个文件都不会写入；系统会逐行列出出错的表、行、列和原因，并可下载带“错误原因”列的错误文件，改正后重新上传。选择“只导入正确的行”时，正确的行会写入，出错的行仍全部列出。",
		"8. 导出文件中被脱敏的身份证号、电话（含*）不能再导入；需要再导入时，请导出完整信息。",
	},
	"en": {
		"1. A workbook may hold any of the three sheets Buildings, Households and Residents; this Instructions sheet is ignored on import.",
		"2. Do not change the column titles; columns may be reordered and unknown columns are ignored. The Chinese template's sheet and column names work too. Titles in red are required.",
		"3. One record per row below the title row; blank rows are skipped. Title lines above the column titles are allowed.",
		"4. Rows are imported buildings → households → residents: a household's building must exist already or be in the Buildings sheet, and likewise a resident's household.",
		"5. Pick values of drop-down columns from the list (the Chinese labels are accepted too); Tags may hold several values separated by commas.",
		"6. Grid code, ID number, phone, unit and room columns are formatted as text; keep them so, or Excel turns long numbers into scientific notation and loses digits.",
		"7. By default, if any row is bad nothing in the file is written; every bad sheet, row, column and reason is listed, and an error workbook with an Errors column can be downloaded, fixed and uploaded again. With \"good rows only\" the good rows are written and the bad ones still listed.",
		"8. Masked ID numbers and phones (with *) of an export cannot be imported again; export with personal data revealed to re-import.",
	},
}

// writeHelpSheet writes the instructions sheet: the rules, then per data
// sheet a table of its columns and an example row.
func writeHelpSheet(f *excelize.File, lang string, st *bookStyles) error {
	name := titleHelp.In(lang)
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	l := "zh"
	if lang == "en" {
		l = "en"
	}
	tr := func(zh, en string) string {
		if l == "en" {
			return en
		}
		return zh
	}
	for col, w := range map[string]float64{"A": 18, "B": 10, "C": 60, "D": 24} {
		if err := f.SetColWidth(name, col, col, w); err != nil {
			return err
		}
	}
	row := 1
	set := func(cell string, v any, style int) error {
		if err := f.SetCellValue(name, cell, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(name, cell, cell, style)
		}
		return nil
	}
	if err := set("A1", tr("网格台账导入说明", "How to fill in the ledger"), st.title); err != nil {
		return err
	}
	row = 2
	for _, line := range helpText[l] {
		cell := fmt.Sprintf("A%d", row)
		if err := set(cell, line, st.wrap); err != nil {
			return err
		}
		if err := f.MergeCell(name, cell, fmt.Sprintf("D%d", row)); err != nil {
			return err
		}
		if err := f.SetRowHeight(name, row, 32); err != nil {
			return err
		}
		row++
	}
	for _, key := range allSheets {
		spec := specs[key]
		row++
		if err := set(fmt.Sprintf("A%d", row), fmt.Sprintf(tr("工作表“%s”", "Sheet %q"), spec.title(lang)), st.title); err != nil {
			return err
		}
		row++
		for i, h := range []string{tr("列名", "Column"), tr("必填", "Required"), tr("填写要求", "What to enter"), tr("示例", "Example")} {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			if err := set(cell, h, st.header); err != nil {
				return err
			}
		}
		for _, c := range spec.Columns {
			row++
			req := ""
			if c.Required {
				req = tr("是", "yes")
			}
			for i, v := range []string{c.Title.In(lang), req, c.Help.In(lang), c.Example.In(lang)} {
				cell, _ := excelize.CoordinatesToCellName(i+1, row)
				if err := set(cell, v, st.wrap); err != nil {
					return err
				}
			}
		}
		// The example row, laid out as in the data sheet so it can be copied.
		row++
		if err := set(fmt.Sprintf("A%d", row), tr("示例行（可整行复制到数据表）：", "Example row (copy it to the data sheet):"), 0); err != nil {
			return err
		}
		titles, examples := make([]any, len(spec.Columns)), make([]any, len(spec.Columns))
		for j, c := range spec.Columns {
			titles[j], examples[j] = c.Title.In(lang), c.Example.In(lang)
		}
		row++
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", row), &titles); err != nil {
			return err
		}
		row++
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", row), &examples); err != nil {
			return err
		}
		row++
	}
	return nil
}
