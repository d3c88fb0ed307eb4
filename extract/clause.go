package extract

import (
	"strings"
	"unicode"
)

// This file cuts a paragraph into sentences and clauses. Commas inside
// quotation marks (“双随机，一公开”) or brackets do not cut, nor do the comma
// of 1,500 or the colon of 55：45.

// para is a paragraph as runes, with what is quoted and what is bracketed.
type para struct {
	r      []rune
	quoted []bool // inside “”, 《》, 「」 and the like (the marks included)
	depth  []int  // bracket depth: （） () 【】 []
}

// span is a half-open rune range [s, e) of a para.
type span struct{ s, e int }

// quotePairs maps each opening quotation mark to its closing one.
var quotePairs = map[rune]rune{'“': '”', '‘': '’', '《': '》', '「': '」', '『': '』', '〈': '〉', '"': '"'}

// bracketPairs maps each opening bracket to its closing one.
var bracketPairs = map[rune]rune{'（': '）', '(': ')', '【': '】', '[': ']'}

// maxQuote bounds how far a quotation is looked for, so a stray mark in a
// huge paragraph costs little.
const maxQuote = 300

// newPara marks the quotations and brackets of s. A mark without its partner
// before the sentence ends is taken as plain text.
func newPara(s string) *para {
	p := &para{r: []rune(s)}
	n := len(p.r)
	p.quoted = make([]bool, n)
	p.depth = make([]int, n)
	for i := 0; i < n; i++ {
		closer, ok := quotePairs[p.r[i]]
		if !ok || p.quoted[i] {
			continue
		}
		for j := i + 1; j < n && j-i <= maxQuote; j++ {
			if p.r[j] == closer {
				for k := i; k <= j; k++ {
					p.quoted[k] = true
				}
				i = j
				break
			}
			if p.r[j] == '\n' || p.r[j] == '。' {
				break
			}
		}
	}
	var stack []rune
	for i, r := range p.r {
		if p.quoted[i] {
			p.depth[i] = len(stack)
			continue
		}
		if c, ok := bracketPairs[r]; ok {
			stack = append(stack, c)
			p.depth[i] = len(stack)
			continue
		}
		if len(stack) > 0 && r == stack[len(stack)-1] {
			p.depth[i] = len(stack)
			stack = stack[:len(stack)-1]
			continue
		}
		if r == '\n' || r == '。' {
			stack = stack[:0] // an unclosed bracket ends with its sentence
		}
		p.depth[i] = len(stack)
	}
	return p
}

// text returns the runes of sp as a string.
func (p *para) text(sp span) string { return string(p.r[sp.s:sp.e]) }

// free reports whether the rune at i is outside quotation marks and brackets.
func (p *para) free(i int) bool { return !p.quoted[i] && p.depth[i] == 0 }

// trim narrows sp past spaces and stray punctuation at both ends.
func (p *para) trim(sp span) span {
	for sp.s < sp.e && trimmable(p.r[sp.s]) {
		sp.s++
	}
	for sp.e > sp.s && trimmable(p.r[sp.e-1]) {
		sp.e--
	}
	return sp
}

// trimmable reports whether r is a space or punctuation that never starts
// or ends a clause.
func trimmable(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("，,、；;。：:.！!？?…\u3000", r)
}

// sentenceEnd reports whether r ends a sentence.
func sentenceEnd(r rune) bool { return strings.ContainsRune("。！？；;!?\n", r) }

// sentences cuts sp into sentences at 。！？；, ignoring marks inside
// quotations and brackets.
func (p *para) sentences(sp span) []span {
	var out []span
	start := sp.s
	for i := sp.s; i < sp.e; i++ {
		if sentenceEnd(p.r[i]) && p.free(i) {
			if t := p.trim(span{start, i}); t.e > t.s {
				out = append(out, t)
			}
			start = i + 1
		}
	}
	if t := p.trim(span{start, sp.e}); t.e > t.s {
		out = append(out, t)
	}
	return out
}

// clauses cuts a sentence into clauses at commas and colons, except inside
// quotations or brackets and between digits (1,500; 55：45).
func (p *para) clauses(sp span) []span {
	var out []span
	start := sp.s
	for i := sp.s; i < sp.e; i++ {
		r := p.r[i]
		if !strings.ContainsRune("，,：:", r) || !p.free(i) {
			continue
		}
		if i > sp.s && i+1 < sp.e && isDigit(p.r[i-1]) && isDigit(p.r[i+1]) {
			continue
		}
		if t := p.trim(span{start, i}); t.e > t.s {
			out = append(out, t)
		}
		start = i + 1
	}
	if t := p.trim(span{start, sp.e}); t.e > t.s {
		out = append(out, t)
	}
	return out
}

// hasPrefixAt reports whether the runes of p from i start with s.
func (p *para) hasPrefixAt(i int, s string) bool {
	for _, r := range s {
		if i >= len(p.r) || p.r[i] != r {
			return false
		}
		i++
	}
	return true
}

// prefixAt returns the longest of ws that the runes of p start with at i,
// not reaching past limit, or "".
func (p *para) prefixAt(i, limit int, ws *words) string {
	if i < 0 || i >= limit || i >= len(p.r) || !ws.first[p.r[i]] {
		return ""
	}
	for k, rs := range ws.runes {
		if i+len(rs) > limit || i+len(rs) > len(p.r) {
			continue
		}
		match := true
		for j, r := range rs {
			if p.r[i+j] != r {
				match = false
				break
			}
		}
		if match {
			return ws.list[k]
		}
	}
	return ""
}

// tail returns at most the last n runes of [s, e), trimmed of spaces: the
// words just before a number, without copying a long clause.
func (p *para) tail(s, e, n int) string {
	if e-s > n {
		s = e - n
	}
	return strings.TrimSpace(string(p.r[s:e]))
}
