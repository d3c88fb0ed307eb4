package bulletin

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteDOCX writes b as a Word document (Office Open XML, .docx) that Word,
// WPS and LibreOffice open: the package is built here from its parts —
// [Content_Types].xml, the package and document relationships, the main
// document, a small style sheet and the core properties — with every text
// escaped by encoding/xml. The layout follows Chinese official documents
// (GB/T 9704) loosely: A4, a centred title, 黑体 section headings, 楷体
// subheadings, body text in 仿宋 with a two-character first-line indent,
// tables in a smaller size whose header row repeats on every page, and the
// issuer and date at the end, right-aligned.
func WriteDOCX(w io.Writer, b *Bulletin) error {
	zw := zip.NewWriter(w)
	// A fixed modification time keeps the same bulletin byte-identical.
	modified := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxPackageRels},
		{"docProps/core.xml", docxCore(b)},
		{"word/_rels/document.xml.rels", docxDocumentRels},
		{"word/styles.xml", docxStyles},
		{"word/document.xml", docxDocument(b)},
	} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return fmt.Errorf("docx %s: %w", part.name, err)
		}
		if _, err := io.WriteString(fw, part.body); err != nil {
			return fmt.Errorf("docx %s: %w", part.name, err)
		}
	}
	return zw.Close()
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const docxContentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`</Types>`

const docxPackageRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`</Relationships>`

const docxDocumentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`</Relationships>`

// Font sizes in half-points, as Chinese documents name them.
const (
	size2 = 44 // 二号: the title
	size3 = 32 // 三号: headings and body
	size5 = 21 // 五号: tables
)

