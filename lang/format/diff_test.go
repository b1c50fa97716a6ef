package format

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUnifiedDiff(t *testing.T) {
	cases := []struct {
		name     string
		old, new string
		want     string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{name: "both empty", old: "", new: "", want: ""},
		{name: "one line changed", old: "a\nb\nc\n", new: "a\nB\nc\n", want: `--- old
+++ new
@@ -1,3 +1,3 @@
 a
-b
+B
 c
`},
		{name: "interleaved changes at the start", old: "x\ny\nz\n", new: "X\nY\nz\n", want: `--- old
+++ new
@@ -1,3 +1,3 @@
-x
-y
+X
+Y
 z
`},
		{name: "whole file replaced", old: "a\nb\n", new: "c\n", want: `--- old
+++ new
@@ -1,2 +1 @@
-a
-b
+c
`},
		{name: "from empty", old: "", new: "a\n", want: `--- old
+++ new
@@ -0,0 +1 @@
+a
`},
		{name: "to empty", old: "a\nb\n", new: "", want: `--- old
+++ new
@@ -1,2 +0,0 @@
-a
-b
`},
		{name: "newline added at end", old: "a\nb", new: "a\nb\n", want: `--- old
+++ new
@@ -1,2 +1,2 @@
 a
-b
\ No newline at end of file
+b
`},
		{name: "two hunks", old: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", new: "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n", want: `--- old
+++ new
@@ -1,3 +1,4 @@
+0
 1
 2
 3
@@ -10,3 +11,4 @@
 10
 11
 12
+13
`},
		{name: "changes six lines apart share a hunk", old: "x\n1\n2\n3\n4\n5\n6\ny\n", new: "X\n1\n2\n3\n4\n5\n6\nY\n", want: `--- old
+++ new
@@ -1,8 +1,8 @@
-x
+X
 1
 2
 3
 4
 5
 6
-y
+Y
`},
		{name: "changes seven lines apart split", old: "x\n1\n2\n3\n4\n5\n6\n7\ny\n", new: "X\n1\n2\n3\n4\n5\n6\n7\nY\n", want: `--- old
+++ new
@@ -1,4 +1,4 @@
-x
+X
 1
 2
 3
@@ -6,4 +6,4 @@
 5
 6
 7
-y
+Y
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := UnifiedDiff("old", "new", []byte(tc.old), []byte(tc.new))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("UnifiedDiff (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMyersIsShortest checks on random texts that the edit script turns a
// into b and is as short as the longest common subsequence allows.
func TestMyersIsShortest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		a, b := randomLines(r), randomLines(r)
		script := myers(a, b)
		if err := checkScript(a, b, script); err != nil {
			t.Fatalf("case %d: %q -> %q: %v", i, a, b, err)
		}
		if err := checkHunkStarts(script); err != nil {
			t.Fatalf("case %d: %q -> %q: %v", i, a, b, err)
		}
		changes := 0
		for _, e := range script {
			if e.op != ' ' {
				changes++
			}
		}
		if want := len(a) + len(b) - 2*lcs(a, b); changes != want {
			t.Fatalf("case %d: %q -> %q: %d changes, the shortest has %d", i, a, b, changes, want)
		}
	}
}

// TestUnifiedDiffApplies patches the old text with the printed diff and
// checks that it gives the new text.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		a, b := randomLines(r), randomLines(r)
		if r.IntN(3) == 0 && len(a) > 0 {
			a[len(a)-1] = strings.TrimSuffix(a[len(a)-1], "\n")
		}
		old, new := strings.Join(a, ""), strings.Join(b, "")
		d := UnifiedDiff("old", "new", []byte(old), []byte(new))
		got, err := patch(old, d)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, d)
		}
		if got != new {
			t.Fatalf("case %d: patched %q with\n%s\ngot %q, want %q", i, old, d, got, new)
		}
	}
}

func randomLines(r *rand.Rand) []string {
	lines := make([]string, r.IntN(30))
	for i := range lines {
		lines[i] = strconv.Itoa(r.IntN(5)) + "\n"
	}
	return lines
}

