// Command image builds the container images of the test cluster's real
// node without a registry: one layer holding the files named on standard
// input (one absolute path a line, as they are on this machine), written as
// an image tarball that `ctr images import` loads into containerd.
//
//	image -ref mltf.local/pytorch:KEY -o pytorch.tar [-root DIR] [-cmd /pause] <files
//
// With -root, the paths are inside DIR, which becomes the image's root.
// Paths are taken through the symbolic links of their directories (so
// /lib/x86_64-linux-gnu/libc.so.6 lands in usr/lib on a merged-/usr
// system), symbolic links stay links, and each directory on the way is
// written once with its mode. The image's creation time is zero, so the
// same files give the same image.
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	ref := flag.String("ref", "", "the image's name, e.g. mltf.local/pytorch:KEY")
	out := flag.String("o", "", "the image tarball to write")
	cmd := flag.String("cmd", "", "the image's command (space-separated), if any")
	root := flag.String("root", "/", "the directory the paths are in")
	flag.Parse()
	if *ref == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: image -ref NAME -o FILE [-cmd COMMAND] <paths")
		os.Exit(2)
	}
	if err := run(*ref, *out, *cmd, *root, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(ref, out, cmd, root string, paths io.Reader) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	var list []string
	sc := bufio.NewScanner(paths)
	for sc.Scan() {
		if p := strings.TrimSpace(sc.Text()); p != "" {
			list = append(list, p)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	layerFile := out + ".layer.tar"
	defer os.Remove(layerFile)
	if err := writeLayer(layerFile, root, list); err != nil {
		return err
	}
	layer, err := tarball.LayerFromFile(layerFile, tarball.WithCompressionLevel(gzip.BestSpeed),
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config = v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}
	if cmd != "" {
		cf.Config.Cmd = strings.Fields(cmd)
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	tmp := out + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, out)
}

// writeLayer writes the paths, and the directories that lead to them, as
// an uncompressed layer.
func writeLayer(file, root string, paths []string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	root, err = filepath.Abs(root)
	if err != nil {
		return err
	}
	w := &layerWriter{tw: tar.NewWriter(f), root: root, seen: map[string]bool{}}
	sort.Strings(paths)
	for _, p := range paths {
		if err := w.add(p); err != nil {
			return err
		}
	}
	if err := w.tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// zeroTime is every entry's time, so that the same files give the same
// layer.
var zeroTime = time.Unix(0, 0)

type layerWriter struct {
	tw   *tar.Writer
	root string          // on this machine
	seen map[string]bool // by path in the image
}

// host is where an image path is on this machine.
func (w *layerWriter) host(p string) string { return filepath.Join(w.root, p) }

// add writes one path as it is on this machine. A path that does not
// exist is skipped: package listings name files a package may have moved
// or that another package diverted.
func (w *layerWriter) add(p string) error {
	if !filepath.IsAbs(p) || p == "/" {
		return nil
	}
	dir, err := filepath.EvalSymlinks(w.host(filepath.Dir(p)))
	if err != nil {
		return nil
	}
	if dir, err = filepath.Rel(w.root, dir); err != nil || strings.HasPrefix(dir, "..") {
		return nil // a link out of the root
	}
	dir = "/" + dir
	p = filepath.Join(dir, filepath.Base(p))
	fi, err := os.Lstat(w.host(p))
	if err != nil {
		return nil
	}
	if err := w.dirs(dir); err != nil {
		return err
	}
	return w.entry(p, fi)
}

// dirs writes dir and its parents, parents first; a parent that is a
// symbolic link (/lib on a merged-/usr system) is written as the link.
func (w *layerWriter) dirs(dir string) error {
	if dir == "/" || w.seen[dir] {
		return nil
	}
	if err := w.dirs(filepath.Dir(dir)); err != nil {
		return err
	}
	fi, err := os.Lstat(w.host(dir))
	if err != nil {
		return err
	}
	return w.entry(dir, fi)
}

func (w *layerWriter) entry(p string, fi os.FileInfo) error {
	if w.seen[p] {
		return nil
	}
	w.seen[p] = true
	link := ""
	if fi.Mode()&os.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(w.host(p)); err != nil {
			return err
		}
	} else if !fi.IsDir() && !fi.Mode().IsRegular() {
		return nil // devices, sockets, pipes: not part of an image
	}
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	h.Name = strings.TrimPrefix(p, "/")
	if fi.IsDir() {
		h.Name += "/"
	}
	h.Uname, h.Gname = "", ""
	h.ModTime, h.AccessTime, h.ChangeTime = zeroTime, zeroTime, zeroTime
	h.Format = tar.FormatPAX
	if err := w.tw.WriteHeader(h); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(w.host(p))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w.tw, f)
	return err
}
