package source

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// Location is a resolved source string: where the bucket is and which key
// or prefix in it the dataset names.
type Location struct {
	// Scheme is "file", "mem", "s3", "gs" or "azblob".
	Scheme string
	// BucketURL opens the bucket (without the key); empty for file.
	BucketURL string
	// Key is the object key or prefix inside the bucket; for file it is
	// unused and LocalPath names the file or directory.
	Key string
	// LocalPath is the absolute local path for file sources.
	LocalPath string
	// Rel is, for a file source written as a relative path, that path
	// relative to the working directory, slash-separated and cleaned: what
	// plans and state record, so that they hold in any checkout.
	Rel string
	// Source is the string as the user wrote it.
	Source string
}

// Schemes are the URL schemes a source may use.
var Schemes = []string{"file", "mem", "s3", "gs", "azblob"}

// Resolve interprets source. A string without a scheme is a local path;
// a relative path (also in file://data/x.csv form) is relative to workDir.
func Resolve(source, workDir string) (Location, error) {
	loc := Location{Source: source}
	if strings.TrimSpace(source) == "" {
		return loc, fmt.Errorf("source is empty: set it to a local path or a blob URL such as file://data/train.csv or s3://bucket/prefix/")
	}
	i := strings.Index(source, "://")
	if i < 0 {
		loc.Scheme = "file"
		loc.LocalPath, loc.Rel = localPath(source, workDir)
		return loc, nil
	}
	u, err := url.Parse(source)
	if err != nil {
		return loc, fmt.Errorf("source %q is not a valid URL: %v", source, err)
	}
	loc.Scheme = u.Scheme
	switch u.Scheme {
	case "file":
		p := u.Path
		if u.Host != "" && u.Host != "localhost" {
			// file://data/x.csv: a path relative to the working directory.
			p = u.Host + u.Path
		}
		if p == "" {
			return loc, fmt.Errorf("source %q names no path: write file:///absolute/path or file://relative/path", source)
		}
		loc.LocalPath, loc.Rel = localPath(p, workDir)
		return loc, nil
	case "mem", "s3", "gs", "azblob":
		if u.Host == "" && u.Scheme != "mem" {
			return loc, fmt.Errorf("source %q names no bucket: write %s://BUCKET/KEY-OR-PREFIX", source, u.Scheme)
		}
		loc.BucketURL = u.Scheme + "://" + u.Host
		if u.RawQuery != "" {
			loc.BucketURL += "?" + u.RawQuery
		}
		loc.Key = strings.TrimPrefix(u.Path, "/")
		return loc, nil
	}
	return loc, fmt.Errorf("source %q has the unsupported scheme %q: use one of file://, mem://, s3://, gs://, azblob:// or a local path", source, u.Scheme)
}

// localPath is the absolute path of p and, when p is relative, p cleaned
// and slash-separated.
func localPath(p, workDir string) (abs, rel string) {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p), ""
	}
	return filepath.Join(workDir, p), filepath.ToSlash(filepath.Clean(p))
}

// String is the location as a URL, for messages and the dataset's path
// attribute of non-local sources.
func (l Location) String() string {
	if l.Scheme == "file" {
		return "file://" + filepath.ToSlash(l.LocalPath)
	}
	u, err := url.Parse(l.BucketURL)
	if err != nil {
		return l.Source
	}
	s := u.Scheme + "://" + u.Host + "/" + l.Key
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

// Ext is the file extension of the named object or prefix, lower case and
// without a compression suffix ("csv" for x.csv.gz).
func (l Location) Ext() string {
	name := l.Key
	if l.Scheme == "file" {
		name = filepath.ToSlash(l.LocalPath)
	}
	name = strings.ToLower(path.Base(strings.TrimSuffix(name, "/")))
	name = strings.TrimSuffix(name, ".gz")
	if e := path.Ext(name); e != "" {
		return e[1:]
	}
	return ""
}
