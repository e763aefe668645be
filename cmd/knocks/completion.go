package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// CompletionCommand prints a shell completion script made from the
// commands' flag sets.
type CompletionCommand struct {
	m *Main
}

// FlagSet returns the flags of `knocks completion` (none).
func (c *CompletionCommand) FlagSet() *flag.FlagSet { return c.m.newFlagSet("completion") }

// Run runs `knocks completion SHELL`.
func (c *CompletionCommand) Run(ctx context.Context, args []string) error {
	pos, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("completion needs one shell: bash, zsh or fish (see `knocks completion -h`)")
	}
	switch pos[0] {
	case "bash":
		bashCompletion(c.m.Stdout, c.m)
	case "zsh":
		zshCompletion(c.m.Stdout, c.m)
	case "fish":
		fishCompletion(c.m.Stdout, c.m)
	default:
		return usagef("unknown shell %q: bash, zsh or fish", pos[0])
	}
	return nil
}

// flagDoc is the first clause of a flag's usage, for completion menus.
func flagDoc(f *flag.Flag) string {
	_, u := flag.UnquoteUsage(f)
	if i := strings.IndexAny(u, ";:("); i > 0 {
		u = u[:i]
	}
	return strings.TrimSpace(u)
}

func bashCompletion(w io.Writer, m *Main) {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, `# bash completion for knocks, made by "knocks completion bash".
_knocks() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	if (( COMP_CWORD == 1 )); then
		COMPREPLY=($(compgen -W "%s --version --help" -- "$cur"))
		return
	fi
	local flags="" words="" files=1
	case ${COMP_WORDS[1]} in
`, strings.Join(names, " "))
	valueFlags := map[string]bool{}
	for _, c := range commands {
		var fl []string
		for _, f := range flagsOf(m, c) {
			fl = append(fl, "--"+f.Name)
			if !isBool(f) {
				valueFlags[f.Name] = true
			}
		}
		files := 1
		if c.args == "" || len(c.words) > 0 {
			files = 0
		}
		fmt.Fprintf(w, "\t%s) flags=%q words=%q files=%d ;;\n", c.name, strings.Join(fl, " "), strings.Join(c.words, " "), files)
	}
	fmt.Fprintf(w, "\tesac\n\tcase $prev in\n")
	for _, name := range sortedKeys(flagValues) {
		fmt.Fprintf(w, "\t--%s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", name, strings.Join(flagValues[name], " "))
	}
	var fileNames, other []string
	for name := range valueFlags {
		if _, ok := flagValues[name]; ok {
			continue
		}
		if fileFlags[name] {
			fileNames = append(fileNames, "--"+name)
		} else {
			other = append(other, "--"+name)
		}
	}
	sort.Strings(fileNames)
	sort.Strings(other)
	if len(fileNames) > 0 {
		fmt.Fprintf(w, "\t%s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", strings.Join(fileNames, "|"))
	}
	if len(other) > 0 {
		fmt.Fprintf(w, "\t%s) COMPREPLY=(); return ;;\n", strings.Join(other, "|"))
	}
	fmt.Fprint(w, `	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$flags" -- "$cur"))
	elif [[ -n $words ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	elif (( files )); then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -o filenames -F _knocks knocks
`)
}

// zshQuote escapes text for a single-quoted _arguments spec.
func zshQuote(s string) string {
	return strings.NewReplacer("'", `'\''`, "[", `\[`, "]", `\]`, ":", `\:`).Replace(s)
}

func zshCompletion(w io.Writer, m *Main) {
	fmt.Fprint(w, "#compdef knocks\n# zsh completion for knocks, made by \"knocks completion zsh\".\n_knocks() {\n\tlocal -a cmds\n\tcmds=(\n")
	for _, c := range commands {
		fmt.Fprintf(w, "\t\t'%s:%s'\n", c.name, zshQuote(c.summary))
	}
	fmt.Fprint(w, "\t)\n\tif (( CURRENT == 2 )); then\n\t\t_describe 'command' cmds\n\t\treturn\n\tfi\n\tlocal cmd=$words[2]\n\tshift words\n\t(( CURRENT-- ))\n\tcase $cmd in\n")
	for _, c := range commands {
		fmt.Fprintf(w, "\t%s)\n\t\t_arguments -s", c.name)
		for _, f := range flagsOf(m, c) {
			spec := "--" + f.Name + "[" + zshQuote(flagDoc(f)) + "]"
			if !isBool(f) {
				name, _ := flag.UnquoteUsage(f)
				action := " "
				switch {
				case flagValues[f.Name] != nil:
					action = "(" + strings.Join(flagValues[f.Name], " ") + ")"
				case fileFlags[f.Name]:
					action = "_files"
				}
				spec += ":" + zshQuote(name) + ":" + action
			}
			fmt.Fprintf(w, " \\\n\t\t\t'%s'", spec)
		}
		switch {
		case len(c.words) > 0:
			fmt.Fprintf(w, " \\\n\t\t\t'1:%s:(%s)'", c.name, strings.Join(c.words, " "))
		case c.args != "":
			fmt.Fprintf(w, " \\\n\t\t\t'*:file:_files'")
		}
		fmt.Fprint(w, "\n\t\t;;\n")
	}
	fmt.Fprint(w, "\tesac\n}\n_knocks \"$@\"\n")
}

// fishQuote quotes s for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

func fishCompletion(w io.Writer, m *Main) {
	fmt.Fprint(w, "# fish completion for knocks, made by \"knocks completion fish\".\ncomplete -c knocks -f\n")
	for _, c := range commands {
		fmt.Fprintf(w, "complete -c knocks -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	for _, c := range commands {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		for _, f := range flagsOf(m, c) {
			line := fmt.Sprintf("complete -c knocks -n %s -l %s", cond, f.Name)
			if !isBool(f) {
				switch {
				case flagValues[f.Name] != nil:
					line += " -x -a " + fishQuote(strings.Join(flagValues[f.Name], " "))
				case fileFlags[f.Name]:
					line += " -r -F"
				default:
					line += " -x"
				}
			}
			fmt.Fprintf(w, "%s -d %s\n", line, fishQuote(flagDoc(f)))
		}
		switch {
		case len(c.words) > 0:
			fmt.Fprintf(w, "complete -c knocks -n %s -a %s\n", cond, fishQuote(strings.Join(c.words, " ")))
		case c.args != "":
			fmt.Fprintf(w, "complete -c knocks -n %s -F\n", cond)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
