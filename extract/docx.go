package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gongfu"
)

// This file reads the text of a .docx with the standard library: paragraphs
// (w:p) become lines, runs of text (w:t) their text, tabs and table cells
// tabs, breaks and table rows line ends. Word's automatic list numbers
// (w:numPr), which are not in the text, are rebuilt from numbering.xml so
// that "一、" and "1." headings survive.

// maxXML bounds the uncompressed size of a part read from a .docx, against
// zip bombs: a 20 MB file could otherwise inflate to gigabytes.
const maxXML = 64 << 20

// errTooBig is returned by a limitReader past its limit.
var errTooBig = errors.New("part too large")

// limitReader reads at most n bytes from r and then fails, unlike
// io.LimitReader which would end quietly and hide a truncated part.
type limitReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// openPart opens a part of the zip, bounded by maxXML.
func openPart(f *zip.File) (io.ReadCloser, io.Reader, error) {
	if f.UncompressedSize64 > maxXML {
		return nil, nil, errTooBig
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	return rc, &limitReader{r: rc, n: maxXML}, nil
}

// docxText returns the text of a .docx, one paragraph a line.
func docxText(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", gongfu.Failf(gongfu.EINVALID, "文件不是有效的 .docx（无法按 zip 读取）：%v", err)
	}
	var doc, numbering *zip.File
	for _, f := range zr.File {
		switch f.Name {
		case "word/document.xml":
			doc = f
		case "word/numbering.xml":
			numbering = f
		}
	}
	if doc == nil {
		return "", gongfu.Failf(gongfu.EINVALID, ".docx 中没有 word/document.xml，不是 Word 文档")
	}
	var nums *numberer
	if numbering != nil {
		nums, _ = readNumbering(numbering) // without numbering, headings keep what the text says
	}
	rc, r, err := openPart(doc)
	if err != nil {
		return "", partError(err)
	}
	defer rc.Close()
	text, err := walkDocument(r, nums)
	if err != nil {
		return "", partError(err)
	}
	return text, nil
}

// partError turns a failure to read a part into a user error.
func partError(err error) error {
	if errors.Is(err, errTooBig) {
		return gongfu.Failf(gongfu.ETOOLARGE, ".docx 解压后过大（超过 %d MB）", maxXML>>20)
	}
	return gongfu.Failf(gongfu.EINVALID, "无法读取 .docx 的正文：%v", err)
}

// walkDocument streams document.xml and writes its text. The paragraphs
// of a table cell are joined with spaces, cells with tabs, rows end lines.
func walkDocument(r io.Reader, nums *numberer) (string, error) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	var (
		out, para, cell, row strings.Builder
		inText, inDel        bool
		numID                string
		ilvl                 int
		hasNum               bool
		cellDepth            int
	)
	endPara := func() {
		line := para.String()
		if hasNum && nums != nil {
			line = nums.label(numID, ilvl) + line
		}
		para.Reset()
		hasNum, numID, ilvl = false, "", 0
		if cellDepth > 0 {
			if cell.Len() > 0 && line != "" {
				cell.WriteString(" ")
			}
			cell.WriteString(strings.ReplaceAll(strings.ReplaceAll(line, "\t", " "), "\n", " "))
			return
		}
		out.WriteString(line)
		out.WriteString("\n")
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if out.Len()+para.Len()+cell.Len()+row.Len() > MaxSize {
			return "", errTooBig
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "del", "instrText", "delText":
				inDel = true
			case "tab":
				para.WriteString("\t")
			case "br", "cr":
				para.WriteString("\n")
			case "numPr":
				hasNum = true
			case "numId":
				numID = attr(t, "val")
			case "ilvl":
				ilvl, _ = strconv.Atoi(attr(t, "val"))
			case "tc":
				cellDepth++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "del", "instrText", "delText":
				inDel = false
			case "p":
				endPara()
			case "tc":
				cellDepth--
				if cellDepth == 0 {
					row.WriteString(strings.TrimSpace(cell.String()))
					row.WriteString("\t")
					cell.Reset()
				} else if cellDepth < 0 {
					cellDepth = 0
				}
			case "tr":
				if cellDepth == 0 {
					out.WriteString(strings.TrimRight(row.String(), "\t"))
					out.WriteString("\n")
					row.Reset()
				}
			}
		case xml.CharData:
			if inText && !inDel {
				para.Write(t)
			}
		}
	}
	if para.Len() > 0 {
		endPara()
	}
	return out.String(), nil
}

