package report

import (
	"fmt"
	"strings"
	"time"

	"knocks"
)

// CampaignSubject names what a campaign is of, in a few words: the
// address, subnet or AS of a burst or group, or "the same N user names".
// Attacker-written text is not in it.
func CampaignSubject(c knocks.Campaign) string {
	switch c.Reason {
	case knocks.ReasonAddress:
		if len(c.IPs) > 0 {
			return c.IPs[0]
		}
	case knocks.ReasonSubnet:
		return c.Subnet
	case knocks.ReasonASN:
		if c.Org != "" {
			return fmt.Sprintf("AS%d %s", c.ASN, c.Org)
		}
		return fmt.Sprintf("AS%d", c.ASN)
	case knocks.ReasonSameUsers:
		return fmt.Sprintf("the same %d user names", c.UserCount)
	}
	return c.Reason
}

// CampaignCount returns n as text, with a "+" when a count stopped at
// knocks.MaxCampaignTracked.
func CampaignCount(n int64, capped bool) string {
	if capped && n >= knocks.MaxCampaignTracked {
		return group(n) + "+"
	}
	return group(n)
}

// textCampaigns prints the bursts and coordinated groups of a report.
func textCampaigns(p *printer, s *knocks.Summary, o Options) {
	if len(s.Campaigns) == 0 {
		return
	}
	zone := o.Zone
	if zone == nil {
		zone = time.UTC
	}
	title := "Campaigns: bursts (one address or subnet) and groups (the same user names, or one AS)"
	if n := int64(len(s.Campaigns)); s.CampaignsFound > n {
		title += fmt.Sprintf(", %d of %d", n, s.CampaignsFound)
	}
	p.table(title, []string{"kind", "of", "attempts", "ips", "start", "lasted", "users"}, len(s.Campaigns), func(i int) []string {
		c := s.Campaigns[i]
		users := make([]string, len(c.Users))
		for j, u := range c.Users {
			users[j] = Safe(u)
		}
		names := strings.Join(users, ", ")
		if c.UserCount > int64(len(c.Users)) {
			names += fmt.Sprintf(" (%s in all)", CampaignCount(c.UserCount, c.Capped))
		}
		return []string{c.Kind, Safe(CampaignSubject(c)), group(c.Attempts), CampaignCount(c.IPCount, c.Capped),
			c.Start.In(zone).Format("2006-01-02 15:04"), Duration(c.End.Sub(c.Start).Seconds()), names}
	})
}

// csvCampaigns writes the campaign rows of the CSV table.
func csvCampaigns(write func(...string), cs []knocks.Campaign) {
	for i, c := range cs {
		asn := ""
		if c.ASN != 0 {
			asn = itoa(int64(c.ASN))
		}
		write("campaign", itoa(int64(i+1)), CampaignSubject(c), itoa(c.Attempts), "", c.Kind+"/"+c.Reason, itoa(c.IPCount),
			ts(c.Start), ts(c.End), "", asn, c.Org)
	}
}
