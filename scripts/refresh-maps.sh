#!/usr/bin/env bash
# Refreshes the map geometry embedded by the knocks/data/maps package.
#
# It installs pinned versions of world-atlas, us-atlas (Natural Earth and US
# Census shapes, ISC), topojson-client (ISC) and i18n-iso-countries (MIT) from
# the npm registry into a temporary directory, and converts them once to
# compact GeoJSON:
#   data/maps/world.geojson      countries-110m, features keyed by ISO 3166 alpha-2
#   data/maps/us-states.geojson  states-10m (lon/lat), the 50 states and DC keyed by USPS code
#   data/maps/countries.json     alpha-2, numeric, English name (and a point for
#                                countries too small for the 1:110m shapes)
# Polygons are split at the antimeridian (Russia, Fiji) and rings around a
# pole (Antarctica) are closed along the pole, coordinates are rounded to
# 3 decimals (about 100 m).
#
# Usage: scripts/refresh-maps.sh   (needs node and npm; run from anywhere)
set -euo pipefail

WORLD_ATLAS=2.0.2
US_ATLAS=3.0.1
TOPOJSON_CLIENT=3.1.0
ISO_COUNTRIES=7.14.0

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/data/maps"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent \
	"world-atlas@$WORLD_ATLAS" "us-atlas@$US_ATLAS" \
	"topojson-client@$TOPOJSON_CLIENT" "i18n-iso-countries@$ISO_COUNTRIES" >/dev/null

cat >convert.js <<'EOF'
"use strict";
const fs = require("fs");
const topo = require("topojson-client");
const out = process.argv[2];

const world = require("world-atlas/countries-110m.json");
const world50 = require("world-atlas/countries-50m.json");
const states = require("us-atlas/states-10m.json");
const codes = require("i18n-iso-countries/codes.json");
const en = require("i18n-iso-countries/langs/en.json").countries;

// ISO 3166 numeric → alpha-2.
const byNumeric = {};
for (const [a2, , n3] of codes) byNumeric[n3] = a2;
// Natural Earth features without an ISO code: Kosovo has its own
// user-assigned code; the others are merged into the country that GeoIP
// data reports for addresses there.
const byName = { "Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO" };

// A short English name: the shortest of the package's names that has no
// comma, no dot and at least 4 letters ("China", "Russia", "South Korea",
// "United States"), with a few names set by hand where that is ambiguous.
const nameOverrides = {
	GB: "United Kingdom", CD: "DR Congo", CG: "Congo", VA: "Vatican City", MD: "Moldova", SY: "Syria", LA: "Laos",
	FM: "Micronesia", BQ: "Caribbean Netherlands", VG: "British Virgin Islands", VI: "US Virgin Islands",
};
function englishName(a2) {
	if (nameOverrides[a2]) return nameOverrides[a2];
	const n = en[a2];
	if (!n) return a2;
	if (typeof n === "string") return n;
	const ok = n.filter((s) => !s.includes(",") && !s.includes(".") && s.length >= 4);
	if (!ok.length) return n[0];
	return ok.reduce((a, b) => (b.length < a.length ? b : a));
}

// USPS codes of the states and DC by FIPS code; the territories (AS, GU,
// MP, PR, VI) are countries of their own in ISO 3166 and GeoIP data.
const usps = {
	"01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
	"11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
	"20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
	"28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
	"36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
	"45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
	"54": "WV", "55": "WI", "56": "WY",
};

// unwrap makes longitudes continuous: each step is less than 180° (−180
// and 180 are the same meridian).
function unwrap(ring) {
	const r = [ring[0].slice()];
	for (let i = 1; i < ring.length; i++) {
		let lon = ring[i][0];
		const prev = r[i - 1][0];
		while (lon - prev > 180) lon -= 360;
		while (lon - prev < -180) lon += 360;
		r.push([lon, ring[i][1]]);
	}
	return r;
}

// clip keeps the part of a closed ring with lo <= lon <= hi
// (Sutherland–Hodgman against two vertical lines).
function clipSide(ring, x, keepGreater) {
	const res = [];
	const inside = (p) => (keepGreater ? p[0] >= x : p[0] <= x);
	for (let i = 0; i < ring.length - 1; i++) {
		const a = ring[i], b = ring[i + 1];
		const ia = inside(a), ib = inside(b);
		if (ia) res.push(a);
		if (ia !== ib) {
			const t = (x - a[0]) / (b[0] - a[0]);
			res.push([x, a[1] + t * (b[1] - a[1])]);
		}
	}
	if (res.length) res.push(res[0]);
	return res;
}

