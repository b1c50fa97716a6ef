package views

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// table is the writer of the human tables: columns two spaces apart.
func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// listTable renders the table of a list command: header, then the line
// of each row (cells separated by tabs; a row may take more than one
// line), or the sentence empty when there are no rows.
func listTable[T any](w io.Writer, rows []T, empty, header string, line func(T) string) {
	if len(rows) == 0 {
		fmt.Fprintln(w, empty)
		return
	}
	tw := table(w)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, line(r))
	}
	tw.Flush()
}
