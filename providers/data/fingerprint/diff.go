package fingerprint

import (
	"fmt"
	"strings"
)

// Change is what differs between two listings of a dataset.
type Change struct {
	Added, Removed, Changed, Unchanged int
	// AddedBytes counts added objects; ChangedBytes the new sizes of changed
	// ones; RemovedBytes the sizes of removed ones.
	AddedBytes, ChangedBytes, RemovedBytes int64
	// Bytes and Objects describe the new listing.
	Bytes   int64
	Objects int
}

// Diff compares an old listing (nil when there was none) with a new one.
func Diff(old, cur *Listing) Change {
	c := Change{Bytes: cur.Bytes, Objects: len(cur.Objects)}
	var prev []Object
	if old != nil {
		prev = old.Objects
	}
	i, j := 0, 0
	for i < len(prev) || j < len(cur.Objects) {
		switch {
		case j == len(cur.Objects) || (i < len(prev) && prev[i].Key < cur.Objects[j].Key):
			c.Removed++
			c.RemovedBytes += prev[i].Size
			i++
		case i == len(prev) || cur.Objects[j].Key < prev[i].Key:
			c.Added++
			c.AddedBytes += cur.Objects[j].Size
			j++
		default:
			if prev[i].Token != cur.Objects[j].Token || prev[i].Size != cur.Objects[j].Size {
				c.Changed++
				c.ChangedBytes += cur.Objects[j].Size
			} else {
				c.Unchanged++
			}
			i++
			j++
		}
	}
	return c
}

// String says what changed in the user's words:
// "3 objects added, 1 changed, 2 removed (+2.1 GB); 120 objects, 14.2 GB".
func (c Change) String() string {
	var parts []string
	if c.Added > 0 {
		parts = append(parts, fmt.Sprintf("%s added", plural(c.Added, "object")))
	}
	if c.Changed > 0 {
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%s changed", plural(c.Changed, "object")))
		} else {
			parts = append(parts, fmt.Sprintf("%d changed", c.Changed))
		}
	}
	if c.Removed > 0 {
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%s removed", plural(c.Removed, "object")))
		} else {
			parts = append(parts, fmt.Sprintf("%d removed", c.Removed))
		}
	}
	total := fmt.Sprintf("%s, %s", plural(c.Objects, "object"), Bytes(c.Bytes))
	if len(parts) == 0 {
		return "no objects changed; " + total
	}
	s := strings.Join(parts, ", ")
	if d := c.AddedBytes - c.RemovedBytes; d != 0 && (c.Added > 0 || c.Removed > 0) {
		sign := "+"
		if d < 0 {
			sign, d = "-", -d
		}
		s += fmt.Sprintf(" (%s%s)", sign, Bytes(d))
	}
	return s + "; " + total
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Bytes formats a size in decimal units: "950 B", "12.3 kB", "2.1 GB".
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
