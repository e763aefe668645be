package main

import (
	"context"
	"flag"
	"fmt"

	"knocks/charts"
)

// PlotCommand writes one PNG (and SVG) image per chart, for a blog post.
type PlotCommand struct {
	m         *Main
	sel       selection
	out       string
	svg       bool
	anonymize bool
	width     int
	height    int
}

// FlagSet returns the flags of `knocks plot`.
func (c *PlotCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("plot")
	c.sel.register(fs, 20)
	fs.StringVar(&c.out, "out", "charts", "the `directory` to write the images to")
	fs.BoolVar(&c.svg, "svg", false, "also write SVG images")
	fs.BoolVar(&c.anonymize, "anonymize", false, "mask the last octet of IPv4 addresses (IPv6 to /48) and hide the names of valid users, for publishing")
	fs.IntVar(&c.width, "width", 1600, "image width in `pixels`")
	fs.IntVar(&c.height, "height", 900, "image height in `pixels`")
	return fs
}

// Run runs `knocks plot`.
func (c *PlotCommand) Run(ctx context.Context, args []string) error {
	files, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if c.width < 200 || c.height < 150 {
		return usagef("--width and --height must be at least 200 × 150")
	}
	sum, partial, err := c.m.summary(ctx, &c.sel, files)
	if err != nil {
		return err
	}
	paths, err := charts.WriteAll(c.out, sum, charts.Options{Width: c.width, Height: c.height, SVG: c.svg, Anonymize: c.anonymize})
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(c.m.Stdout, p)
	}
	if partial {
		return errPartial
	}
	return nil
}
