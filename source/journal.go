package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Errors of OpenJournal and of reading a Journal; test them with errors.Is.
var (
	// ErrNoJournalctl is a system without journalctl (no systemd).
	ErrNoJournalctl = errors.New("journalctl not found")
	// ErrJournalAccess is a user who may not read the system journal:
	// journalctl said so (a hint that the user is "not seeing messages
	// from other users and the system", "insufficient permissions").
	ErrJournalAccess = errors.New("cannot read the system journal")
	// ErrJournalEmpty is a whole journal (no cursor to read after) without
	// one sshd entry: the user sees only their own journal, or sshd does
	// not log to the journal.
	ErrJournalEmpty = errors.New("the journal holds no sshd entries that this user can read")
	// ErrJournalctl is journalctl exiting with an error.
	ErrJournalctl = errors.New("journalctl failed")
)

// SSHDMatches are the journalctl matches of sshd's entries: by program
// name (_COMM, the kernel's name of the process, and SYSLOG_IDENTIFIER,
// the name it logs under), never by unit, which is ssh.service on Debian
// and Ubuntu and sshd.service elsewhere. OpenSSH 9.8 and later log the
// connections from sshd-session (and sshd-auth). journalctl ORs matches of
// one field, and "+" ORs the two groups.
var SSHDMatches = []string{
	"_COMM=sshd", "_COMM=sshd-session", "_COMM=sshd-auth",
	"+",
	"SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "SYSLOG_IDENTIFIER=sshd-auth",
}

// JournalName is the name of the input that OpenJournal returns.
const JournalName = "journal"

// JournalOptions says what OpenJournal reads.
type JournalOptions struct {
	// Command is the journalctl to run: a name looked up in PATH, or a
	// path. Empty means "journalctl".
	Command string
	// After is the cursor to read after (--after-cursor); empty reads the
	// whole journal.
	After string
	// Follow keeps reading new entries as they are written (--follow):
	// the input then ends only when ctx does.
	Follow bool
	// Matches select the entries; nil means SSHDMatches.
	Matches []string
}

// Args returns the arguments that OpenJournal passes to journalctl.
func (o JournalOptions) Args() []string {
	args := []string{"-o", "json", "--no-pager"}
	if o.After != "" {
		args = append(args, "--after-cursor="+o.After)
	}
	if o.Follow {
		args = append(args, "--follow", "--no-tail")
	}
	m := o.Matches
	if m == nil {
		m = SSHDMatches
	}
	return append(args, m...)
}

// Journal is the output of `journalctl -o json`, read as an Input (the
// entries are journald JSON lines). Close stops journalctl. When journalctl
// fails, or tells that the user may not read the system journal, Err (or
// OpenJournal) returns an *Error that names the input "journal" and wraps
// ErrJournalAccess or ErrJournalctl.
type Journal struct {
	*Input
	cmd    *exec.Cmd
	stderr *journalStderr
	waited bool
	werr   error
}

// OpenJournal runs journalctl with opt and returns its output as an
// Input. It waits for the first entry (or the end of the output), so that
// a journal that cannot be read fails here: with ErrNoJournalctl where
// there is no journalctl, ErrJournalAccess where journalctl says the user
// may not read the system journal, ErrJournalEmpty for a whole journal
// (no After cursor) without sshd entries, and ErrJournalctl when journalctl
// exits with an error. All are *Error values named JournalName.
func OpenJournal(ctx context.Context, opt JournalOptions) (*Journal, error) {
	command := opt.Command
	if command == "" {
		command = "journalctl"
	}
	path, err := exec.LookPath(command)
	if err != nil {
		return nil, &Error{File: JournalName, Err: fmt.Errorf("%w (looked for %q in PATH)", ErrNoJournalctl, command)}
	}
	cmd := exec.CommandContext(ctx, path, opt.Args()...)
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, &Error{File: JournalName, Err: fmt.Errorf("%w: %w", ErrJournalctl, err)}
	}
	j := &Journal{cmd: cmd, stderr: &journalStderr{done: make(chan struct{})}}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, &Error{File: JournalName, Err: fmt.Errorf("%w: %w", ErrJournalctl, err)}
	}
	if err := cmd.Start(); err != nil {
		return nil, &Error{File: JournalName, Err: fmt.Errorf("%w: %w", ErrJournalctl, err)}
	}
	go j.stderr.read(stderr, func() {
		if opt.Follow {
			// journalctl -f would wait for entries that this user will
			// never see.
			_ = cmd.Process.Kill()
		}
	})
	in, err := NewReaderContext(ctx, JournalName, &journalReader{j: j, r: stdout}, time.Time{})
	if err != nil {
		j.stop()
		return nil, err
	}
	j.Input = in
	if in.end == 0 && (in.eof || in.rerr != nil) {
		// No output at all.
		err := in.rerr
		j.stop()
		if err == nil {
			err = j.wait()
		}
		if err != nil {
			return nil, j.failure(err)
		}
		if opt.After == "" {
			return nil, &Error{File: JournalName, Err: ErrJournalEmpty}
		}
	}
	return j, nil
}

