package fingerprint

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

const encodingHeader = "mltf-listing v1"

// Encode writes the listing compactly (gzip of one line per object) for the
// instance's private state.
func (l *Listing) Encode() ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(zw)
	w.WriteString(encodingHeader + "\n")
	var line []byte
	for _, o := range l.Objects {
		line = strconv.AppendQuote(line[:0], o.Key)
		line = append(line, '\t')
		line = strconv.AppendInt(line, o.Size, 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, o.ModTime.UnixNano(), 10)
		line = append(line, '\t')
		line = append(line, o.Token...)
		line = append(line, '\n')
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads what Encode wrote.
func Decode(data []byte) (*Listing, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("stored listing: %v", err)
	}
	r := bufio.NewReader(zr)
	head, err := r.ReadString('\n')
	if err != nil || strings.TrimSpace(head) != encodingHeader {
		return nil, fmt.Errorf("stored listing: unknown format %q", strings.TrimSpace(head))
	}
	l := &Listing{}
	for n := 2; ; n++ {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("stored listing line %d: %v", n, err)
		}
		o, err := decodeObject(strings.TrimSuffix(line, "\n"))
		if err != nil {
			return nil, fmt.Errorf("stored listing line %d: %v", n, err)
		}
		l.Objects = append(l.Objects, o)
	}
	l.finish()
	return l, nil
}

func decodeObject(line string) (Object, error) {
	var o Object
	f := strings.Split(line, "\t")
	if len(f) != 4 {
		return o, fmt.Errorf("want 4 fields, got %d", len(f))
	}
	key, err := strconv.Unquote(f[0])
	if err != nil {
		return o, fmt.Errorf("key: %v", err)
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return o, fmt.Errorf("size: %v", err)
	}
	ns, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return o, fmt.Errorf("modification time: %v", err)
	}
	return Object{Key: key, Size: size, ModTime: time.Unix(0, ns).UTC(), Token: f[3]}, nil
}
