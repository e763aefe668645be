package knocks

// SetCampaignScanMaxKeys sets the most keys that the one pass of
// FindCampaigns holds, and returns a function that restores it.
func SetCampaignScanMaxKeys(n int) (restore func()) {
	old := campaignScanMaxKeys
	campaignScanMaxKeys = n
	return func() { campaignScanMaxKeys = old }
}
