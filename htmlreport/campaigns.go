package htmlreport

import (
	"strings"

	"knocks"
	"knocks/report"
)

// campaignRow is one campaign as the page shows it: every string made
// safe, then escaped by html/template.
type campaignRow struct {
	Kind, Reason, Subject, Start, Lasted, IPs, IPCount, Users, UserCount string
	Attempts                                                             int64
	MoreIPs, MoreUsers                                                   bool
}

// campaignRows makes the campaigns of s safe for the page.
func campaignRows(s *knocks.Summary) []campaignRow {
	var out []campaignRow
	for _, c := range s.Campaigns {
		users := make([]string, len(c.Users))
		for i, u := range c.Users {
			users[i] = report.Safe(u)
		}
		out = append(out, campaignRow{Kind: c.Kind, Reason: strings.ReplaceAll(c.Reason, "_", " "), Subject: report.Safe(report.CampaignSubject(c)),
			Start: fmtTime(c.Start, "2006-01-02 15:04"), Lasted: report.Duration(c.End.Sub(c.Start).Seconds()),
			IPs: report.Safe(strings.Join(c.IPs, ", ")), IPCount: report.CampaignCount(c.IPCount, c.Capped), MoreIPs: c.IPCount > int64(len(c.IPs)),
			Users: strings.Join(users, ", "), UserCount: report.CampaignCount(c.UserCount, c.Capped), MoreUsers: c.UserCount > int64(len(c.Users)),
			Attempts: c.Attempts})
	}
	return out
}
