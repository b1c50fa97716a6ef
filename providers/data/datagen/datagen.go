// Package datagen writes the synthetic transactions dataset the validation
// benchmarks and the side-by-side comparison with pandas read, as CSV,
// JSON lines or Parquet: six columns
// (an int64 id, a float64 amount >= 0, an int64 label in {0, 1}, a
// two-letter country code, a float64 score, a timestamp), about 50 bytes a
// row as CSV. Rows are a pure function of their index, so every size of the
// file is a prefix of the larger ones and a run is reproducible. It knows
// nothing of validation.
package datagen

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"time"
)

// Header is the CSV header line.
const Header = "id,amount,label,country,score,ts\n"

// Countries are the values of the country column.
var Countries = []string{"US", "DE", "FR", "GB", "JP", "CN", "IN", "BR", "CA", "AU", "ES", "IT", "NL", "SE", "PL", "MX", "KR", "CH", "BE", "AT"}

// Row is one generated row.
type Row struct {
	ID      int64
	Amount  float64
	Label   int64
	Country string
	Score   float64
	TS      time.Time
}

var base = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// At returns row i (from 0). Ids are distinct: a bijection of the index
// onto [0, 2^31), so that they are not in order.
func At(i int64) Row {
	s := uint64(i)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	s ^= s >> 29
	s *= 0xbf58476d1ce4e5b9
	s ^= s >> 32
	u := float64(s>>11) / (1 << 53)
	return Row{
		ID:      int64((uint64(i) * 2654435761) & (1<<31 - 1)),
		Amount:  math.Round(u*u*99999) / 100,
		Label:   int64(s>>7) & 1,
		Country: Countries[(s>>20)%uint64(len(Countries))],
		Score:   math.Round(float64(s>>40)/(1<<24)*1e6) / 1e6,
		TS:      base.Add(time.Duration(i%(1<<25)) * time.Second),
	}
}

// AppendCSV appends row r as a CSV line.
func AppendCSV(b []byte, r Row) []byte {
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Amount, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Label, 10)
	b = append(b, ',')
	b = append(b, r.Country...)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Score, 'f', -1, 64)
	b = append(b, ',')
	b = r.TS.AppendFormat(b, time.RFC3339)
	return append(b, '\n')
}

// WriteCSV writes the header and rows until the output reaches size bytes
// (rows > 0: exactly that many rows), and returns the rows and bytes
// written.
func WriteCSV(w io.Writer, size, rows int64) (int64, int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	n, _ := bw.WriteString(Header)
	written := int64(n)
	var line []byte
	var i int64
	for ; (rows > 0 && i < rows) || (rows <= 0 && written < size); i++ {
		line = AppendCSV(line[:0], At(i))
		bw.Write(line)
		written += int64(len(line))
	}
	return i, written, bw.Flush()
}

// AppendJSON appends row r as a JSON lines record.
func AppendJSON(b []byte, r Row) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, `,"amount":`...)
	b = strconv.AppendFloat(b, r.Amount, 'f', -1, 64)
	b = append(b, `,"label":`...)
	b = strconv.AppendInt(b, r.Label, 10)
	b = append(b, `,"country":"`...)
	b = append(b, r.Country...)
	b = append(b, `","score":`...)
	b = strconv.AppendFloat(b, r.Score, 'f', -1, 64)
	b = append(b, `,"ts":"`...)
	b = r.TS.AppendFormat(b, time.RFC3339)
	return append(b, "\"}\n"...)
}

// WriteJSONL writes rows records as JSON lines.
func WriteJSONL(w io.Writer, rows int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	for i := range rows {
		line = AppendJSON(line[:0], At(i))
		bw.Write(line)
	}
	return bw.Flush()
}
