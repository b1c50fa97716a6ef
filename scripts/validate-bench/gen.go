// Command gen writes the transactions CSV of the validation benchmarks:
//
//	go run ./scripts/validate-bench -mb 300 -o /tmp/tx.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mltf/mltf/providers/data/datagen"
)

func main() {
	mb := flag.Int64("mb", 300, "size of the file in MB (10^6 bytes)")
	rows := flag.Int64("rows", 0, "exactly this many rows instead of -mb")
	out := flag.String("o", "transactions.csv", "output file")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, size, err := datagen.WriteCSV(f, *mb*1e6, *rows)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d rows, %d bytes\n", *out, n, size)
}
