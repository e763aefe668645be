// knocks serve: makes the HTML report live. It adds a filter form and a
// drill-down panel, turns addresses, user names, subnets, networks and
// countries of the tables into drill-down links, and on each change notice
// of /api/events fetches the page again and puts its numbers, tables and
// chart data in place (app.js draws the charts again on "knocks:data").
// Every piece of data is set as text (textContent, URLSearchParams), never
// as markup.
(function () {
  "use strict";

  var params = new URLSearchParams(location.search);
  var FIELDS = [["since", "since (7d, 2024-02-25)"], ["until", "until"], ["host", "host"], ["country", "country (CN or China)"],
    ["asn", "AS number"], ["ip", "address"], ["user", "user name"], ["subnet", "subnet (/24, /64)"]];
  var KINDS = ["ip", "user", "subnet", "asn", "country"];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The filter form.
  var header = document.querySelector("header");
  var form = el("form", { method: "get", action: "/", id: "live-filter", "aria-label": "Filter" });
  FIELDS.forEach(function (f) {
    var label = el("label", {}, f[1] + " ");
    var input = el("input", { name: f[0], size: "12", maxlength: "200" });
    input.value = params.get(f[0]) || "";
    label.appendChild(input);
    form.appendChild(label);
    form.appendChild(document.createTextNode(" "));
  });
  form.appendChild(el("button", { type: "submit" }, "Filter"));
  form.appendChild(document.createTextNode(" "));
  form.appendChild(el("a", { href: "/" }, "clear"));
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (i) { if (i.name && !i.value) i.disabled = true; });
  });
  var status = el("p", { id: "live-status", "aria-live": "polite" }, "live: connecting…");
  status.className = "period";
  if (header) { header.appendChild(form); header.appendChild(status); }

  function drillHref(kind, key) {
    var q = new URLSearchParams(location.search);
    q.set(kind, key);
    return "/?" + q.toString();
  }

  // Drill-down links in the tables: [table id, column, kind, how to read the key].
  var LINKS = [["table-ips", 1, "ip"], ["table-valid-users", 1, "user"], ["table-invalid-users", 1, "user"],
    ["table-subnets", 1, "subnet"], ["table-asns", 1, "asn"], ["table-countries", 1, "country", "abbr"]];
  function link() {
    LINKS.forEach(function (l) {
      var table = document.getElementById(l[0]);
      if (!table) return;
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
        var td = tr.cells[l[1]];
        if (!td || td.classList.contains("empty") || td.querySelector("a.drill")) return;
        var src = l[3] ? td.querySelector(l[3]) : td;
        var key = src ? src.textContent.trim() : "";
        if (!key) return;
        var a = el("a", { href: drillHref(l[2], key), "class": "drill", "data-kind": l[2] });
        while (td.firstChild) a.appendChild(td.firstChild);
        td.appendChild(a);
      });
    });
  }

  // The drill-down panel: first and last seen, ever logged in, geo.
  function panel() {
    var kind = null;
    KINDS.forEach(function (k) { if (!kind && params.get(k)) kind = k; });
    var old = document.getElementById("live-drill");
    if (!kind) { if (old) old.remove(); return; }
    var q = new URLSearchParams(location.search);
    q.delete(kind);
    fetch("/api/" + kind + "/" + encodeURIComponent(params.get(kind)) + "?" + q.toString(), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        var sec = el("section", { id: "live-drill", "aria-label": "Drill-down" });
        sec.appendChild(el("h2", {}, "Drill-down: " + d.kind + " " + d.key));
        var dl = el("dl");
        function row(k, v) { dl.appendChild(el("dt", {}, k)); dl.appendChild(el("dd", {}, v)); }
        row("first seen", d.first && d.first.indexOf("0001") !== 0 ? d.first : "never");
        row("last seen", d.last && d.last.indexOf("0001") !== 0 ? d.last : "never");
        row("ever logged in", d.ever_logged_in ? "yes (" + d.logins + " logins)" : "no");
        row("attempts", String(d.attempts));
        if (d.geo) row("where", [d.geo.country || "", d.geo.asn ? "AS" + d.geo.asn : "", d.geo.org || ""].join(" ").trim() || "unknown");
        row("users tried", (d.users || []).map(function (u) { return u.user; }).join(", ") || "none");
        row("ports", (d.ports || []).map(function (p) { return p.key; }).join(", ") || "none");
        var b = d.bans || {};
        if (b.bans > 0 || b.restores > 0) {
          // A restore (fail2ban started again) bans the address but is no ban.
          var jails = (b.jails || []).map(function (j) { return j.jail; }).join(", ");
          var first = (b.top_banned || []).length === 1 ? ", first " + b.top_banned[0].first_ban : "";
          var restored = b.restores > 0 ? "; " + b.restores + " restored by fail2ban as it started again" : "";
          row("bans", b.bans + " (" + jails + ")" + first + restored + "; " + b.attempts_while_banned + " attempts while banned" +
            (b.returned_after_unban > 0 ? "; came back after a ban" : ""));
        } else {
          row("bans", "never banned");
        }
        sec.appendChild(dl);
        var cur = document.getElementById("live-drill");
        if (cur) cur.replaceWith(sec);
        else { var main = document.querySelector("main"); if (main) main.insertBefore(sec, main.firstChild); }
      })
      .catch(function () {});
  }

  // A change: fetch the page again and put the new parts in place. A page
  // of an older generation than the latest change seen was served while
  // the server computed the new one: ask again a second later.
  var busy = false, again = false, seen = null, retry = null;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.pathname + location.search, { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        var g = Number(r.headers.get("X-Knocks-Generation"));
        if (seen !== null && r.headers.get("X-Knocks-Generation") !== null && g < seen && !retry) {
          retry = setTimeout(function () { retry = null; refresh(); }, 1000);
        }
        return r.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var seenAlerts = alertKeys(document);
        ["headline"].forEach(function (id) {
          var n = doc.getElementById(id), o = document.getElementById(id);
          if (n && o) o.replaceWith(document.adoptNode(n));
        });
        // Alerts and campaigns come and go as a whole: put them in, take
        // them out, and the section links with them.
        [["alerts", null], ["campaigns", "headline"]].forEach(function (s) {
          var n = doc.getElementById(s[0]), o = document.getElementById(s[0]);
          if (n && o) o.replaceWith(document.adoptNode(n));
          else if (o) o.remove();
          else if (n) {
            var main = document.querySelector("main"), after = s[1] && document.getElementById(s[1]);
            if (after) after.after(document.adoptNode(n));
            else if (main) main.insertBefore(document.adoptNode(n), main.firstChild);
          }
        });
        var nn = doc.querySelector("header nav"), on = document.querySelector("header nav");
        if (nn && on) on.replaceWith(document.adoptNode(nn));
        Array.prototype.forEach.call(doc.querySelectorAll("main table[id]"), function (n) {
          var o = document.getElementById(n.id);
          if (o) o.replaceWith(document.adoptNode(n));
        });
        ["knocks-data"].forEach(function (id) {
          var n = doc.getElementById(id), o = document.getElementById(id);
          if (n && o) o.textContent = n.textContent;
        });
        var np = doc.querySelector("header .period"), op = document.querySelector("header .period");
        if (np && op) op.textContent = np.textContent;
        link();
        markAlerts(seenAlerts);
        document.dispatchEvent(new Event("knocks:data"));
        panel();
        status.textContent = "live: updated " + new Date().toLocaleTimeString();
        window.knocksLive.updates++;
      })
      .catch(function (e) { status.textContent = "live: cannot update (" + e.message + ")"; })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  // Alerts: their number in the tab's title, and the rows that came with
  // an update highlighted until the next one.
  var baseTitle = document.title;
  function alertKeys(d) {
    var keys = {};
    Array.prototype.forEach.call(d.querySelectorAll("#table-alerts tbody tr"), function (tr) { keys[tr.textContent] = true; });
    return keys;
  }
  function markAlerts(seen) {
    var rows = document.querySelectorAll("#table-alerts tbody tr");
    Array.prototype.forEach.call(rows, function (tr) {
      if (seen && !seen[tr.textContent]) tr.classList.add("fresh");
    });
    document.title = rows.length ? "(" + rows.length + " alert" + (rows.length > 1 ? "s" : "") + ") " + baseTitle : baseTitle;
    window.knocksLive.alerts = rows.length;
  }

  window.knocksLive = { updates: 0, connected: false, alerts: 0 };
  markAlerts(null);
  link();
  panel();
  if ("EventSource" in window) {
    var es = new EventSource("/api/events");
    es.addEventListener("hello", function (e) {
      var g = JSON.parse(e.data).generation;
      window.knocksLive.connected = true;
      status.textContent = "live";
      if (seen !== null && g !== seen) refresh();
      seen = g;
    });
    es.addEventListener("change", function (e) {
      seen = JSON.parse(e.data).generation;
      refresh();
    });
    es.onerror = function () { status.textContent = "live: reconnecting…"; };
  } else {
    setInterval(refresh, 10000);
  }
})();
