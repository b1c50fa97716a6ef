package datagen

import (
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ParquetRowGroup is the number of rows of a row group WriteParquet
// writes.
const ParquetRowGroup = 1 << 20

// Schema is the Arrow schema of the rows: ts is a timestamp in seconds,
// UTC.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "label", Type: arrow.PrimitiveTypes.Int64},
	{Name: "country", Type: arrow.BinaryTypes.String},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}},
}, nil)

// WriteParquet writes rows 0 to rows-1 as Parquet (Snappy, row groups of
// ParquetRowGroup rows). It does not close w.
func WriteParquet(w io.Writer, rows int64) error {
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(ParquetRowGroup))
	fw, err := pqarrow.NewFileWriter(Schema, struct{ io.Writer }{w}, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, Schema)
	defer b.Release()
	for start := int64(0); start < rows; start += ParquetRowGroup {
		for i := start; i < min(rows, start+ParquetRowGroup); i++ {
			r := At(i)
			b.Field(0).(*array.Int64Builder).Append(r.ID)
			b.Field(1).(*array.Float64Builder).Append(r.Amount)
			b.Field(2).(*array.Int64Builder).Append(r.Label)
			b.Field(3).(*array.StringBuilder).Append(r.Country)
			b.Field(4).(*array.Float64Builder).Append(r.Score)
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(r.TS.Unix()))
		}
		rec := b.NewRecordBatch()
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return err
		}
	}
	return fw.Close()
}
