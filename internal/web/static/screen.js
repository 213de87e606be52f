// The command-centre big screen (/screen): draws the region's KPIs with
// Apache ECharts (static/vendor/echarts.min.js) from /api/v1/stats/*, and
// refreshes the live counters and the feed on each case event of
// /api/v1/stream. A file of its own: the pages' Content-Security-Policy
// allows no inline script or style, so every chart is drawn on canvas,
// tooltips included (renderMode "richText").
"use strict";
(function () {
  var body = document.body;
  if (!body.classList.contains("screen") || !window.echarts) {
    return;
  }
  var ds = body.dataset;
  var region = ds.region;
  var T = JSON.parse(document.getElementById("screen-texts").textContent);
  var q = "region_id=" + encodeURIComponent(region);
  var period = q + "&from=" + ds.from + "&to=" + ds.to;
  var zone = "Asia/Shanghai";

  var C = {
    text: "#d8e9f7", muted: "#7fa3c0", accent: "#38d6ff", gold: "#f5c451", good: "#2ed3a0", bad: "#ff5a4e",
    grid: "rgba(47,143,208,0.25)", load: ["#0f3050", "#1c8c7a", "#d09a1c", "#d8423a"],
    tiers: ["#38d6ff", "#2ed3a0", "#f5c451", "#f08a3c", "#ff5a4e"]
  };
  var tooltip = {
    renderMode: "richText", backgroundColor: "rgba(3,13,24,0.92)", borderColor: "#2f8fd0",
    textStyle: { color: C.text, fontSize: 15 }, padding: [8, 12]
  };

  // The screen is laid out for 1920×1080; another window scales it.
  function fit() {
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    body.style.transformOrigin = "0 0";
    body.style.transform = Math.abs(s - 1) < 0.01 ? "" : "scale(" + s + ")";
  }
  fit();

  // Charts move only for those who have not asked for less motion.
  var still = !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  var charts = {};
  function chart(id) {
    if (!charts[id]) {
      charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
      charts[id].setOption({ animation: !still });
    }
    return charts[id];
  }
  window.addEventListener("resize", function () {
    fit();
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  function get(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        throw new Error(path + ": HTTP " + r.status);
      }
      return r.json();
    });
  }
  function fail(err) {
    console.error("screen: " + err.message);
  }

  function pct(x) {
    return x === null || x === undefined ? "–" : (x * 100).toFixed(1) + "%";
  }
  function num(x) {
    return x === null || x === undefined ? "–" : String(x);
  }
  function setText(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) {
      var first = el.textContent === "–";
      el.textContent = value;
      if (!first) {
        el.classList.remove("flash");
        void el.offsetWidth; // restart the animation
        el.classList.add("flash");
      }
    }
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }
  // days lists the local dates of the period as "MM-DD".
  function days() {
    var out = [];
    var p = ds.from.split("-"), e = ds.to.split("-");
    var t = Date.UTC(+p[0], +p[1] - 1, +p[2]), end = Date.UTC(+e[0], +e[1] - 1, +e[2]);
    for (; t < end; t += 86400000) {
      out.push(new Date(t).toISOString().slice(5, 10));
    }
    return out;
  }
  var hm = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false });
  // "2026-03-09 15:30:03" (Sweden writes dates the ISO way).
  var stamp = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

  // The clock follows the server's time (the stats' "at"), ticking locally.
  // A new day reloads the page, whose periods end today.
  var serverAt = null, fetchedAt = 0;
  function tick() {
    if (serverAt !== null) {
      var now = stamp.format(new Date(serverAt + (Date.now() - fetchedAt)));
      document.getElementById("sc-clock").textContent = now;
      if (now.slice(0, 10) > ds.today) {
        location.reload();
      }
    }
  }
  setInterval(tick, 1000);

  // Live: today's counters, open cases, the feed, the map's load.
  var seen = null;
  function renderLive(l) {
    serverAt = Date.parse(l.at);
    fetchedAt = Date.now();
    tick();
    setText("c-reported", num(l.today.reported));
    setText("c-closed", num(l.today.closed));
    setText("c-overdue", num(l.open_overdue));
    setText("c-open", num(l.open));
    var list = document.getElementById("feed");
    var now = {};
    list.textContent = "";
    if (!l.feed.length) {
      list.appendChild(el("li", "sc-empty", T.feed_empty));
    }
    l.feed.forEach(function (f) {
      now[f.number] = true;
      var li = el("li", seen && !seen[f.number] ? "new" : "");
      li.dataset.number = f.number;
      var t = el("time", "", hm.format(new Date(f.reported_at)));
      t.setAttribute("datetime", f.reported_at);
      li.appendChild(t);
      li.appendChild(el("span", "cat", f.category_name));
      li.appendChild(el("span", "st " + f.state, f.state_label));
      li.appendChild(el("span", "meta", f.number + " · " + (f.grid_name || "–")));
      list.appendChild(li);
    });
    seen = now;
  }
  function refreshLive() {
    get("/api/v1/stats/live?" + q).then(renderLive).catch(fail);
    get("/api/v1/stats/load?" + q).then(renderLoad).catch(fail);
  }

  // The map: the child regions (outlined, named) over the grids (coloured
  // by their open and overdue cases). A click goes down one level.
  var mapReady = false, gridData = [], childData = [];
  function loadClass(open, overdue) {
    if (!open) {
      return 0;
    }
    if (!overdue) {
      return 1;
    }
    return overdue * 10 < open * 3 ? 2 : 3;
  }
  function areaDatum(p) {
    return { name: p.name, value: loadClass(p.open, p.open_overdue), label_: p.label, open: p.open, overdue: p.open_overdue, child: p.child_id };
  }
  function drawMap(fc) {
    var grids = { type: "FeatureCollection", features: [] }, kids = { type: "FeatureCollection", features: [] };
    var minX = 180, minY = 90, maxX = -180, maxY = -90;
    function walk(c) {
      if (typeof c[0] === "number") {
        minX = Math.min(minX, c[0]); maxX = Math.max(maxX, c[0]);
        minY = Math.min(minY, c[1]); maxY = Math.max(maxY, c[1]);
        return;
      }
      c.forEach(walk);
    }
    fc.features.forEach(function (f) {
      walk(f.geometry.coordinates);
      (f.properties.layer === "child" ? kids : grids).features.push(f);
    });
    gridData = grids.features.map(function (f) { return areaDatum(f.properties); });
    childData = kids.features.map(function (f) { return areaDatum(f.properties); });
    if (!fc.features.length) {
      chart("ch-map").setOption({ title: { text: T.no_data, left: "center", top: "middle", textStyle: { color: C.muted, fontSize: 18 } } });
      return;
    }
    echarts.registerMap("gw-grids-" + region, grids);
    var bounds = [[minX, maxY], [maxX, minY]];
    // Both layers on the same box, so that they lie on each other: as
    // large as the panel allows, in the territory's proportions
    // (layoutSize is the longer side).
    var m = chart("ch-map");
    var scale = Math.cos((minY + maxY) / 2 * Math.PI / 180);
    var aspect = (maxX - minX) / Math.max(maxY - minY, 1e-9) * scale;
    var boxW = m.getWidth() - 32, boxH = m.getHeight() - 44;
    var size = aspect >= 1 ? Math.min(boxW, boxH * aspect) : Math.min(boxH, boxW / aspect);
    var place = { boundingCoords: bounds, layoutCenter: [16 + boxW / 2, 36 + boxH / 2], layoutSize: size, aspectScale: scale, roam: false };
    var onlyGrids = childData.length === 0;
    var series = [Object.assign({
      type: "map", map: "gw-grids-" + region, data: gridData, selectedMode: false, z: 1,
      itemStyle: { borderColor: "rgba(120,200,255,0.55)", borderWidth: onlyGrids ? 1.5 : 0.6 },
      emphasis: { itemStyle: { areaColor: "#3a7bd5" }, label: { show: true, color: "#fff" } },
      label: { show: onlyGrids && gridData.length <= 40, color: C.text, fontSize: 13, formatter: function (p) { return p.data ? p.data.label_ : ""; } }
    }, place)];
    if (!onlyGrids) {
      echarts.registerMap("gw-kids-" + region, kids);
      series.push(Object.assign({
        type: "map", map: "gw-kids-" + region, data: childData, silent: true, z: 2, selectedMode: false,
        itemStyle: { areaColor: "rgba(0,0,0,0)", borderColor: C.accent, borderWidth: 2.2, shadowColor: "rgba(56,214,255,0.8)", shadowBlur: 8 },
        label: {
          show: true, color: "#fff", fontSize: 16, fontWeight: "bold", textBorderColor: "#031020", textBorderWidth: 3,
          formatter: function (p) { return p.data ? p.data.label_ + "\n" + T.open + " " + p.data.open : p.name; }
        }
      }, place));
    }
    m.setOption({
      tooltip: Object.assign({ trigger: "item", formatter: function (p) {
        var d = p.data;
        if (!d) {
          return p.name;
        }
        return d.label_ + "\n" + T.open + " " + d.open + " · " + T.open_overdue + " " + d.overdue;
      } }, tooltip),
      visualMap: {
        type: "piecewise", show: false, seriesIndex: series.length > 1 ? [0] : 0, dimension: 0,
        pieces: [0, 1, 2, 3].map(function (v) { return { value: v, color: C.load[v] }; })
      },
      series: series
    });
    m.on("click", function (p) {
      if (!p.data) {
        return;
      }
      var target = p.data.child;
      if (ds.level !== "grid" && target && String(target) !== region) {
        location.href = "/screen?region=" + target;
      }
    });
    mapReady = true;
  }
  function renderLoad(load) {
    if (!mapReady) {
      return;
    }
    var by = {};
    load.items.forEach(function (l) { by["r" + l.region_id] = l; });
    function upd(d) {
      var l = by[d.name];
      if (l) {
        d.open = l.open;
        d.overdue = l.open_overdue;
        d.value = loadClass(l.open, l.open_overdue);
      }
    }
    gridData.forEach(upd);
    childData.forEach(upd);
    var series = [{ data: gridData }];
    if (childData.length) {
      series.push({ data: childData });
    }
    chart("ch-map").setOption({ series: series });
  }

  // The period's panels: KPIs, trend, categories, tiers, satisfaction,
  // rankings.
  function renderKPIs(k) {
    setText("k-on_time_closure", pct(k.on_time_closure));
    setText("k-closure_rate", pct(k.closure_rate));
    setText("k-grid_share", pct(k.grid_share));
    setText("k-rework_rate", pct(k.rework_rate));
    setText("k-avg_handle_hours", k.avg_handle_hours === null ? "–" : k.avg_handle_hours.toFixed(1) + " " + T.hours);
    setText("k-reported", num(k.reported));
    var tiers = ["grid", "community", "street", "district", "city"].map(function (t, i) {
      var n = k["closed_at_" + t] || 0;
      return { name: T["tier." + t], value: n, itemStyle: { color: C.tiers[i] } };
    }).filter(function (d) { return d.value > 0; });
    chart("ch-tiers").setOption({
      tooltip: Object.assign({ trigger: "item", formatter: function (p) { return p.name + "\n" + p.value + " · " + p.percent + "%"; } }, tooltip),
      title: tiers.length ? { show: false } : { show: true, text: T.no_data, left: "center", top: "middle", textStyle: { color: C.muted, fontSize: 16 } },
      series: [{
        type: "pie", radius: ["42%", "68%"], center: ["50%", "54%"], data: tiers, minAngle: 4,
        itemStyle: { borderColor: "#061a2e", borderWidth: 2 },
        label: { color: C.text, fontSize: 14, formatter: function (p) { return p.name + "\n" + p.percent + "%"; } },
        labelLine: { lineStyle: { color: C.muted } }
      }]
    });
    var sat = k.satisfaction === null ? 0 : Math.round(k.satisfaction * 1000) / 10;
    chart("ch-sat").setOption({
      series: [{
        type: "gauge", startAngle: 210, endAngle: -30, min: 0, max: 100, radius: "88%", center: ["50%", "56%"],
        progress: { show: true, width: 14, itemStyle: { color: sat >= 90 ? C.good : sat >= 80 ? C.gold : C.bad } },
        axisLine: { lineStyle: { width: 14, color: [[1, "rgba(47,143,208,0.25)"]] } },
        axisTick: { show: false }, splitLine: { length: 8, lineStyle: { color: C.muted } },
        axisLabel: { color: C.muted, fontSize: 11, distance: 18 }, pointer: { show: false }, anchor: { show: false },
        title: { offsetCenter: [0, "52%"], color: C.muted, fontSize: 13 },
        detail: { offsetCenter: [0, "5%"], fontSize: 34, fontWeight: "bold", color: "#fff",
          formatter: function () { return k.satisfaction === null ? "–" : sat.toFixed(1) + "%"; } },
        data: [{ value: sat, name: T.ratings + " " + k.ratings + " · " + T.satisfied + " " + k.satisfied }]
      }]
    });
  }
  function renderSeries(s) {
    var labels = days();
    var rep = labels.map(function () { return 0; }), clo = rep.slice();
    s.items.forEach(function (p, i) {
      if (i < labels.length) {
        rep[i] = p.reported;
        clo[i] = p.closed;
      }
    });
    chart("ch-trend").setOption({
      grid: { left: 44, right: 16, top: 36, bottom: 28 },
      legend: { top: 0, right: 8, textStyle: { color: C.text, fontSize: 14 }, itemWidth: 18 },
      tooltip: Object.assign({ trigger: "axis" }, tooltip),
      xAxis: { type: "category", data: labels, boundaryGap: false, axisLine: { lineStyle: { color: C.muted } }, axisLabel: { color: C.muted, fontSize: 12 } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: C.grid } }, axisLabel: { color: C.muted, fontSize: 12 } },
      series: [
        { name: T.trend_reported, type: "line", data: rep, smooth: 0.3, symbol: "none", lineStyle: { width: 2.5, color: C.accent },
          areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "rgba(56,214,255,0.45)" }, { offset: 1, color: "rgba(56,214,255,0)" }]) },
          itemStyle: { color: C.accent } },
        { name: T.trend_closed, type: "line", data: clo, smooth: 0.3, symbol: "none", lineStyle: { width: 2.5, color: C.good },
          areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [{ offset: 0, color: "rgba(46,211,160,0.35)" }, { offset: 1, color: "rgba(46,211,160,0)" }]) },
          itemStyle: { color: C.good } }
      ]
    });
  }
  function renderCategories(b) {
    var rows = b.items.slice(0, 10).reverse();
    chart("ch-cats").setOption({
      grid: { left: 8, right: 48, top: 6, bottom: 6, containLabel: true },
      tooltip: Object.assign({ trigger: "item", formatter: function (p) { return p.name + "\n" + T.cases + " " + p.value; } }, tooltip),
      title: rows.length ? { show: false } : { show: true, text: T.no_data, left: "center", top: "middle", textStyle: { color: C.muted, fontSize: 16 } },
      xAxis: { type: "value", show: false },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label || r.key; }), axisLine: { show: false }, axisTick: { show: false },
        axisLabel: { color: C.text, fontSize: 14, width: 150, overflow: "truncate" } },
      series: [{
        type: "bar", data: rows.map(function (r) { return r.reported; }), barWidth: "58%",
        itemStyle: { borderRadius: [0, 3, 3, 0], color: new echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: "#1d6fa8" }, { offset: 1, color: C.accent }]) },
        label: { show: true, position: "right", color: C.gold, fontSize: 14 }
      }]
    });
  }
  function table(id, rows, cols, link) {
    var tb = document.getElementById(id);
    tb.textContent = "";
    if (!rows.length) {
      var tr = el("tr"), td = el("td", "sc-empty", T.no_data);
      td.colSpan = 4;
      tr.appendChild(td);
      tb.appendChild(tr);
      return;
    }
    rows.forEach(function (r, i) {
      var tr = el("tr");
      var rk = el("td");
      rk.appendChild(el("span", "rk", String(i + 1)));
      tr.appendChild(rk);
      var name = el("td");
      if (link) {
        var a = el("a", "", r.label || r.key);
        a.href = "/screen?region=" + encodeURIComponent(r.key);
        name.appendChild(a);
      } else {
        name.textContent = r.label || r.key;
      }
      tr.appendChild(name);
      cols.forEach(function (c) {
        var td = el("td", "num");
        var v = c(r);
        if (typeof v === "number") {
          var bar = el("span", "bar");
          bar.style.width = Math.round(Math.max(0, Math.min(1, v)) * 60) + "px";
          td.appendChild(bar);
          td.appendChild(document.createTextNode(pct(v)));
        } else {
          td.textContent = v;
        }
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
  }
  // rank orders rows by a rate, highest first, rows without it last.
  function rank(rows, key, then) {
    return rows.slice().sort(function (a, b) {
      var x = a[key] === null ? -1 : a[key], y = b[key] === null ? -1 : b[key];
      return y - x || b[then] - a[then];
    });
  }
  function refreshPeriod() {
    get("/api/v1/stats/kpis?" + period).then(renderKPIs).catch(fail);
    get("/api/v1/stats/series?" + period).then(renderSeries).catch(fail);
    get("/api/v1/stats/breakdown?" + period + "&by=category&limit=10").then(renderCategories).catch(fail);
    if (ds.level !== "grid") {
      get("/api/v1/stats/breakdown?" + period + "&by=region&limit=100").then(function (b) {
        table("t-regions", rank(b.items, "on_time_closure", "closed").slice(0, 8), [
          function (r) { return r.on_time_closure === null ? "–" : r.on_time_closure; },
          function (r) { return r.satisfaction === null ? "–" : r.satisfaction; }
        ], true);
      }).catch(fail);
    } else {
      table("t-regions", [], [], false);
    }
    get("/api/v1/stats/breakdown?" + period + "&by=person&limit=100").then(function (b) {
      var rows = b.items.filter(function (r) { return r.handled > 0; });
      rows.sort(function (a, b) { return b.handled - a.handled || (b.on_time_handling || 0) - (a.on_time_handling || 0); });
      table("t-workers", rows.slice(0, 7), [
        function (r) { return String(r.handled); },
        function (r) { return r.on_time_handling === null ? "–" : r.on_time_handling; }
      ], false);
    }).catch(fail);
  }

  get("/api/v1/stats/map?" + q).then(function (fc) {
    drawMap(fc);
    refreshLive();
  }).catch(fail);
  refreshPeriod();
  setInterval(refreshLive, 30000);
  setInterval(refreshPeriod, 60000);

  // Each case event refreshes the live figures twice: soon (the case's own
  // row and the feed), and again after the projector's next round (every
  // 500 ms in serve) has added the event to today's counters — within 2 s.
  // The period's panels follow at most every 10 s.
  if (window.EventSource) {
    var live = document.getElementById("sc-live");
    var stream = new EventSource("/api/v1/stream");
    var soon = null, later = null, lastPeriod = 0;
    var onEvent = function () {
      if (!soon) {
        soon = setTimeout(function () { soon = null; refreshLive(); }, 250);
      }
      clearTimeout(later);
      later = setTimeout(refreshLive, 1100);
      if (Date.now() - lastPeriod > 10000) {
        lastPeriod = Date.now();
        setTimeout(refreshPeriod, 1200);
      }
    };
    ds.live.split(" ").forEach(function (kind) {
      if (kind) {
        stream.addEventListener(kind, onEvent);
      }
    });
    stream.onopen = function () {
      live.textContent = T.live_on;
      live.classList.add("on");
    };
    stream.onerror = function () {
      live.textContent = T.live_off;
      live.classList.remove("on");
    };
    window.addEventListener("pagehide", function () { stream.close(); });
  }
})();
