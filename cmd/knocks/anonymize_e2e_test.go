//go:build !(386 || arm || mips || mipsle)

// mmdbwriter, which builds this test's GeoIP database, does not compile
// for 32-bit platforms.

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// TestAnonymizeEveryOutput reports the bundled sample log with
// --anonymize in every format and as HTML (issue 9, item 6), with a city
// database given by its path: no output may show a full address of an
// attacker, the name of a valid account, or the path of the GeoIP file.
func TestAnonymizeEveryOutput(t *testing.T) {
	dir := t.TempDir()
	sample, err := filepath.Abs("../../testdata/sample/auth.log")
	if err != nil {
		t.Fatal(err)
	}
	geoDir := filepath.Join(dir, "home", "alice-private-dir")
	if err := os.MkdirAll(geoDir, 0o755); err != nil {
		t.Fatal(err)
	}
	city := filepath.Join(geoDir, "dbip-city-lite.mmdb")
	writeCityDB(t, city, map[string]mmdbtype.Map{
		"185.156.73.0/24": {"city": mmdbtype.String("Amsterdam"), "country_code": mmdbtype.String("NL"),
			"latitude": mmdbtype.Float64(52.37), "longitude": mmdbtype.Float64(4.89)},
	})
	// The plain report shows what the anonymized ones must not.
	plain := mustOK(t, dir, nil, "report", "--format", "json", "--geoip", city, sample).stdout
	for _, s := range []string{"185.156.73.232", `"user": "root"`, `"user": "deploy"`, "alice-private-dir"} {
		if !strings.Contains(plain, s) {
			t.Fatalf("the plain report lacks %q: the test would prove nothing", s)
		}
	}
	html := filepath.Join(dir, "report.html")
	outputs := map[string]string{}
	for _, format := range []string{"text", "json", "csv"} {
		outputs[format] = mustOK(t, dir, nil, "report", "--anonymize", "--format", format, "--geoip", city, sample).stdout
	}
	mustOK(t, dir, nil, "report", "--anonymize", "--html", html, "--geoip", city, sample)
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	outputs["html"] = string(b)
	for name, out := range outputs {
		for _, bad := range []string{"185.156.73.232", "alice-private-dir", "deploy", "81.2.69.160"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s report with --anonymize shows %q", name, bad)
			}
		}
		if !strings.Contains(out, "185.156.73.x") {
			t.Errorf("%s report with --anonymize lacks the masked address 185.156.73.x", name)
		}
		if !strings.Contains(out, "(valid user 1)") {
			t.Errorf("%s report with --anonymize lacks (valid user 1)", name)
		}
	}
	if !strings.Contains(outputs["json"], `"anonymized": true`) || !strings.Contains(outputs["text"], "Anonymized") || !strings.Contains(outputs["html"], `id="anonymized"`) {
		t.Error("an anonymized report does not say so")
	}
	if !strings.Contains(outputs["json"], "(dbip-city-lite.mmdb)") {
		t.Errorf("the GeoIP file is not named by its base name: %s", outputs["json"][strings.Index(outputs["json"], `"geoip_sources"`):][:200])
	}
}
