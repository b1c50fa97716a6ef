package source

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		source string
		want   Location
		err    string
	}{
		{source: "data/train.csv", want: Location{Scheme: "file", LocalPath: "/work/data/train.csv", Rel: "data/train.csv"}},
		{source: "file://data/train.csv", want: Location{Scheme: "file", LocalPath: "/work/data/train.csv", Rel: "data/train.csv"}},
		{source: "./data/../data/x.csv", want: Location{Scheme: "file", LocalPath: "/work/data/x.csv", Rel: "data/x.csv"}},
		{source: "../shared/x.csv", want: Location{Scheme: "file", LocalPath: "/shared/x.csv", Rel: "../shared/x.csv"}},
		{source: "file:///srv/data/", want: Location{Scheme: "file", LocalPath: "/srv/data"}},
		{source: "/srv/x.parquet", want: Location{Scheme: "file", LocalPath: "/srv/x.parquet"}},
		{source: "s3://bucket/prefix/?region=eu-west-1", want: Location{Scheme: "s3", BucketURL: "s3://bucket?region=eu-west-1", Key: "prefix/"}},
		{source: "gs://bucket/a/b.csv", want: Location{Scheme: "gs", BucketURL: "gs://bucket", Key: "a/b.csv"}},
		{source: "azblob://container", want: Location{Scheme: "azblob", BucketURL: "azblob://container"}},
		{source: "mem:///lake/x/", want: Location{Scheme: "mem", BucketURL: "mem://", Key: "lake/x/"}},
		{source: "", err: "source is empty"},
		{source: "ftp://host/x", err: `unsupported scheme "ftp"`},
		{source: "s3:///key", err: "names no bucket"},
		{source: "file://", err: "names no path"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			got, err := Resolve(tt.source, "/work")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Source = tt.source
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocationString(t *testing.T) {
	for src, want := range map[string]string{
		"data/x.csv":               "file:///work/data/x.csv",
		"s3://b/p/?region=x":       "s3://b/p/?region=x",
		"mem:///lake/":             "mem:///lake/",
		"gs://bucket/file.parquet": "gs://bucket/file.parquet",
	} {
		loc, err := Resolve(src, "/work")
		if err != nil {
			t.Fatal(err)
		}
		if got := loc.String(); got != want {
			t.Errorf("%s: String() = %q, want %q", src, got, want)
		}
	}
}
