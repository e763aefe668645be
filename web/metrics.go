package web

import "net/http"

// MetricsHandler is a placeholder replaced below.
func MetricsHandler(any, any) http.Handler { return nil }
