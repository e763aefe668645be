//go:build !unix

package main

// readableGroup returns "": file groups are a Unix notion.
func readableGroup(string) string { return "" }