// checkScript checks that script walks a and b in order, every line once,
// and keeps only lines that are equal in both.
func checkScript(a, b []string, script []edit) error {
	ai, bi := 0, 0
	for _, e := range script {
		switch e.op {
		case ' ':
			if e.a != ai || e.b != bi || a[ai] != b[bi] {
				return fmt.Errorf("keeps a[%d]=%q as b[%d]=%q, expected a[%d] b[%d]", e.a, a[e.a], e.b, b[e.b], ai, bi)
			}
			ai, bi = ai+1, bi+1
		case '-':
			if e.a != ai {
				return fmt.Errorf("deletes a[%d], expected a[%d]", e.a, ai)
			}
			ai++
		case '+':
			if e.b != bi {
				return fmt.Errorf("inserts b[%d], expected b[%d]", e.b, bi)
			}
			bi++
		}
	}
	if ai != len(a) || bi != len(b) {
		return fmt.Errorf("ends at a[%d] b[%d] of %d and %d lines", ai, bi, len(a), len(b))
	}
	return nil
}

// checkHunkStarts checks that every edit carries the old and new line
// numbers at its place in the script, which hunk headers are made from.
func checkHunkStarts(script []edit) error {
	ai, bi := 0, 0
	for k, e := range script {
		if e.a != ai || e.b != bi {
			return fmt.Errorf("edit %d (%c) says a=%d b=%d, it is at a=%d b=%d", k, e.op, e.a, e.b, ai, bi)
		}
		if e.op != '+' {
			ai++
		}
		if e.op != '-' {
			bi++
		}
	}
	return nil
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

// patch applies a unified diff to old, checking every context and deleted
// line, as patch(1) would without fuzz.
func patch(old, diff string) (string, error) {
	if diff == "" {
		return old, nil
	}
	a := splitLines(old)
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no --- and +++ header")
	}
	var out []string
	ai := 0
	for i := 2; i < len(lines) && lines[i] != ""; i++ {
		l := lines[i]
		if strings.HasPrefix(l, "@@ ") {
			var start int
			if _, err := fmt.Sscanf(l, "@@ -%d", &start); err != nil {
				return "", fmt.Errorf("bad hunk header %q", l)
			}
			// A hunk's old range starts at line start (1-based), or after
			// line start when it is empty.
			if !strings.Contains(l, fmt.Sprintf("-%d,0 ", start)) {
				start--
			}
			for ai < start {
				out = append(out, a[ai])
				ai++
			}
			continue
		}
		text := l[1:]
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `\ No newline`) {
			text = strings.TrimSuffix(text, "\n")
			i++
		}
		switch l[0] {
		case ' ', '-':
			if ai >= len(a) || a[ai] != text {
				return "", fmt.Errorf("line %d: diff says %q, old text has %q", ai+1, text, a[min(ai, len(a)-1)])
			}
			if l[0] == ' ' {
				out = append(out, text)
			}
			ai++
		case '+':
			out = append(out, text)
		default:
			return "", fmt.Errorf("bad diff line %q", l)
		}
	}
	out = append(out, a[ai:]...)
	return strings.Join(out, ""), nil
}

// TestUnifiedDiffWithPatchTool applies printed diffs with patch(1), the
// tool a reviewer would use, where it is installed.
func TestUnifiedDiffWithPatchTool(t *testing.T) {
	tool, err := exec.LookPath("patch")
	if err != nil {
		t.Skip("patch is not installed")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 40 {
		a, b := randomLines(r), randomLines(r)
		old, new := strings.Join(a, ""), strings.Join(b, "")
		d := UnifiedDiff("old", "new", []byte(old), []byte(new))
		if d == "" {
			continue
		}
		oldPath, outPath := filepath.Join(dir, "old"), filepath.Join(dir, "out")
		if err := os.WriteFile(oldPath, []byte(old), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tool, "--quiet", "--force", "-o", outPath, oldPath)
		cmd.Stdin = strings.NewReader(d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("case %d: patch: %v\n%s\ndiff:\n%s", i, err, out, d)
		}
		got, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != new {
			t.Fatalf("case %d: patch gave %q, want %q\ndiff:\n%s", i, got, new, d)
		}
	}
}
