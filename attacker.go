package knocks

import (
	"net/netip"
	"time"
)

// Attacker is what a store's Attackers knows of one source address: what
// `knocks blocklist` chooses from.
type Attacker struct {
	IP          netip.Addr
	Attempts    int64     // failed authentications of connections that started at or after since
	First, Last time.Time // the first start and last end of those connections
	LoggedIn    bool      // the address logged in successfully at any time
}
