package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"knocks/ingest"
	"knocks/report"
	"knocks/source"
)

// unreadInput is an input that could not be read at all.
type unreadInput struct {
	name string
	err  error
}

// unreadInputs returns the inputs of an import that could not be read at
// all (not opened, not a log, or a read error before the first line).
func unreadInputs(res *ingest.Result) []unreadInput {
	var out []unreadInput
	for _, st := range res.Inputs {
		if st.Error == "" || st.Lines > 0 {
			continue
		}
		u := unreadInput{name: st.Name, err: errors.New(st.Error)}
		for _, e := range res.Errors {
			if e.Error() == st.Error {
				u.err = e // the error itself, for the hint
				break
			}
		}
		out = append(out, u)
	}
	return out
}

// checkInputs tells the user about inputs that could not be read. When no
// input could be read it prints the reasons and a hint first and returns
// errReported (exit 1): an empty report would hide the cause.
func checkInputs(w io.Writer, res *ingest.Result) error {
	unread := unreadInputs(res)
	if len(unread) == 0 || len(unread) < len(res.Inputs) {
		return nil
	}
	return failUnread(w, unread)
}

// failUnread prints why none of the inputs could be read, with a hint, and
// returns errReported.
func failUnread(w io.Writer, unread []unreadInput) error {
	if len(unread) == 1 {
		fmt.Fprintf(w, "knocks: nothing could be read: %s\n", report.Safe(unread[0].err.Error()))
	} else {
		fmt.Fprintf(w, "knocks: cannot read any of the %d inputs:\n", len(unread))
		for _, u := range unread {
			fmt.Fprintf(w, "  %s\n", report.Safe(u.err.Error()))
		}
	}
	printHints(w, unread)
	return errReported
}

// printNotRead prints, before a report made of the inputs that could be
// read, which were not and why, and the errors of skipped lines.
func printNotRead(w io.Writer, res *ingest.Result) {
	unread := unreadInputs(res)
	for _, u := range unread {
		fmt.Fprintf(w, "knocks: not read, left out of the report: %s\n", report.Safe(u.err.Error()))
	}
	printHints(w, unread)
	printErrors(w, res, func(err error) bool {
		for _, u := range unread {
			if err == u.err {
				return false
			}
		}
		return true
	})
}

// printErrors prints the errors of an import that keep passes, at most 20.
func printErrors(w io.Writer, res *ingest.Result, keep func(error) bool) {
	const maxErrs = 20
	n := 0
	for _, e := range res.Errors {
		if !keep(e) {
			continue
		}
		if n == maxErrs {
			n++
			continue
		}
		if n < maxErrs {
			fmt.Fprintf(w, "error: %s\n", report.Safe(e.Error()))
		}
		n++
	}
	if n > maxErrs {
		fmt.Fprintf(w, "... and %d more errors\n", n-maxErrs)
	}
}

// notices collects the notices of the inputs an import read (see
// source.Input.OnNotice): NUL bytes before a line, which was read. They are
// warnings: nothing was skipped, the exit status stays 0. The zero value is
// ready; add is safe for concurrent use.
type notices struct {
	mu    sync.Mutex
	first []error // the first maxNotices
	n     int     // all of them
}

// maxNotices is how many notices an import prints.
const maxNotices = 20

// add records a notice.
func (n *notices) add(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.first) < maxNotices {
		n.first = append(n.first, err)
	}
	n.n++
}

// print prints the notices as warnings, at most maxNotices; nothing for a
// nil n.
func (n *notices) print(w io.Writer) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range n.first {
		fmt.Fprintf(w, "warning: %s\n", report.Safe(e.Error()))
	}
	if n.n > len(n.first) {
		fmt.Fprintf(w, "... and %d more warnings\n", n.n-len(n.first))
	}
}

// printHints prints one hint for each kind of failure among unread.
func printHints(w io.Writer, unread []unreadInput) {
	seen := make(map[string]bool)
	for _, u := range unread {
		if h := readHint(u.name, u.err); h != "" && !seen[h] {
			seen[h] = true
			fmt.Fprintf(w, "hint: %s\n", h)
		}
	}
}

// readHint says what to do about an input that could not be read, or "".
func readHint(name string, err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		if g := readableGroup(name); g != "" {
			return fmt.Sprintf("%s is readable by root and the group %s: run knocks with sudo, or add yourself to the group with `sudo usermod -aG %s $USER` (then log in again)",
				report.Safe(name), report.Safe(g), report.Safe(g))
		}
		return fmt.Sprintf("%s is not readable by this user: run knocks with sudo (on Debian and Ubuntu, auth.log is readable by the group adm: `sudo usermod -aG adm $USER`, then log in again)", report.Safe(name))
	case errors.Is(err, source.ErrNoJournalctl):
		return "--journal needs systemd's journalctl; on a system without journald, import sshd's log files (/var/log/auth.log on Debian and Ubuntu, /var/log/secure on Red Hat and Fedora)"
	case errors.Is(err, source.ErrJournalAccess), errors.Is(err, source.ErrJournalEmpty) && os.Geteuid() != 0:
		return "the system journal is readable by root and the groups systemd-journal and adm: run knocks with sudo, or add yourself to a group with `sudo usermod -aG systemd-journal $USER` (then log in again)"
	case errors.Is(err, source.ErrJournalEmpty):
		return "sshd may not log to the journal on this machine: import its log files instead (/var/log/auth.log, /var/log/secure)"
	case errors.Is(err, fs.ErrNotExist):
		if _, statErr := os.Stat("/run/systemd/journal"); statErr == nil {
			return "check the path; this machine runs journald, where sshd may log instead: `knocks ingest --journal`"
		}
		return "check the path (sshd logs to /var/log/auth.log on Debian and Ubuntu, /var/log/secure on Red Hat and Fedora)"
	}
	return ""
}
