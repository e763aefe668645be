package main

import (
	"context"
	"flag"

	"knocks"
)

// registerCampaigns adds the flags that tune the rules of campaigns.
func registerCampaigns(fs *flag.FlagSet, o *knocks.CampaignOptions) {
	fs.DurationVar(&o.Gap, "burst-gap", knocks.DefaultBurstGap, "campaigns: the longest quiet `time` inside a burst of one address or subnet")
	fs.Int64Var(&o.MinAttempts, "burst-min", knocks.DefaultBurstAttempts, "campaigns: the fewest `attempts` that make a burst")
	fs.Int64Var(&o.MinIPs, "group-min", knocks.DefaultGroupIPs, "campaigns: the fewest `addresses` that make a group (the same user names, or one AS)")
}

// checkCampaigns refuses rules that would make every attempt a campaign
// or none.
func checkCampaigns(o knocks.CampaignOptions) error {
	switch {
	case o.Gap <= 0:
		return usagef("--burst-gap must be positive, e.g. 5m")
	case o.MinAttempts < 1:
		return usagef("--burst-min must be at least 1")
	case o.MinIPs < 2:
		return usagef("--group-min must be at least 2")
	}
	return nil
}

// complete fills in the parts of a summary that the store's Summary
// leaves to its caller: the alerts and, unless o is nil, the campaigns of
// the selection (Alerts, Campaigns and CampaignsFound, which report copies:
// it runs complete beside Summary). The alerts and the campaigns are
// found at the same time, each on a connection of its own.
func complete(ctx context.Context, store dbStore, f knocks.Filter, o *knocks.CampaignOptions, sum *knocks.Summary) error {
	var cs *knocks.Campaigns
	campErr := make(chan error, 1)
	if o != nil {
		f := f
		f.Top = sum.Filter.Top
		go func() {
			var err error
			cs, err = knocks.FindCampaigns(ctx, store, f, *o)
			campErr <- err
		}()
	}
	var err error
	sum.Alerts, sum.AlertsFound, err = reportAlerts(ctx, store, f, sum.Filter.Top)
	if o == nil {
		return err
	}
	if cerr := <-campErr; err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	sum.Campaigns, sum.CampaignsFound = cs.List, cs.Found
	return nil
}

// reportStore is a store whose summaries are those of a report: with
// their alerts and campaigns (for the dashboard and its API).
type reportStore struct {
	dbStore
	camp knocks.CampaignOptions
}

// Summary computes the summary of f and completes it.
func (s reportStore) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	sum, err := s.dbStore.Summary(ctx, f)
	if err != nil {
		return nil, err
	}
	if err := complete(ctx, s.dbStore, f, &s.camp, sum); err != nil {
		return nil, err
	}
	return sum, nil
}
