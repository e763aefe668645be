// knocks HTML report: draws the charts from the JSON data blocks with the
// inlined Apache ECharts. Data never reaches markup unescaped: chart text is
// drawn on a canvas, and tooltip markup is built with esc() around every
// value. No eval, and no markup of our own made from data.
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var D = readJSON("knocks-data");
  var worldGeo = readJSON("knocks-world");
  var usGeo = readJSON("knocks-us");
  if (worldGeo) echarts.registerMap("knocks-world", worldGeo);
  if (usGeo) echarts.registerMap("knocks-us", usGeo);

  var ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; });
  }
  function fmt(n) {
    return Number(n).toLocaleString("en-US");
  }
  function compact(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1).replace(/\.0$/, "") + "M";
    if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e4 ? 0 : 1).replace(/\.0$/, "") + "k";
    return String(n);
  }
  function tip(title, lines) {
    var h = '<div class="tip-title">' + esc(title) + "</div>";
    for (var i = 0; i < lines.length; i++) {
      if (lines[i]) h += '<div class="tip-sub">' + esc(lines[i]) + "</div>";
    }
    return h;
  }
  function binColor(bins, n) {
    for (var i = bins.length - 1; i >= 0; i--) if (n >= bins[i].lo) return bins[i].color;
    return null;
  }
  var dark = false;
  // Every chart instance ever made, one per element. An instance is never
  // disposed: a change of colours (dark mode, printing) draws the same
  // instance again with notMerge, which also stops a paint that is still
  // going on over several frames. Disposing an instance mid-paint made its
  // pending frame read a painter that was gone ("reading 'layerStack'").
  var charts = [];
  // The draw function of each chart drawn so far, by element id.
  var drawn = {};
  // A week or less reads better per hour.
  var step = D.day.length <= 7 && D.hour.length ? "hour" : "day";

  function palette() {
    return dark
      ? { fg: "#e6edf3", muted: "#9198a1", line: "#30363d", land: "#2d333b", border: "#0d1117", ocean: "#111820", total: "#e6edf3", bar: "#ff7b72", valid: "#58a6ff", invalid: "#f0883e", tip: "#161b22", partial: "rgba(145,152,161,.16)" }
      : { fg: "#1f2328", muted: "#59636e", line: "#d1d9e0", land: "#e4e4e0", border: "#ffffff", ocean: "#f3f7fb", total: "#1f2328", bar: "#c0392b", valid: "#1b6fb5", invalid: "#d95f02", tip: "#ffffff", partial: "rgba(89,99,110,.10)" };
  }

  function base(P) {
    return {
      animation: false,
      backgroundColor: "transparent",
      textStyle: { color: P.fg, fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, DejaVu Sans, sans-serif" },
      tooltip: { confine: true, renderMode: "html", className: "knocks-tip", backgroundColor: P.tip, borderColor: P.line, textStyle: { color: P.fg } }
    };
  }

  // init returns the chart instance of an element, made on first use.
  function init(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.getInstanceByDom(el);
    if (!c) {
      c = echarts.init(el, null, { renderer: "canvas" });
      charts.push(c);
    }
    return c;
  }

  // The slider under the time charts, in the palette's colours.
  function slider(P) {
    return {
      type: "slider", height: 24, bottom: 8, filterMode: "none", borderColor: P.line, backgroundColor: "transparent",
      fillerColor: dark ? "rgba(88,166,255,.18)" : "rgba(27,111,181,.14)", textStyle: { color: P.muted },
      dataBackground: { lineStyle: { color: P.muted }, areaStyle: { color: P.line } },
      selectedDataBackground: { lineStyle: { color: P.fg }, areaStyle: { color: P.muted } },
      handleStyle: { color: P.tip, borderColor: P.muted }, moveHandleStyle: { color: P.line }
    };
  }

  function merge(a, b) {
    for (var k in b) if (Object.prototype.hasOwnProperty.call(b, k)) a[k] = b[k];
    return a;
  }

  // Horizontal bars, the busiest on top; rows are {name, n, info?, valid?,
  // flag?}. A row's flag (a data: URI of our own) is drawn before its name.
  function bars(id, rows, what, colorOf) {
    if (!rows || !rows.length) return;
    var el = document.getElementById(id);
    if (el) el.style.height = Math.max(260, rows.length * 26 + 70) + "px";
    var c = init(id);
    if (!c) return;
    var P = palette();
    c.setOption(merge(base(P), {
      grid: { left: 8, right: 64, top: 8, bottom: 28, containLabel: true },
      tooltip: merge(base(P).tooltip, {
        trigger: "item",
        formatter: function (p) {
          var r = rows[p.dataIndex];
          return tip(r.name, [r.info, fmt(r.n) + " attempts", r.valid === undefined ? "" : r.valid ? "valid account" : "invalid user name"]);
        }
      }),
      // A linear axis from 0, so that bar lengths compare as counts do.
      xAxis: {
        type: "value", min: 0, max: function (e) { return Math.ceil(e.max * 1.15); }, name: "attempts", nameLocation: "middle", nameGap: 22,
        axisLabel: { formatter: function (v) { return compact(v); }, color: P.muted, showMaxLabel: false },
        splitLine: { lineStyle: { color: P.line } }
      },
      yAxis: {
        type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
        axisLabel: flagLabels(rows, { width: narrow() ? 110 : 190, overflow: "truncate", color: P.fg, fontFamily: "ui-monospace, DejaVu Sans Mono, monospace" }),
        axisTick: { show: false }
      },
      series: [{
        type: "bar", name: what, barMaxWidth: 22,
        data: rows.map(function (r) { return { value: r.n, itemStyle: { color: colorOf ? colorOf(r, P) : P.bar } }; }),
        label: { show: true, position: "right", color: P.fg, formatter: function (p) { return fmt(p.value); } }
      }]
    }), true);
  }

  // flagLabels adds the rows' flags to an axis label style: a rich-text
  // style per flag, its picture as the background of an empty box.
  function flagLabels(rows, style) {
    var rich = {}, any = false;
    rows.forEach(function (r, i) {
      if (r.flag) {
        any = true;
        rich["f" + i] = { width: 20, height: 15, backgroundColor: { image: r.flag } };
      }
    });
    if (!any) return style;
    style.rich = rich;
    style.formatter = function (v, i) { return rows[i] && rows[i].flag ? "{f" + i + "|} " + v : v; };
    return style;
  }

  // narrow reports a phone-sized screen.
  function narrow() {
    return window.innerWidth < 600;
  }

  function stamp(t, hourly) {
    var s = new Date(t).toISOString();
    return hourly ? s.slice(0, 13).replace("T", " ") + ":00 UTC" : s.slice(0, 10);
  }

  // The series of the time charts at the chosen step, and where its last,
  // partial bucket starts (null when the last bucket is complete).
  function timeSeries() {
    var hourly = step === "hour" && D.hour.length > 0;
    return { hourly: hourly, total: hourly ? D.hour : D.day, partial: hourly ? D.partialHour : D.partialDay };
  }

  // The total over time: one line, its last bucket dashed and shaded when
  // it is partial (the logs end inside it), so that it does not read as a
  // sudden drop.
  function timeChart() {
    var c = init("chart-time");
    if (!c) return;
    var P = palette();
    var T = timeSeries();
    var data = T.total, tail = [];
    if (T.partial && data.length > 1 && data[data.length - 1][0] === T.partial.start) {
      tail = data.slice(data.length - 2);
      data = data.slice(0, data.length - 1);
    }
    var unit = T.hourly ? "hour" : "day";
    var series = [{
      // A line needs two points: with fewer (one day of logs, one hour of
      // an address) the points are drawn, else the chart would look empty.
      name: "attempts", type: "line", data: data, showSymbol: data.length < 3, symbolSize: 7, lineStyle: { width: 2, color: P.total }, itemStyle: { color: P.total },
      sampling: "lttb", z: 3
    }];
    if (tail.length) {
      series.push({
        name: "partial " + unit, type: "line", data: tail, showSymbol: true, symbolSize: 5, z: 3,
        lineStyle: { width: 2, type: "dashed", color: P.muted }, itemStyle: { color: P.muted },
        markArea: {
          silent: true, itemStyle: { color: P.partial },
          label: { show: true, position: "insideTop", color: P.muted, formatter: "partial " + unit },
          data: [[{ xAxis: T.partial.start }, { xAxis: T.partial.end }]]
        }
      });
    }
    c.setOption(merge(base(P), {
      grid: { left: 8, right: 24, top: 24, bottom: 64, containLabel: true },
      tooltip: merge(base(P).tooltip, {
        trigger: "axis",
        formatter: function (ps) {
          if (!ps.length) return "";
          var t = ps[0].value[0];
          var last = T.partial && t === T.partial.start;
          return tip(stamp(t, T.hourly), [fmt(ps[0].value[1]) + " attempts", last ? "partial " + unit + ": the logs end at " + T.partial.until : ""]);
        }
      }),
      xAxis: { type: "time", axisLabel: { color: P.muted, hideOverlap: true }, axisLine: { lineStyle: { color: P.line } } },
      yAxis: { type: "value", min: 0, name: "attempts per " + unit, nameTextStyle: { color: P.muted, align: "left" }, axisLabel: { color: P.muted, formatter: function (v) { return compact(v); } }, splitLine: { lineStyle: { color: P.line } } },
      dataZoom: [{ type: "inside", filterMode: "none" }, slider(P)],
      series: series
    }), true);
  }

  // countriesShown is how many country lines are on at first; the legend
  // turns the others on.
  var countriesShown = 5;

  // The attempts per day of the top countries, a line each: the legend
  // picks which to compare. Reserved ranges are not countries and are not
  // in it.
  function countryTimeChart() {
    var c = init("chart-country-time");
    if (!c || !D.countryDays || !D.countryDays.length) return;
    var P = palette();
    var selected = {};
    var series = D.countryDays.map(function (s, i) {
      selected[s.name] = i < countriesShown;
      return { name: s.name, type: "line", data: s.days, showSymbol: s.days.length < 3, symbolSize: 7, lineStyle: { width: 1.6 }, emphasis: { focus: "series" } };
    });
    if (D.partialDay) {
      series.push({
        name: "partial day", type: "line", data: [], silent: true,
        markArea: {
          silent: true, itemStyle: { color: P.partial },
          label: { show: true, position: "insideTop", color: P.muted, formatter: "partial day" },
          data: [[{ xAxis: D.partialDay.start }, { xAxis: D.partialDay.end }]]
        }
      });
    }
    c.setOption(merge(base(P), {
      color: ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"],
      legend: {
        type: "scroll", top: 0, left: 0, right: 0, selected: selected, textStyle: { color: P.fg },
        data: D.countryDays.map(function (s) { return s.name; }),
        pageTextStyle: { color: P.muted }, pageIconColor: P.fg, pageIconInactiveColor: P.line, inactiveColor: P.muted
      },
      grid: { left: 8, right: 24, top: 64, bottom: 64, containLabel: true },
      tooltip: merge(base(P).tooltip, {
        trigger: "axis",
        formatter: function (ps) {
          if (!ps.length) return "";
          var t = ps[0].value[0];
          var last = D.partialDay && t === D.partialDay.start;
          var lines = ps.slice().sort(function (a, b) { return b.value[1] - a.value[1]; }).map(function (p) { return p.seriesName + ": " + fmt(p.value[1]); });
          if (last) lines.push("partial day: the logs end at " + D.partialDay.until);
          return tip(stamp(t, false), lines);
        }
      }),
      xAxis: { type: "time", axisLabel: { color: P.muted, hideOverlap: true }, axisLine: { lineStyle: { color: P.line } } },
      yAxis: { type: "value", min: 0, name: "attempts per day", nameTextStyle: { color: P.muted, align: "left" }, axisLabel: { color: P.muted, formatter: function (v) { return compact(v); } }, splitLine: { lineStyle: { color: P.line } } },
      dataZoom: [{ type: "inside", filterMode: "none" }, slider(P)],
      series: series
    }), true);
  }

  function heatChart() {
    var c = init("chart-heatmap");
    if (!c) return;
    var P = palette();
    var max = 0;
    D.heat.forEach(function (v) { max = Math.max(max, v[2]); });
    var days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    var hours = [];
    for (var h = 0; h < 24; h++) hours.push((h < 10 ? "0" : "") + h);
    c.setOption(merge(base(P), {
      grid: { left: 8, right: 16, top: 8, bottom: 80, containLabel: true },
      tooltip: merge(base(P).tooltip, {
        formatter: function (p) { return tip(days[p.value[1]] + " " + hours[p.value[0]] + ":00–" + hours[p.value[0]] + ":59 UTC", [fmt(p.value[2]) + " attempts"]); }
      }),
      xAxis: { type: "category", data: hours, name: "hour (UTC)", nameLocation: "middle", nameGap: 26, axisLabel: { color: P.muted }, splitArea: { show: false } },
      yAxis: { type: "category", data: days, inverse: true, axisLabel: { color: P.fg } },
      visualMap: {
        min: 0, max: Math.max(max, 1), calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 200,
        text: [fmt(max), "0"], textStyle: { color: P.fg },
        inRange: { color: ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"] }
      },
      series: [{
        type: "heatmap", data: D.heat,
        label: { show: true, fontSize: 10, formatter: function (p) { return compact(p.value[2]); } },
        itemStyle: { borderColor: dark ? "#0d1117" : "#fff", borderWidth: 1 }
      }]
    }), true);
  }

  // A piecewise legend that reads in counts: one piece per bin.
  function pieces(bins) {
    return bins.map(function (b) { return { min: b.lo, max: b.hi, label: b.label, color: b.color }; });
  }

  function geoBase(map, P, extra) {
    return merge({
      map: map, roam: true, aspectScale: 1, left: 8, right: 8, top: 8, bottom: 8,
      itemStyle: { areaColor: P.land, borderColor: P.border, borderWidth: 0.5 },
      emphasis: { label: { show: false }, itemStyle: { areaColor: dark ? "#57606a" : "#bdbdbd" } },
      select: { disabled: true },
      label: { show: false },
      regions: map === "knocks-world" ? [{
        name: "_sphere", silent: true, itemStyle: { areaColor: P.ocean, borderColor: P.line, borderWidth: 0.8 },
        emphasis: { disabled: true }, tooltip: { show: false }
      }] : []
    }, extra || {});
  }

  function choropleth(id, map, M, what) {
    var c = init(id);
    if (!c || !M) return;
    var P = palette();
    var byId = {};
    M.areas.forEach(function (a) { byId[a.id] = a; });
    var series = [{
      type: "map", geoIndex: 0, name: what,
      data: M.areas.map(function (a) { return { name: a.id, value: a.n }; })
    }];
    if (M.points && M.points.length && map === "knocks-world") {
      series.push({
        type: "scatter", coordinateSystem: "geo", name: "small countries", symbolSize: 8, z: 4,
        data: M.points.map(function (p) { return { value: [p.x, p.y, p.n], itemStyle: { color: binColor(M.bins, p.n), borderColor: P.fg, borderWidth: 0.8 } }; }),
        tooltip: { formatter: function (p) { var q = M.points[p.dataIndex]; return tip(q.name + " (" + q.info + ")", [fmt(q.n) + " attempts"]); } }
      });
    }
    if (M.bubbles && M.bubbles.length) {
      series.push(bubbleSeries(M.bubbles, M.bubbleMax, 40, "rgba(192,57,43,.55)", dark ? "#ffa198" : "#7f1d12", P, "bans"));
    }
    if (M.points && M.points.length && map === "knocks-us") {
      series.push(bubbleSeries(M.points, M.max, 36, dark ? "rgba(88,166,255,.55)" : "rgba(27,111,181,.45)", dark ? "#a5d6ff" : "#0b3a66", P));
    }
    c.setOption(merge(base(P), {
      tooltip: merge(base(P).tooltip, {
        trigger: "item",
        formatter: function (p) {
          var a = byId[p.name];
          if (!a) return "";
          return tip(a.name + " (" + a.id + ")", [fmt(a.n) + " " + what]);
        }
      }),
      geo: geoBase(map, P),
      visualMap: {
        type: "piecewise", seriesIndex: 0, pieces: pieces(M.bins), bottom: 8,
        left: map === "knocks-us" ? "auto" : 8, right: map === "knocks-us" ? 8 : "auto",
        text: null, textStyle: { color: P.fg }, itemWidth: 14, itemHeight: 12,
        outOfRange: { color: P.land }
      },
      series: series
    }), true);
  }

  // cityLabels is how many of the busiest cities are named on the maps.
  var cityLabels = 8;

  function bubbleSeries(points, max, maxSize, fill, stroke, P, what) {
    what = what || "attempts";
    return {
      type: "scatter", coordinateSystem: "geo", name: "cities", z: 5,
      // Symbol size is a diameter: the square root makes the area
      // proportional to attempts.
      symbolSize: function (v) { return Math.max(3, maxSize * Math.sqrt(v[2] / max)); },
      itemStyle: { color: fill, borderColor: stroke, borderWidth: 0.8 },
      // The busiest cities are named beside their bubbles.
      data: points.map(function (p, i) {
        var d = { value: [p.x, p.y, p.n] };
        if (i < cityLabels) {
          d.label = { show: true, position: "right", formatter: p.name, color: P.fg, fontSize: 11, textBorderColor: P.border, textBorderWidth: 2 };
        }
        return d;
      }),
      labelLayout: { hideOverlap: true },
      tooltip: { formatter: function (p) { var q = points[p.dataIndex]; return tip(q.name, [q.info, fmt(q.n) + " " + what]); } }
    };
  }

  function cityMap() {
    var c = init("chart-cities");
    if (!c || !D.cities) return;
    var P = palette();
    var refs = [D.cities.max];
    [0.25, 0.025].forEach(function (f) {
      var v = D.cities.max * f;
      if (v < 1) return;
      var m = Math.pow(10, Math.floor(Math.log10(v)));
      var r = Math.round(v / m) * m;
      if (r >= 1 && r < refs[refs.length - 1]) refs.push(r);
    });
    var maxSize = 44;
    c.setOption(merge(base(P), {
      tooltip: merge(base(P).tooltip, { trigger: "item" }),
      geo: geoBase("knocks-world", P, { tooltip: { show: false } }),
      // The size legend: reference bubbles with their counts.
      // Each row is a box of the largest bubble's size, with the label
      // centred on its bubble, so no label depends on its bubble's size
      // for room.
      graphic: refs.map(function (v, i) {
        var d = Math.max(3, maxSize * Math.sqrt(v / D.cities.max));
        return {
          // Above the map, whose ocean would otherwise cover the rows.
          type: "group", left: 12, bottom: 12 + i * (maxSize + 6), z: 100,
          children: [
            { type: "rect", z: 100, shape: { x: 0, y: 0, width: maxSize + 80, height: maxSize }, style: { fill: "transparent" }, silent: true },
            { type: "circle", z: 101, shape: { cx: maxSize / 2, cy: maxSize / 2, r: d / 2 }, style: { fill: "rgba(192,57,43,.35)", stroke: P.muted } },
            { type: "text", z: 102, x: maxSize + 8, y: maxSize / 2, style: { text: fmt(v), fill: P.fg, font: "12px sans-serif", verticalAlign: "middle" } }
          ]
        };
      }),
      series: [bubbleSeries(D.cities.points, D.cities.max, maxSize, "rgba(192,57,43,.55)", dark ? "#ffa198" : "#7f1d12", P)]
    }), true);
  }

  // Charts are drawn when they come near the viewport, so that the page
  // opens fast; renderAll draws the rest (for printing, and for tests).
  var pending = {};
  var io = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) run(e.target.id); });
  }, { rootMargin: "400px 0px" }) : null;
  function run(id) {
    var fn = pending[id];
    if (!fn) return;
    delete pending[id];
    if (io) io.unobserve(document.getElementById(id));
    drawn[id] = fn;
    fn();
  }
  function renderAll() {
    Object.keys(pending).forEach(run);
  }
  function schedule(id, fn) {
    var el = document.getElementById(id);
    if (!el) return;
    pending[id] = fn;
    var r = el.getBoundingClientRect();
    if (!io || (r.bottom > -400 && r.top < window.innerHeight + 400)) run(id);
    else io.observe(el);
  }

  function build() {
    schedule("chart-time", timeChart);
    schedule("chart-country-time", countryTimeChart);
    schedule("chart-users", function () { bars("chart-users", D.users, "attempts", function (r, P) { return r.valid ? P.valid : P.invalid; }); });
    schedule("chart-ips", function () { bars("chart-ips", D.ips, "attempts"); });
    schedule("chart-subnets", function () { bars("chart-subnets", D.subnets, "attempts"); });
    schedule("chart-asns", function () { bars("chart-asns", D.asns, "attempts"); });
    schedule("chart-countries", function () { bars("chart-countries", D.countries, "attempts"); });
    schedule("chart-ports", function () { bars("chart-ports", D.ports, "attempts"); });
    schedule("chart-heatmap", heatChart);
    if (D.world) schedule("chart-world", function () { choropleth("chart-world", "knocks-world", D.world, "attempts"); });
    schedule("chart-cities", cityMap);
    if (D.banned) schedule("chart-banned", function () { choropleth("chart-banned", "knocks-world", D.banned, "banned addresses"); });
    if (D.us) schedule("chart-us", function () { choropleth("chart-us", "knocks-us", D.us, "attempts"); });
  }

  // recolour draws every chart drawn so far again, on the same instance,
  // in the current palette; the others are drawn in it when they come
  // into view.
  function recolour() {
    Object.keys(drawn).forEach(function (id) { drawn[id](); });
  }
  // A change of colour scheme is drawn once, at the next frame, however
  // often it is asked for before then.
  var recolourFrame = 0;
  function recolourSoon() {
    if (recolourFrame) return;
    recolourFrame = requestAnimationFrame(function () { recolourFrame = 0; recolour(); });
  }

  document.querySelectorAll(".seg button").forEach(function (b) {
    b.setAttribute("aria-pressed", String(b.getAttribute("data-step") === step));
  });
  var mq = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  dark = !!(mq && mq.matches);
  build();

  document.querySelectorAll(".seg button").forEach(function (b) {
    b.addEventListener("click", function () {
      step = b.getAttribute("data-step");
      document.querySelectorAll(".seg button").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      if (drawn["chart-time"]) timeChart();
    });
  });
  var printing = false;
  if (mq && mq.addEventListener) {
    mq.addEventListener("change", function (e) {
      if (printing) return; // the print handlers set the colours
      if (dark !== e.matches) { dark = e.matches; recolourSoon(); }
    });
  }
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
  });
  // Print: light colours, open details, charts resized to the page. The
  // page is printed as it is when beforeprint returns, so this one draws
  // at once; afterprint draws at the next frame.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    printing = true;
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
    if (dark) { dark = false; recolour(); }
    renderAll();
    charts.forEach(function (c) { c.resize(); });
  });
  window.addEventListener("afterprint", function () {
    printing = false;
    closed.forEach(function (d) { d.open = false; });
    closed = [];
    var wantDark = !!(mq && mq.matches);
    if (wantDark !== dark) { dark = wantDark; recolourSoon(); }
    charts.forEach(function (c) { c.resize(); });
  });
  // The live dashboard (knocks serve) puts new data blocks in the page and
  // sends "knocks:data": the charts are drawn again from the new data.
  document.addEventListener("knocks:data", function () {
    D = readJSON("knocks-data");
    build();
  });
  window.knocksReport = {
    ready: true,
    ms: window.performance ? performance.now() : 0, // when the first charts were drawn
    renderAll: renderAll,
    charts: function () { return charts.slice(); }
  };
})();