// attr returns the value of the attribute named local, or "".
func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// level is one level of a Word list: its number format and label text.
type level struct {
	format string // decimal, chineseCounting, …
	text   string // "%1、", "（%1）"
	start  int
}

// numberer rebuilds Word's automatic list labels.
type numberer struct {
	abstract map[string]map[int]level // abstractNumId → ilvl → level
	nums     map[string]string        // numId → abstractNumId
	counters map[string][]int         // abstractNumId → counter per level
}

// readNumbering reads numbering.xml.
func readNumbering(f *zip.File) (*numberer, error) {
	rc, r, err := openPart(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	n := &numberer{abstract: map[string]map[int]level{}, nums: map[string]string{}, counters: map[string][]int{}}
	dec := xml.NewDecoder(r)
	dec.Strict = false
	var absID, numID string
	lvl := -1
	var cur level
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "abstractNum":
				absID = attr(t, "abstractNumId")
				n.abstract[absID] = map[int]level{}
			case "lvl":
				lvl, _ = strconv.Atoi(attr(t, "ilvl"))
				cur = level{start: 1}
			case "start":
				cur.start, _ = strconv.Atoi(attr(t, "val"))
			case "numFmt":
				cur.format = attr(t, "val")
			case "lvlText":
				cur.text = attr(t, "val")
			case "num":
				numID = attr(t, "numId")
			case "abstractNumId":
				if numID != "" {
					n.nums[numID] = attr(t, "val")
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "lvl":
				if absID != "" && lvl >= 0 && lvl < 9 {
					n.abstract[absID][lvl] = cur
				}
				lvl = -1
			case "abstractNum":
				absID = ""
			case "num":
				numID = ""
			}
		}
	}
}

// label returns the label of the next paragraph of list numID at level ilvl
// and advances the count.
func (n *numberer) label(numID string, ilvl int) string {
	abs, ok := n.nums[numID]
	if !ok || ilvl < 0 || ilvl > 8 {
		return ""
	}
	lv, ok := n.abstract[abs][ilvl]
	if !ok || lv.format == "bullet" || lv.format == "none" {
		return ""
	}
	c := n.counters[abs]
	if c == nil {
		c = make([]int, 9)
		n.counters[abs] = c
	}
	if c[ilvl] == 0 {
		c[ilvl] = lv.start
	} else {
		c[ilvl]++
	}
	for i := ilvl + 1; i < 9; i++ {
		c[i] = 0
	}
	out := lv.text
	for i := 0; i <= ilvl; i++ {
		v := c[i]
		if v == 0 {
			v = 1
		}
		out = strings.ReplaceAll(out, "%"+strconv.Itoa(i+1), formatNumber(v, n.abstract[abs][i].format))
	}
	return out
}

// formatNumber writes v as Word's format names it.
func formatNumber(v int, format string) string {
	switch format {
	case "chineseCounting", "chineseCountingThousand", "ideographTraditional", "chineseLegalSimplified", "taiwaneseCounting":
		return chineseNumeral(v)
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		if v >= 1 && v <= 20 {
			return string(rune('①' + v - 1))
		}
	case "decimalFullWidth", "decimalFullWidth2":
		var b strings.Builder
		for _, r := range strconv.Itoa(v) {
			b.WriteRune(r - '0' + '０')
		}
		return b.String()
	}
	return strconv.Itoa(v)
}

// chineseNumeral writes 1–99 as 一 … 九十九.
func chineseNumeral(v int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case v <= 0 || v >= 100:
		return fmt.Sprint(v)
	case v < 10:
		return digits[v]
	case v < 20:
		return "十" + strings.TrimPrefix(digits[v%10], "零")
	default:
		s := digits[v/10] + "十"
		if v%10 != 0 {
			s += digits[v%10]
		}
		return s
	}
}
