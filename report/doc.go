// Package report writes a knocks.Summary as terminal text, JSON or CSV.
//
// Every string in a summary may have been written by an attacker (user
// names, host names). Text output passes each through Safe so that no
// stored string can move the cursor or change colours; CSV output passes
// each through CSVCell, which escapes as Safe does and neutralises formulas
// so that neither a terminal that shows the file nor a spreadsheet that
// opens it acts on it; JSON output is
// escaped by encoding/json.
package report
