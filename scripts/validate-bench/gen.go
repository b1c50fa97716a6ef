// Command gen writes the transactions data of the validation benchmarks,
// as CSV or Parquet:
//
//	go run ./scripts/validate-bench -mb 300 -o /tmp/tx.csv
//	go run ./scripts/validate-bench -rows 6050000 -format parquet -o /tmp/tx.parquet
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
	format := flag.String("format", "csv", "csv, or parquet (which needs -rows)")
	flag.Parse()
	if *format != "csv" && (*format != "parquet" || *rows <= 0) {
		fmt.Fprintln(os.Stderr, "-format is csv, or parquet with -rows")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n, size := *rows, int64(0)
	if *format == "csv" {
		n, size, err = datagen.WriteCSV(f, *mb*1e6, *rows)
	} else {
		err = datagen.WriteParquet(f, *rows)
	}
	if err == nil {
		err = f.Close()
	}
	if fi, serr := os.Stat(*out); err == nil && serr == nil {
		size = fi.Size()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d rows, %d bytes\n", *out, n, size)
}