// failure turns an error of reading journalctl's output into the *Error
// that OpenJournal returns.
func (j *Journal) failure(err error) error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{File: JournalName, Err: err}
}

// Fingerprint returns "journal:" and the fingerprint of the first entry:
// the output of journalctl never has the identity of an export file whose
// first line is the same entry.
func (j *Journal) Fingerprint() (string, error) {
	fp, err := j.Input.Fingerprint()
	if fp == "" || err != nil {
		return fp, err
	}
	return "journal:" + fp, nil
}

// Resumable returns false: each run of journalctl makes its output anew
// (the entries after a cursor, of some matches), so it is never resumed at
// a byte offset; its entries are known by their cursors instead.
func (j *Journal) Resumable() bool { return false }

// Close stops journalctl (if it still runs) and releases the input.
func (j *Journal) Close() error {
	j.stop()
	if j.Input != nil {
		return j.Input.Close()
	}
	return nil
}

// stop kills journalctl unless it ended, and waits for it.
func (j *Journal) stop() {
	if j.waited {
		return
	}
	if j.cmd.ProcessState == nil {
		_ = j.cmd.Process.Kill()
	}
	_ = j.wait()
}

// wait waits for journalctl to end (after its output was read to the
// end) and returns what went wrong: an *Error wrapping ErrJournalAccess or
// ErrJournalctl, or nil.
func (j *Journal) wait() error {
	if j.waited {
		return j.werr
	}
	<-j.stderr.done // all of stderr was read before Wait closes the pipe
	err := j.cmd.Wait()
	j.waited = true
	switch {
	case j.stderr.access != "":
		j.werr = &Error{File: JournalName, Err: fmt.Errorf("%w: journalctl says: %s", ErrJournalAccess, j.stderr.access)}
	case err != nil:
		msg := j.stderr.first
		if msg == "" {
			msg = err.Error()
		} else {
			msg = err.Error() + ": " + msg
		}
		j.werr = &Error{File: JournalName, Err: fmt.Errorf("%w (%s)", ErrJournalctl, msg)}
	}
	return j.werr
}

// journalReader reads journalctl's output; at its end it waits for
// journalctl and returns its failure instead of io.EOF.
type journalReader struct {
	j *Journal
	r io.Reader
}

func (r *journalReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF {
		if werr := r.j.wait(); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// journalStderr reads what journalctl writes to stderr, keeping the first
// line and the first line that says the user may not read the journal.
type journalStderr struct {
	mu     sync.Mutex
	first  string
	access string
	done   chan struct{}
}

// accessHints are the texts of journalctl (which systemd does not
// translate) that mean the user may not read the system journal.
var accessHints = []string{
	"not seeing messages from other users", // Hint: You are currently not seeing messages from other users and the system.
	"not seeing messages from the system",
	"insufficient permissions", // No journal files were opened due to insufficient permissions.
	"permission denied",
	"no journal files were found", // no journal this user can read (or journald keeps none)
}

func (s *journalStderr) read(r io.Reader, onAccess func()) {
	defer close(s.done)
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		line = safeLine(line)
		s.mu.Lock()
		if s.first == "" {
			s.first = line
		}
		found := false
		if s.access == "" {
			low := strings.ToLower(line)
			for _, h := range accessHints {
				if strings.Contains(low, h) {
					s.access, found = line, true
					break
				}
			}
		}
		s.mu.Unlock()
		if found {
			onAccess()
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// safeLine bounds a line of journalctl's stderr and drops its control
// characters.
func safeLine(s string) string {
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return string(bytes.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, []byte(s)))
}
