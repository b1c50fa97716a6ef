package format

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// contextLines is how many unchanged lines a hunk shows around a change,
// as in diff -u.
const contextLines = 3

// edit is one line of an edit script: kept (' '), deleted ('-') or inserted
// ('+'). a and b are the line's indexes in the old and new texts.
type edit struct {
	op   byte
	a, b int
}

// UnifiedDiff returns the differences between old and new as a unified
// diff (diff -u) with the given file labels, or "" when they are equal.
func UnifiedDiff(oldLabel, newLabel string, old, new []byte) string {
	a, b := splitLines(string(old)), splitLines(string(new))
	script := myers(a, b)
	hunks := groupHunks(script)
	if len(hunks) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", oldLabel, newLabel)
	for _, h := range hunks {
		writeHunk(&sb, h, a, b)
	}
	return sb.String()
}

// splitLines splits text after each "\n"; a last line without one is kept
// as it is, so that "no newline at end of file" can be told apart.
func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// myers returns a shortest edit script from a to b: Myers' O(ND)
// algorithm in its linear-space form ("An O(ND) Difference Algorithm and Its
// Variations", 1986, section 4b), which finds the middle snake of the edit
// graph and recurses on both halves, so a large rewrite needs no memory
// beyond O(len(a)+len(b)).
func myers(a, b []string) []edit {
	script := make([]edit, 0, len(a)+len(b))
	diffRange(a, b, 0, 0, &script)
	deletionsFirst(script)
	return script
}

// deletionsFirst orders each run of changes between kept lines as diff -u
// and git print it: the deleted lines, then the inserted ones.
func deletionsFirst(script []edit) {
	for i := 0; i < len(script); {
		if script[i].op == ' ' {
			i++
			continue
		}
		j := i
		for j < len(script) && script[j].op != ' ' {
			j++
		}
		run := script[i:j]
		slices.SortStableFunc(run, func(x, y edit) int {
			return cmp.Compare(opRank(x.op), opRank(y.op))
		})
		// Reordered, a deletion sits where the new text has not moved yet,
		// and an insertion after all of the run's old lines.
		aStart, bStart, dels := run[0].a, run[0].b, 0
		for _, e := range run {
			aStart, bStart = min(aStart, e.a), min(bStart, e.b)
			if e.op == '-' {
				dels++
			}
		}
		for k := range run {
			if run[k].op == '-' {
				run[k].b = bStart
			} else {
				run[k].a = aStart + dels
			}
		}
		i = j
	}
}

func opRank(op byte) int {
	if op == '-' {
		return 0
	}
	return 1
}

// diffRange appends the script for a and b, which start at lines aOff and
// bOff of the whole texts.
func diffRange(a, b []string, aOff, bOff int, out *[]edit) {
	// Common prefix and suffix need no search.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		*out = append(*out, edit{' ', aOff + pre, bOff + pre})
		pre++
	}
	a, b, aOff, bOff = a[pre:], b[pre:], aOff+pre, bOff+pre
	suf := 0
	for suf < len(a) && suf < len(b) && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	a, b = a[:len(a)-suf], b[:len(b)-suf]

	switch {
	case len(a) == 0:
		for j := range b {
			*out = append(*out, edit{'+', aOff, bOff + j})
		}
	case len(b) == 0:
		for i := range a {
			*out = append(*out, edit{'-', aOff + i, bOff})
		}
	default:
		x, y := middleSnake(a, b)
		if (x == 0 && y == 0) || (x == len(a) && y == len(b)) {
			// A split that does not shrink the problem would recurse
			// forever; replacing every line is still a correct script.
			x, y = len(a), 0
		}
		diffRange(a[:x], b[:y], aOff, bOff, out)
		diffRange(a[x:], b[y:], aOff+x, bOff+y, out)
	}
	for i := 0; i < suf; i++ {
		*out = append(*out, edit{' ', aOff + len(a) + i, bOff + len(b) + i})
	}
}

// middleSnake searches from both ends of the edit graph of a and b (both
// non-empty, with no common first or last line) until the two searches
// overlap, and returns where the shortest path crosses between them.
func middleSnake(a, b []string) (x, y int) {
	n, m := len(a), len(b)
	maxD := (n + m + 1) / 2
	off := maxD
	vf := make([]int, 2*maxD+1) // furthest x on each diagonal, forward
	vb := make([]int, 2*maxD+1) // furthest x from the end, backward
	for i := range vf {
		vf[i], vb[i] = -1, -1
	}
	vf[off+1], vb[off+1] = 0, 0
	delta := n - m
	odd := delta%2 != 0
	// Diagonals that ran off the graph are not searched again.
	fLo, fHi, bLo, bHi := 0, 0, 0, 0
	for d := 0; d < maxD; d++ {
		for k := -d + fLo; k <= d-fHi; k += 2 {
			var x int
			if k == -d || (k != d && vf[off+k-1] < vf[off+k+1]) {
				x = vf[off+k+1]
			} else {
				x = vf[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			vf[off+k] = x
			switch {
			case x > n:
				fHi += 2
			case y > m:
				fLo += 2
			case odd:
				if kb := off + delta - k; kb >= 0 && kb < len(vb) && vb[kb] != -1 && x >= n-vb[kb] {
					return x, y
				}
			}
		}
		for k := -d + bLo; k <= d-bHi; k += 2 {
			var x int
			if k == -d || (k != d && vb[off+k-1] < vb[off+k+1]) {
				x = vb[off+k+1]
			} else {
				x = vb[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[n-x-1] == b[m-y-1] {
				x, y = x+1, y+1
			}
			vb[off+k] = x
			switch {
			case x > n:
				bHi += 2
			case y > m:
				bLo += 2
			case !odd:
				if kf := off + delta - k; kf >= 0 && kf < len(vf) && vf[kf] != -1 {
					fx := vf[kf]
					fy := off + fx - kf
					if fx >= n-x {
						return fx, fy
					}
				}
			}
		}
	}
	// Unreachable for non-empty inputs; splitting anywhere stays correct.
	return n, 0
}

// groupHunks cuts an edit script into hunks: runs of changes with up to
// contextLines kept lines around them, merged when their contexts touch.
func groupHunks(script []edit) [][]edit {
	var hunks [][]edit
	start, end := -1, -1 // the current hunk is script[start:end]
	for i, e := range script {
		if e.op == ' ' {
			continue
		}
		lo := max(i-contextLines, 0)
		if start >= 0 && lo <= end {
			end = min(i+1+contextLines, len(script))
			continue
		}
		if start >= 0 {
			hunks = append(hunks, script[start:end])
		}
		start, end = lo, min(i+1+contextLines, len(script))
	}
	if start >= 0 {
		hunks = append(hunks, script[start:end])
	}
	return hunks
}

func writeHunk(sb *strings.Builder, h []edit, a, b []string) {
	aStart, bStart := h[0].a, h[0].b
	var aCount, bCount int
	for _, e := range h {
		switch e.op {
		case ' ':
			aCount++
			bCount++
		case '-':
			aCount++
		case '+':
			bCount++
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(aStart, aCount), hunkRange(bStart, bCount))
	for _, e := range h {
		line := ""
		switch e.op {
		case ' ', '-':
			line = a[e.a]
		case '+':
			line = b[e.b]
		}
		sb.WriteByte(e.op)
		sb.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			sb.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange writes a hunk's line range as diff -u does: 1-based start,
// ",count" unless the count is 1, and the line before for an empty range.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}