// docxStyles defines the paragraph styles the document uses. East Asian
// fonts are named as Word and WPS know them; a reader without one gets a
// substitute, never an error.
var docxStyles = xmlHeader + `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
	`<w:docDefaults><w:rPrDefault><w:rPr>` +
	`<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋_GB2312" w:cs="Times New Roman"/>` +
	fmt.Sprintf(`<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, size3, size3) +
	`<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="480"/></w:pPr>` +
	fmt.Sprintf(`<w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:b/><w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`, size2, size2) +
	`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="0"/></w:pPr>` +
	`<w:rPr><w:rFonts w:eastAsia="黑体"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="1"/></w:pPr>` +
	`<w:rPr><w:rFonts w:eastAsia="楷体_GB2312"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="2"/></w:pPr>` +
	`<w:rPr><w:b/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="BodyText"><w:name w:val="Body Text"/><w:basedOn w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:spacing w:line="240" w:lineRule="auto"/></w:pPr>` +
	fmt.Sprintf(`<w:rPr><w:rFonts w:eastAsia="宋体"/><w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`, size5, size5) +
	`<w:style w:type="paragraph" w:styleId="Signature"><w:name w:val="Signature"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:jc w:val="right"/></w:pPr></w:style>` +
	`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>` +
	`<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>` +
	`<w:bottom w:w="0" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`</w:styles>`

// docxCore is the core properties part: the title and the issuer.
func docxCore(b *Bulletin) string {
	return xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
		` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + esc(b.Title) + `</dc:title><dc:creator>` + esc(b.Issuer) + `</dc:creator>` +
		`<dc:language>zh-CN</dc:language></cp:coreProperties>`
}

// A4 in twentieths of a point, with the margins of GB/T 9704 rounded.
const (
	pageW, pageH       = 11906, 16838
	marginTop          = 2098
	marginBottom       = 1984
	marginLeft         = 1588
	marginRight        = 1474
	textWidth          = pageW - marginLeft - marginRight
	tableGridMinColumn = 500
)

// docxDocument is the main document part.
func docxDocument(b *Bulletin) string {
	var d strings.Builder
	d.WriteString(xmlHeader)
	d.WriteString(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	para(&d, "Title", b.Title)
	para(&d, "BodyText", b.Intro)
	for _, s := range b.Sections {
		para(&d, "Heading1", s.Heading)
		for _, bl := range s.Blocks {
			switch {
			case bl.Heading != "" && bl.Level <= 2:
				para(&d, "Heading2", bl.Heading)
			case bl.Heading != "":
				para(&d, "Heading3", bl.Heading)
			case bl.Text != "":
				para(&d, "BodyText", bl.Text)
			case bl.Table != nil:
				table(&d, bl.Table)
			}
		}
	}
	d.WriteString(`<w:p/>`)
	para(&d, "Signature", b.Issuer)
	para(&d, "Signature", b.Date)
	fmt.Fprintf(&d, `<w:sectPr><w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`,
		pageW, pageH, marginTop, marginRight, marginBottom, marginLeft)
	d.WriteString(`</w:body></w:document>`)
	return d.String()
}

// para writes a paragraph of style with text; nothing for empty text.
func para(d *strings.Builder, style, text string) {
	if text == "" {
		return
	}
	fmt.Fprintf(d, `<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>`, style)
	run(d, text, false)
	d.WriteString(`</w:p>`)
}

// run writes a run of text, bold when asked; line breaks become <w:br/>.
func run(d *strings.Builder, text string, bold bool) {
	d.WriteString(`<w:r>`)
	if bold {
		d.WriteString(`<w:rPr><w:b/></w:rPr>`)
	}
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			d.WriteString(`<w:br/>`)
		}
		d.WriteString(`<w:t xml:space="preserve">`)
		d.WriteString(esc(line))
		d.WriteString(`</w:t>`)
	}
	d.WriteString(`</w:r>`)
}

// table writes t across the text width, columns sized by their content,
// with a bold header row that repeats at the top of every page.
func table(d *strings.Builder, t *Table) {
	widths := columnWidths(t)
	d.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblLayout w:type="fixed"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(d, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	d.WriteString(`</w:tblBorders></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(d, `<w:gridCol w:w="%d"/>`, w)
	}
	d.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		d.WriteString(`<w:tr>`)
		if header {
			d.WriteString(`<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>`)
		} else {
			d.WriteString(`<w:trPr><w:cantSplit/></w:trPr>`)
		}
		for c, w := range widths {
			text := ""
			if c < len(cells) {
				text = cells[c]
			}
			fmt.Fprintf(d, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, w)
			if header {
				d.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>`)
			}
			d.WriteString(`</w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/>`)
			switch {
			case header:
				d.WriteString(`<w:jc w:val="center"/>`)
			case c < len(t.Numeric) && t.Numeric[c]:
				d.WriteString(`<w:jc w:val="right"/>`)
			}
			d.WriteString(`</w:pPr>`)
			if text != "" {
				run(d, text, header)
			}
			d.WriteString(`</w:p></w:tc>`)
		}
		d.WriteString(`</w:tr>`)
	}
	row(t.Header, true)
	for _, r := range t.Rows {
		row(r, false)
	}
	d.WriteString(`</w:tbl>`)
	// Word needs a paragraph between two tables, or merges them.
	d.WriteString(`<w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr></w:p>`)
}

// columnWidths fits t's columns in the text width: each column wants the
// width of its longest cell (at most 60 narrow characters; headers may
// wrap); when they do
// not all fit, the widest are narrowed to a common limit and wrap, so short
// columns (numbers, ids) never break.
func columnWidths(t *Table) []int {
	n := len(t.Header)
	if n == 0 {
		return nil
	}
	const perCell = 125 // twips per narrow character at 五号 (10.5 pt), with room for "%"
	const padding = 180 // cell margins and a little air
	need := make([]int, n)
	total := 0
	for c := range n {
		// A header may wrap after two characters; cells should not.
		w := min(displayWidth(t.Header[c]), 4)
		for _, r := range t.Rows {
			if c < len(r) {
				w = max(w, displayWidth(r[c]))
			}
		}
		need[c] = min(w, 60)*perCell + padding
		total += need[c]
	}
	out := make([]int, n)
	if total <= textWidth {
		// Room to spare: share it in proportion.
		for c := range need {
			out[c] = need[c] * textWidth / total
		}
		return out
	}
	// Water-filling: the largest limit at which the capped columns fit.
	lo, hi := tableGridMinColumn, textWidth
	for lo < hi {
		mid := (lo + hi + 1) / 2
		sum := 0
		for _, w := range need {
			sum += min(w, mid)
		}
		if sum <= textWidth {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for c, w := range need {
		out[c] = min(w, lo)
	}
	return out
}

// esc escapes text for XML character data, replacing characters XML cannot
// hold (control characters, invalid UTF-8) with U+FFFD.
func esc(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