// splitRing returns the pieces of a ring keyed by the shift (in multiples
// of 360°) that brings each back into [-180, 180].
function splitRing(ring) {
	let r = unwrap(ring);
	const dx = r[r.length - 1][0] - r[0][0];
	if (Math.abs(dx) > 180) {
		// The ring goes once around a pole: close it along that pole.
		const mean = r.reduce((s, p) => s + p[1], 0) / r.length;
		const pole = mean < 0 ? -90 : 90;
		const last = r[r.length - 1];
		r = r.concat([[last[0], pole], [r[0][0], pole], r[0]]);
	} else {
		r[r.length - 1] = r[0]; // closed exactly
	}
	let lo = Infinity, hi = -Infinity;
	for (const p of r) { lo = Math.min(lo, p[0]); hi = Math.max(hi, p[0]); }
	const pieces = new Map();
	for (let k = Math.floor((lo + 180) / 360); k * 360 - 180 < hi; k++) {
		const west = k * 360 - 180, east = k * 360 + 180;
		let c = lo >= west && hi <= east ? r : clipSide(clipSide(r, west, true), east, false);
		if (c.length < 4) continue;
		c = c.map((p) => [p[0] - k * 360, p[1]]);
		pieces.set(k, c);
	}
	return pieces;
}

const round = (v) => Math.round(v * 1000) / 1000;

function area(ring) {
	let a = 0;
	for (let i = 0; i < ring.length - 1; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
	return a / 2;
}

function clean(ring) {
	const r = [];
	for (const p of ring) {
		const q = [round(p[0]), round(p[1])];
		const prev = r[r.length - 1];
		if (!prev || prev[0] !== q[0] || prev[1] !== q[1]) r.push(q);
	}
	if (r.length && (r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1])) r.push(r[0]);
	if (r.length < 4 || area(r) === 0) return null;
	return r;
}

// splitGeometry returns the polygons of a geometry, split at the antimeridian.
function splitGeometry(g) {
	const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
	const result = [];
	for (const poly of polys) {
		const byShift = new Map();
		poly.forEach((ring, i) => {
			for (const [k, piece] of splitRing(ring)) {
				if (!byShift.has(k)) byShift.set(k, []);
				if (i === 0 || byShift.get(k).length > 0) byShift.get(k).push(piece);
			}
		});
		for (const rings of byShift.values()) {
			const cleaned = [];
			for (let i = 0; i < rings.length; i++) {
				const r = clean(rings[i]);
				if (r) cleaned.push(r);
				else if (i === 0) break;
			}
			if (cleaned.length) result.push(cleaned);
		}
	}
	return result;
}

function feature(id, name, polys) {
	const geometry = polys.length === 1
		? { type: "Polygon", coordinates: polys[0] }
		: { type: "MultiPolygon", coordinates: polys };
	return { type: "Feature", id, properties: { name }, geometry };
}

// World countries.
const merged = new Map();
for (const f of topo.feature(world, world.objects.countries).features) {
	const a2 = byNumeric[f.id] || byName[f.properties.name];
	if (!a2) throw new Error("no ISO code for " + f.id + " " + f.properties.name);
	if (!merged.has(a2)) merged.set(a2, []);
	merged.get(a2).push(...splitGeometry(f.geometry));
}
const worldFeatures = [...merged.keys()].sort().map((a2) => feature(a2, englishName(a2), merged.get(a2)));

// A point for each country that has shapes at 1:50m but not at 1:110m (Singapore,
// Hong Kong, Malta, ...): the area-weighted centre of its largest polygon.
const points = {};
for (const f of topo.feature(world50, world50.objects.countries).features) {
	const a2 = byNumeric[f.id];
	if (!a2 || merged.has(a2)) continue;
	let best = null, bestArea = 0;
	for (const poly of splitGeometry(f.geometry)) {
		const a = Math.abs(area(poly[0]));
		if (!best || a > bestArea) { best = poly[0]; bestArea = a; }
	}
	let cx = 0, cy = 0, a6 = 0;
	for (let i = 0; i < best.length - 1; i++) {
		const [x0, y0] = best[i], [x1, y1] = best[i + 1];
		const c = x0 * y1 - x1 * y0;
		cx += (x0 + x1) * c; cy += (y0 + y1) * c; a6 += 3 * c;
	}
	points[a2] = a6 ? [round(cx / a6), round(cy / a6)] : best[0];
}

// US states.
const stateFeatures = [];
for (const f of topo.feature(states, states.objects.states).features) {
	const code = usps[f.id];
	if (!code) continue;
	stateFeatures.push(feature(code, f.properties.name, splitGeometry(f.geometry)));
}
stateFeatures.sort((a, b) => (a.id < b.id ? -1 : 1));

// The code table.
const table = codes
	.map(([a2, , n3]) => (points[a2] ? [a2, n3, englishName(a2), ...points[a2]] : [a2, n3, englishName(a2)]))
	.sort((a, b) => (a[0] < b[0] ? -1 : 1));

// One feature per line keeps diffs of a refresh readable.
function writeCollection(file, features) {
	const lines = features.map((f) => JSON.stringify(f));
	fs.writeFileSync(file, '{"type":"FeatureCollection","features":[\n' + lines.join(",\n") + "\n]}\n");
}
writeCollection(out + "/world.geojson", worldFeatures);
writeCollection(out + "/us-states.geojson", stateFeatures);
fs.writeFileSync(out + "/countries.json", "[\n" + table.map((r) => JSON.stringify(r)).join(",\n") + "\n]\n");
console.log("world:", worldFeatures.length, "features;", "us:", stateFeatures.length, "states;",
	"countries:", table.length, "(", Object.keys(points).length, "as points )");
EOF

node convert.js "$out"
ls -l "$out"/world.geojson "$out"/us-states.geojson "$out"/countries.json
