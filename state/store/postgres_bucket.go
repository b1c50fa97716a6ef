package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// pgBucket keeps a store's objects as rows of one table in a PostgreSQL
// schema: key, data, modified. It is a gocloud.dev/blob driver, so the
// store's layout, history, journal and conformance suite are the same on
// PostgreSQL as on object stores; writes are single statements, so readers
// see an object whole or not at all, and IfNotExist is an INSERT ... ON
// CONFLICT DO NOTHING.
type pgBucket struct {
	pool  *pgxpool.Pool
	table string // quoted schema.table
}

var (
	errPGNotFound = errors.New("no such object")
	errPGExists   = errors.New("the object exists")
)

func newPGBucket(pool *pgxpool.Pool, schema string) *blob.Bucket {
	table := pgx.Identifier{schema, "mltf_state_objects"}.Sanitize()
	return blob.NewBucket(&pgBucket{pool: pool, table: table})
}

func (b *pgBucket) ErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, errPGNotFound):
		return gcerrors.NotFound
	case errors.Is(err, errPGExists):
		return gcerrors.FailedPrecondition
	case errors.Is(err, errPGUnimplemented):
		return gcerrors.Unimplemented
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	}
	return gcerrors.Unknown
}

func (b *pgBucket) As(i any) bool {
	p, ok := i.(**pgxpool.Pool)
	if ok {
		*p = b.pool
	}
	return ok
}

func (b *pgBucket) ErrorAs(error, any) bool { return false }

func (b *pgBucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	var (
		size     int64
		modified time.Time
	)
	err := b.pool.QueryRow(ctx, `SELECT length(data), modified FROM `+b.table+` WHERE key = $1`, key).Scan(&size, &modified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errPGNotFound
	}
	if err != nil {
		return nil, err
	}
	return &driver.Attributes{ContentType: "application/json", ModTime: modified, CreateTime: modified, Size: size}, nil
}

func (b *pgBucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	after := string(opts.PageToken)
	rows, err := b.pool.Query(ctx, `SELECT key, length(data), modified FROM `+b.table+`
		WHERE starts_with(key, $1) AND key COLLATE "C" > $2 ORDER BY key COLLATE "C"`, opts.Prefix, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &driver.ListPage{}
	size := opts.PageSize
	if size <= 0 {
		size = 1000
	}
	for rows.Next() {
		obj := &driver.ListObject{}
		if err := rows.Scan(&obj.Key, &obj.Size, &obj.ModTime); err != nil {
			return nil, err
		}
		if opts.Delimiter != "" {
			rest := strings.TrimPrefix(obj.Key, opts.Prefix)
			if i := strings.Index(rest, opts.Delimiter); i >= 0 {
				dir := opts.Prefix + rest[:i+len(opts.Delimiter)]
				if n := len(page.Objects); n > 0 && page.Objects[n-1].Key == dir {
					continue
				}
				obj = &driver.ListObject{Key: dir, IsDir: true}
			}
		}
		if len(page.Objects) == size {
			// The next page starts after the last object (a directory
			// covers every key under it).
			last := page.Objects[size-1]
			token := last.Key
			if last.IsDir {
				token = last.Key + "\U0010FFFF"
			}
			page.NextPageToken = []byte(token)
			break
		}
		page.Objects = append(page.Objects, obj)
	}
	return page, rows.Err()
}

func (b *pgBucket) NewRangeReader(ctx context.Context, key string, offset, length int64, _ *driver.ReaderOptions) (driver.Reader, error) {
	var (
		data     []byte
		modified time.Time
	)
	err := b.pool.QueryRow(ctx, `SELECT data, modified FROM `+b.table+` WHERE key = $1`, key).Scan(&data, &modified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errPGNotFound
	}
	if err != nil {
		return nil, err
	}
	attrs := &driver.ReaderAttributes{ContentType: "application/json", ModTime: modified, Size: int64(len(data))}
	data = data[min(offset, int64(len(data))):]
	if length >= 0 && length < int64(len(data)) {
		data = data[:length]
	}
	return &pgReader{Reader: bytes.NewReader(data), attrs: attrs}, nil
}

type pgReader struct {
	*bytes.Reader
	attrs *driver.ReaderAttributes
}

func (r *pgReader) Close() error                         { return nil }
func (r *pgReader) Attributes() *driver.ReaderAttributes { return r.attrs }
func (r *pgReader) As(any) bool                          { return false }

func (b *pgBucket) NewTypedWriter(ctx context.Context, key, _ string, opts *driver.WriterOptions) (driver.Writer, error) {
	if opts.BeforeWrite != nil {
		if err := opts.BeforeWrite(func(any) bool { return false }); err != nil {
			return nil, err
		}
	}
	return &pgWriter{ctx: ctx, b: b, key: key, ifNotExist: opts.IfNotExist}, nil
}

// pgWriter buffers an object and writes it in one statement at Close.
type pgWriter struct {
	ctx        context.Context
	b          *pgBucket
	key        string
	ifNotExist bool
	buf        bytes.Buffer
}

func (w *pgWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }

func (w *pgWriter) Close() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	q := `INSERT INTO ` + w.b.table + ` (key, data, modified) VALUES ($1, $2, clock_timestamp())
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, modified = excluded.modified`
	if w.ifNotExist {
		q = `INSERT INTO ` + w.b.table + ` (key, data, modified) VALUES ($1, $2, clock_timestamp()) ON CONFLICT (key) DO NOTHING`
	}
	tag, err := w.b.pool.Exec(w.ctx, q, w.key, w.buf.Bytes())
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return errPGExists
	}
	return nil
}

func (b *pgBucket) Copy(ctx context.Context, dst, src string, _ *driver.CopyOptions) error {
	tag, err := b.pool.Exec(ctx, `INSERT INTO `+b.table+` (key, data, modified) SELECT $1, data, clock_timestamp() FROM `+b.table+` WHERE key = $2
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, modified = excluded.modified`, dst, src)
	if err == nil && tag.RowsAffected() == 0 {
		return errPGNotFound
	}
	return err
}

func (b *pgBucket) Delete(ctx context.Context, key string, _ *driver.DeleteOptions) error {
	tag, err := b.pool.Exec(ctx, `DELETE FROM `+b.table+` WHERE key = $1`, key)
	if err == nil && tag.RowsAffected() == 0 {
		return errPGNotFound
	}
	return err
}

func (b *pgBucket) SignedURL(context.Context, string, *driver.SignedURLOptions) (string, error) {
	return "", fmt.Errorf("PostgreSQL state stores have no signed URLs: %w", errPGUnimplemented)
}

var errPGUnimplemented = errors.New("unimplemented")

func (b *pgBucket) Close() error { b.pool.Close(); return nil }

var (
	_ driver.Bucket = (*pgBucket)(nil)
	_ io.ReadCloser = (*pgReader)(nil)
)
