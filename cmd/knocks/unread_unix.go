//go:build unix

package main

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// readableGroup returns the name of the group of the file at path when
// that group may read it, else "".
func readableGroup(path string) string {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o040 == 0 {
		return ""
	}
	if _, ok := fi.Sys().(*syscall.Stat_t); !ok {
		return ""
	}
	g, err := user.LookupGroupId(strconv.FormatUint(uint64(fileGID(fi)), 10))
	if err != nil {
		return ""
	}
	return g.Name
}

// fileGID returns the group id of a file.
func fileGID(fi os.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Gid
	}
	return 0
}
