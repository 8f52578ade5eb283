"use strict";
// The report's views, drawn on demand from the embedded data.  Every element is
// made with createElement / createElementNS and every text set with textContent:
// nothing an article holds is ever read as markup.
(function () {
  var SVGNS = "http://www.w3.org/2000/svg";
  var PALETTE = 10;  // partners coloured one by one in a document view; the rest share one colour

  function decode(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  function sv(tag, attrs) {
    var n = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    return n;
  }
  function clear(n) { while (n.firstChild) { n.removeChild(n.firstChild); } }
  function pct(x) { return Math.round(x * 1000) / 10 + "%"; }
  function short(s, n) { s = String(s || ""); return s.length <= n ? s : s.slice(0, n - 1).replace(/\s+$/, "") + "\u2026"; }
  function oneLine(s) { return String(s || "").replace(/\s+/g, " ").trim(); }

  function start(D) {
    var docs = D.docs, pairs = D.pairs, edges = D.edges, fams = D.families, G = D.glossary;
    var NODE_W = D.node[0], NODE_H = D.node[1], LABEL_W = D.node[2];
    var byId = {}, latentOf = {}, parentEdge = {}, kidsOf = {}, famOf = {}, pairsOf = {}, pairOf = {};
    docs.forEach(function (d, i) { byId[d[0]] = i; pairsOf[i] = []; });
    D.latent.forEach(function (x) { latentOf[x[0]] = x; });
    edges.forEach(function (e, k) { parentEdge[e[0]] = k; (kidsOf[e[1]] = kidsOf[e[1]] || []).push(k); });
    fams.forEach(function (f, k) { f[1].forEach(function (m) { famOf[m] = k; }); });
    pairs.forEach(function (p, k) { pairsOf[p[0]].push(k); pairsOf[p[1]].push(k); pairOf[p[0] + "," + p[1]] = k; });
    var view = document.getElementById("view");
    var haystack = docs.map(function (d) { return (d[1] + " \u0001 " + d[2] + " \u0001 " + d[6] + " \u0001 " + d[0]).toLowerCase(); });

    function term(name, shown) {
      var s = el("span", "term", shown || name);
      if (G[name]) { s.title = G[name]; }
      s.tabIndex = 0;
      return s;
    }
    function name(id) {
      var i = byId[id];
      if (i !== undefined) { return docs[i][1] || id; }
      var x = latentOf[id];
      return x ? "missing source: " + x[1] : id;
    }
    function docLink(id, text) {
      var a = el("a", latentOf[id] ? "doclink latent" : "doclink", text === undefined ? id : text);
      a.href = "#view"; a.setAttribute("data-doc", id); a.title = name(id);
      a.addEventListener("click", function (ev) { ev.preventDefault(); showDoc(id, true); });
      return a;
    }
    function pairLink(a, b, text) {
      var n = el("a", "pairlink", text);
      n.href = "#view"; n.setAttribute("data-a", a); n.setAttribute("data-b", b);
      n.addEventListener("click", function (ev) { ev.preventDefault(); showPair(a, b, true); });
      return n;
    }

    // ---- sortable, paged tables -------------------------------------------
    function table(box, columns, rows, opts) {
      var state = {col: opts.sort || 0, dir: opts.dir || -1, page: 0}, PAGE = opts.page || 25;
      var order = rows.map(function (_, i) { return i; });
      function sort() {
        var c = columns[state.col], dir = state.dir;
        var keys = rows.map(function (r) { return c.key(r); });
        order.sort(function (x, y) {
          var a = keys[x], b = keys[y];
          if (a < b) { return -dir; }
          if (a > b) { return dir; }
          return x - y;
        });
      }
      function draw() {
        clear(box);
        var pages = Math.max(1, Math.ceil(rows.length / PAGE));
        state.page = Math.min(state.page, pages - 1);
        var t = el("table", "data " + (opts.cls || "")), head = el("tr");
        columns.forEach(function (c, k) {
          var th = el("th", c.num ? "num" : null);
          var b = el("button", "sort", null);
          b.type = "button";
          if (c.term) { b.appendChild(term(c.term, c.label)); } else { b.textContent = c.label; }
          b.appendChild(el("span", "arrow", k === state.col ? (state.dir > 0 ? " \u25b2" : " \u25bc") : ""));
          th.setAttribute("aria-sort", k === state.col ? (state.dir > 0 ? "ascending" : "descending") : "none");
          b.addEventListener("click", function () {
            if (state.col === k) { state.dir = -state.dir; } else { state.col = k; state.dir = c.num ? -1 : 1; }
            state.page = 0; sort(); draw();
          });
          th.appendChild(b);
          head.appendChild(th);
        });
        var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
        var body = el("tbody");
        order.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (ri) {
          var r = rows[ri], tr = el("tr");
          tr.setAttribute("data-row", String(ri));
          columns.forEach(function (c) {
            var td = el("td", c.num ? "num" : null), v = c.cell ? c.cell(r) : c.key(r);
            if (v instanceof Node) { td.appendChild(v); } else { td.textContent = v === null || v === undefined ? "" : String(v); }
            tr.appendChild(td);
          });
          if (opts.onRow) {
            tr.className = "clickable";
            tr.addEventListener("click", function (ev) { if (!ev.target.closest("a, button")) { opts.onRow(r); } });
          }
          body.appendChild(tr);
        });
        t.appendChild(body);
        box.appendChild(t);
        var nav = el("div", "pager");
        var prev = el("button", "prev", "\u2190 previous"), next = el("button", "next", "next \u2192");
        prev.type = next.type = "button";
        prev.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
        prev.addEventListener("click", function () { state.page -= 1; draw(); });
        next.addEventListener("click", function () { state.page += 1; draw(); });
        nav.appendChild(prev);
        nav.appendChild(el("span", "where", " page " + (state.page + 1) + " of " + pages + " (" + rows.length + " rows) "));
        nav.appendChild(next);
        if (pages === 1) { prev.hidden = next.hidden = true; }
        box.appendChild(nav);
      }
      sort(); draw();
      return {showRow: function (pred) {
        var at = order.findIndex(function (ri) { return pred(rows[ri]); });
        if (at >= 0) { state.page = Math.floor(at / PAGE); draw(); }
      }};
    }

    // ---- one family drawn at a time, with fit, zoom and pan ----------------
    var svg = document.getElementById("tree"), wrap = document.getElementById("tree-wrap");
    var gEdges = document.getElementById("tree-edges"), gNodes = document.getElementById("tree-nodes");
    var vb = {x: 0, y: 0, w: 100, h: 100}, size = {w: 100, h: 100}, current = -1;
    function setVB() { svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(function (v) { return v.toFixed(1); }).join(" ")); }
    function fit() {
      // a small family gets a small window; a large one the usual 70% of the screen
      wrap.style.height = Math.round(Math.min(0.7 * window.innerHeight, Math.max(240, size.h + 24))) + "px";
      var r = wrap.getBoundingClientRect(), bw = Math.max(r.width, 50), bh = Math.max(r.height, 50);
      var s = Math.min(bw / size.w, bh / size.h, 1);
      vb.w = bw / s; vb.h = bh / s; vb.x = (size.w - vb.w) / 2; vb.y = (size.h - vb.h) / 2;
      setVB();
    }
    function zoom(f, cx, cy) {
      if (cx === undefined) { cx = vb.x + vb.w / 2; cy = vb.y + vb.h / 2; }
      var w = vb.w * f;
      if (w < 80 || w > 40 * Math.max(size.w, size.h)) { return; }
      vb.x = cx - (cx - vb.x) * f; vb.y = cy - (cy - vb.y) * f; vb.w = w; vb.h = vb.h * f;
      setVB();
    }
    function userPoint(ev) {
      var r = wrap.getBoundingClientRect();
      var s = Math.max(vb.w / r.width, vb.h / r.height);  // meet: the larger scale decides
      var ox = (r.width * s - vb.w) / 2, oy = (r.height * s - vb.h) / 2;
      return [vb.x - ox + (ev.clientX - r.left) * s, vb.y - oy + (ev.clientY - r.top) * s, s];
    }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = userPoint(ev);
      zoom(ev.deltaY > 0 ? 1.2 : 1 / 1.2, p[0], p[1]);
    }, {passive: false});
    var drag = null, dragged = false;
    svg.addEventListener("pointerdown", function (ev) { drag = {x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y, id: ev.pointerId}; dragged = false; });
    svg.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) { return; }
      if (!dragged) { dragged = true; svg.setPointerCapture(drag.id); svg.classList.add("panning"); }
      var s = userPoint(ev)[2];
      vb.x = drag.vx - dx * s; vb.y = drag.vy - dy * s; setVB();
    });
    function endDrag() { drag = null; svg.classList.remove("panning"); }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);
    svg.addEventListener("click", function (ev) { if (dragged) { ev.stopPropagation(); ev.preventDefault(); dragged = false; } }, true);
    document.getElementById("fit").addEventListener("click", fit);
    document.getElementById("zoom-in").addEventListener("click", function () { zoom(1 / 1.4); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoom(1.4); });

    function fitText(t, max) {
      var full = t.textContent, w = t.getComputedTextLength();
      if (w <= max) { return; }
      var n = Math.max(1, Math.floor(full.length * max / w) - 1);
      t.textContent = short(full, n);
      while (n > 2 && t.getComputedTextLength() > max) { n -= 2; t.textContent = short(full, n); }
    }
    function drawFamily(k, found) {
      var f = fams[k];
      current = k;
      clear(gEdges); clear(gNodes);
      var pos = {};
      f[1].forEach(function (m, i) { pos[m] = [f[2][2 * i], f[2][2 * i + 1]]; });
      size.w = f[3]; size.h = f[4];
      var texts = [];
      f[1].forEach(function (m) {
        var k2 = parentEdge[m];
        if (k2 === undefined || pos[edges[k2][1]] === undefined) { return; }
        var e = edges[k2], p = pos[e[1]], c = pos[m];
        var x1 = p[0] + NODE_W, y1 = p[1] + NODE_H / 2, x2 = c[0], y2 = c[1] + NODE_H / 2, mx = (x1 + x2) / 2;
        var g = sv("g", {"class": "edge", tabindex: "0", "data-parent": e[1], "data-child": e[0]});
        g.appendChild(sv("path", {d: "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + (x2 - 2) + "," + y2,
          "stroke-width": (1 + 4 * Number(e[2])).toFixed(1), "marker-end": "url(#arrow)", "class": "line"}));
        g.appendChild(sv("path", {d: "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2, "class": "hit"}));
        var label = sv("text", {x: x2 - 8, y: y2 - 6, "class": "elabel", "text-anchor": "end"});
        label.textContent = e[3] + " " + Number(e[2]).toFixed(2);
        g.appendChild(label);
        texts.push([label, LABEL_W]);
        var title = sv("title"); title.textContent = e[5]; g.appendChild(title);
        function go() { showPair(e[1], e[0], true); }
        g.addEventListener("click", go);
        g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
        gEdges.appendChild(g);
      });
      f[1].forEach(function (m) {
        var p = pos[m], x = latentOf[m], d = x ? null : docs[byId[m]];
        var g = sv("g", {"class": x ? "node latent" : "node", tabindex: "0", "data-doc": m, transform: "translate(" + p[0] + "," + p[1] + ")"});
        if (m === found) { g.classList.add("found"); }
        g.appendChild(sv("rect", {x: 0, y: 0, width: NODE_W, height: NODE_H, rx: 6}));
        var lines = x ? ["missing source: " + x[1], x[2].length + " documents share it", m]
          : [oneLine(d[1]) || d[0], [d[2], d[3].slice(0, 10), d[5] + " words", d[7].length ? "+" + d[7].length + " identical" : ""].filter(Boolean).join(" \u00b7 "), d[6]];
        ["ntitle", "nmeta", "nfile"].forEach(function (cls, i) {
          var t = sv("text", {x: 7, y: 18 + 21 * i, "class": cls});  // 21: a line's box (ascent and descent), not its glyphs
          t.textContent = lines[i];
          g.appendChild(t);
          texts.push([t, NODE_W - 14]);
        });
        var title = sv("title");
        title.textContent = x ? m + ": inferred source of " + x[2].join(", ")
          : d[0] + ": " + oneLine(d[1]) + "\n" + d[6] + (d[7].length ? "\nidentical copies: " + d[7].join(", ") : "");
        g.appendChild(title);
        function go() { showDoc(m, true); }
        g.addEventListener("click", go);
        g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
        gNodes.appendChild(g);
      });
      texts.forEach(function (t) { fitText(t[0], t[1]); });
      var root = f[0];
      document.getElementById("family-caption").textContent = "Family " + (k + 1) + " of " + fams.length + ": " +
        f[1].length + " members, from " + short(oneLine(name(root)), 70) + " (" + root + ")";
      svg.setAttribute("data-family", String(k));
      fit();
    }

    // ---- search ------------------------------------------------------------
    var search = document.getElementById("search"), results = document.getElementById("search-results");
    function find(q) {
      var words = q.toLowerCase().split(/\s+/).filter(Boolean), out = [];
      if (!words.length) { return out; }
      for (var i = 0; i < haystack.length && out.length < 20; i++) {
        var h = haystack[i], ok = true;
        for (var w = 0; w < words.length; w++) { if (h.indexOf(words[w]) < 0) { ok = false; break; } }
        if (ok) { out.push(i); }
      }
      return out;
    }
    function goDoc(id) {
      clear(results);
      if (famOf[id] !== undefined) {
        drawFamily(famOf[id], id);
        document.getElementById("families").scrollIntoView({block: "start"});
        showDoc(id, false);
      } else {
        showDoc(id, true);
      }
    }
    search.addEventListener("input", function () {
      clear(results);
      find(search.value).forEach(function (i) {
        var d = docs[i], li = el("li"), b = el("button", "result");
        b.type = "button"; b.setAttribute("data-doc", d[0]);
        b.appendChild(el("span", "r-title", short(oneLine(d[1]) || d[0], 90)));
        b.appendChild(el("span", "r-meta", [d[2], d[3].slice(0, 10), d[6], famOf[d[0]] !== undefined ? "family " + (famOf[d[0]] + 1) : "no derivation"].filter(Boolean).join(" \u00b7 ")));
        b.addEventListener("click", function () { goDoc(d[0]); });
        li.appendChild(b);
        results.appendChild(li);
      });
    });
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { var first = results.querySelector("button.result"); if (first) { first.click(); } }
      if (ev.key === "Escape") { clear(results); }
    });

    // ---- the evidence of one edge, in plain words and in figures ----------
    function evidenceBox(k) {
      var box = el("div", "evidence");
      if (k === undefined || k < 0) {
        box.appendChild(el("p", null, "No derivation claimed between these two documents: they share text, but the evidence did not decide that one copied the other."));
        return box;
      }
      var e = edges[k], ev = e[4] || {};
      box.appendChild(el("p", "verdict", e[5]));
      var claim = el("p", "claim");
      claim.appendChild(document.createTextNode(e[0] + " derives from " + e[1] + " ("));
      claim.appendChild(term(e[3]));
      claim.appendChild(document.createTextNode(", "));
      claim.appendChild(term("confidence"));
      claim.appendChild(document.createTextNode(" " + Number(e[2]).toFixed(2) + ")"));
      box.appendChild(claim);
      var ul = el("ul", "figures");
      function li(t, label, value) {
        if (value === undefined || value === null || value === "") { return; }
        var item = el("li");
        item.appendChild(term(t, label));
        item.appendChild(document.createTextNode(": " + value));
        ul.appendChild(item);
      }
      var d = ev.direction || {};
      li("verbatim share", "share of the child verbatim in the parent", ev.covered_child !== undefined ? pct(ev.covered_child) : null);
      li("verbatim share", "share of the parent verbatim in the child", ev.covered_parent !== undefined ? pct(ev.covered_parent) : null);
      li("weighted share", "weighted share of the child in the parent", ev.covered_child_weighted !== undefined ? pct(ev.covered_child_weighted) : null);
      li("word-pair containment", "word pairs of the child found in the parent", ev.bigram_containment !== undefined ? pct(ev.bigram_containment) : null);
      li("relatedness", "relatedness", ev.relatedness);
      if (d.by) { li(d.by, "direction decided by " + d.by, d.probability !== undefined ? "probability " + Number(d.probability).toFixed(2) + " that this way round is right" : "yes"); }
      if (d.times) { li("times", "published (child; parent)", d.times.child + "; " + d.times.parent); }
      if (d.dates && (d.dates.child || d.dates.parent)) { li("dates", "publication dates (child; parent)", (d.dates.child || "not stated") + "; " + (d.dates.parent || "not stated")); }
      if (d.attribution) { li("attribution", "outlet the child credits", d.attribution.join(", ")); }
      if (d.readings) { li("triangulation", "words the related documents keep (parent's wording; child's)", d.readings.parent + "; " + d.readings.child); }
      var against = (ev.tree && ev.tree.against) || ev.against;
      if (against && against.length) { li("readings", "readings it shares with the parent and not with " + against.slice(0, 3).join(", ") + (against.length > 3 ? " and " + (against.length - 3) + " more" : ""), String(ev.readings_n || 0)); }
      if (ev.tree && ev.tree.events !== undefined) { li("change events", "change events between the two", ev.tree.events); }
      if (ev.tree && ev.tree.omissions) { li("omissions", "places where one lacks the other's text (child; parent)", ev.tree.omissions.child + "; " + ev.tree.omissions.parent); }
      if (ev.cues && ev.cues.length) { li("attribution", "outlets the child names", ev.cues.join(", ")); }
      li("quotation", "shared passages in quotation marks", ev.quoted_passages || null);
      li("stock phrase", "shared stock phrases", ev.stock_passages || null);
      if (ev.explained_by) { li("confidence", "confidence halved: better explained by", ev.explained_by.document); }
      if (ev.latent) { li("missing source", "missing source", ev.latent + (ev.label ? " (" + ev.label + ")" : "")); }
      if (ev.via) { li("confidence", "closest document to the missing source", ev.via.document); }
      li("raw score", "raw score", ev.score);
      box.appendChild(ul);
      return box;
    }

    // ---- a pair: both texts side by side -----------------------------------
    function sideText(text, marks) {
      var box = el("div", "text");
      marks.sort(function (x, y) { return x.s - y.s || y.e - x.e; });
      var at = 0;
      marks.forEach(function (m) {
        if (m.s < at) { return; }  // overlaps a passage already drawn on this side
        box.appendChild(document.createTextNode(text.slice(at, m.s)));
        var mark = el("mark", m.kind === "aligned" ? "edited aligned" : "edited");
        mark.setAttribute("data-p", String(m.k));
        mark.tabIndex = 0;
        var pos = m.s;
        m.runs.sort(function (x, y) { return x[0] - y[0]; }).forEach(function (r) {
          if (r[0] < pos || r[1] > m.e) { return; }
          mark.appendChild(document.createTextNode(text.slice(pos, r[0])));
          mark.appendChild(el("span", "exact", text.slice(r[0], r[1])));
          pos = r[1];
        });
        mark.appendChild(document.createTextNode(text.slice(pos, m.e)));
        box.appendChild(mark);
        at = m.e;
      });
      box.appendChild(document.createTextNode(text.slice(at)));
      return box;
    }
    function link(n) {
      var marks = view.querySelectorAll("mark[data-p='" + n.getAttribute("data-p") + "']");
      Array.prototype.forEach.call(view.querySelectorAll("mark.active"), function (m) { m.classList.remove("active"); });
      Array.prototype.forEach.call(marks, function (m) {
        m.classList.add("active");
        if (m !== n) { m.scrollIntoView({block: "center", behavior: "auto"}); }
      });
    }
    function printButton() {
      var b = el("button", "print", "print this view");
      b.type = "button";
      b.addEventListener("click", function () { window.print(); });
      return b;
    }
    function edgeBetween(x, y) {
      var k = parentEdge[x];
      if (k !== undefined && edges[k][1] === y) { return k; }
      k = parentEdge[y];
      if (k !== undefined && edges[k][1] === x) { return k; }
      return -1;
    }
    // the readings of a derivation (what ties the copy to this parent alone), underlined in both texts
    // with the CSS Custom Highlight API: ranges over the text as drawn, no element added
    function rangeAt(box, start, end) {
      var walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT), at = 0, n, r = document.createRange(), begun = false;
      while ((n = walk.nextNode())) {
        var len = n.data.length;
        if (!begun && start < at + len) { r.setStart(n, start - at); begun = true; }
        if (begun && end <= at + len) { r.setEnd(n, end - at); return r; }
        at += len;
      }
      return null;
    }
    function markReadings(k, boxes, ids) {
      if (typeof CSS === "undefined" || !CSS.highlights || typeof Highlight === "undefined") { return; }
      CSS.highlights.delete("reading");
      if (k === undefined || k < 0) { return; }
      var e = edges[k], sp = e[7] || [], ranges = [];
      var childSide = ids[0] === e[0] ? 0 : 1;
      for (var t = 0; t + 3 < sp.length; t += 4) {
        var rc = rangeAt(boxes[childSide], sp[t], sp[t + 1]), rp = rangeAt(boxes[1 - childSide], sp[t + 2], sp[t + 3]);
        if (rc) { ranges.push(rc); }
        if (rp) { ranges.push(rp); }
      }
      if (ranges.length) { var h = new Highlight(); ranges.forEach(function (r) { h.add(r); }); CSS.highlights.set("reading", h); }
    }
    function showPair(ida, idb, scroll) {
      var i = byId[ida], j = byId[idb];
      if (i === undefined || j === undefined) { return showLatent(latentOf[ida] ? ida : idb, latentOf[ida] ? idb : ida, scroll); }
      var a = Math.min(i, j), b = Math.max(i, j), k = pairOf[a + "," + b];
      var da = docs[a], db = docs[b];
      clear(view);
      view.setAttribute("data-kind", "pair");
      var h = el("h3", null, da[0] + "  \u2194  " + db[0]);
      view.appendChild(h);
      view.appendChild(printButton());
      view.appendChild(evidenceBox(edgeBetween(da[0], db[0])));
      if (k === undefined) { view.appendChild(el("p", null, "These two documents share no passage.")); if (scroll) { view.scrollIntoView(); } return; }
      var p = pairs[k];
      var stats = el("p", "stats");
      stats.appendChild(document.createTextNode(p[5].length + " shared passages; " + pct(p[2]) + " of " + da[0] + " and " + pct(p[3]) + " of " + db[0] + "; " + p[6] + " "));
      stats.appendChild(term("shared words"));
      stats.appendChild(document.createTextNode("; "));
      stats.appendChild(term("longest run"));
      stats.appendChild(document.createTextNode(" " + p[4] + " words"));
      view.appendChild(stats);
      var ma = [], mb = [];
      p[5].forEach(function (q, n) {
        var runs = q[5], ra = [], rb = [];
        for (var t = 0; t + 3 < runs.length; t += 4) { ra.push([runs[t], runs[t + 1]]); rb.push([runs[t + 2], runs[t + 3]]); }
        ma.push({s: q[0], e: q[1], k: n, kind: q[4], runs: ra});
        mb.push({s: q[2], e: q[3], k: n, kind: q[4], runs: rb});
      });
      var cols = el("div", "cols");
      [[da, ma], [db, mb]].forEach(function (side) {
        var col = el("div", "col"), head = el("h4");
        head.appendChild(docLink(side[0][0], oneLine(side[0][1]) || side[0][0]));
        col.appendChild(head);
        col.appendChild(el("p", "meta", [side[0][0], side[0][2], side[0][3], side[0][6]].filter(Boolean).join(" \u00b7 ")));
        col.appendChild(sideText(side[0][4], side[1]));
        cols.appendChild(col);
      });
      view.appendChild(cols);
      markReadings(edgeBetween(da[0], db[0]), cols.querySelectorAll(".text"), [da[0], db[0]]);
      Array.prototype.forEach.call(view.querySelectorAll("mark"), function (m) {
        m.addEventListener("click", function () { link(m); });
      });
      if (scroll) { view.scrollIntoView(); }
    }

    function showLatent(id, from, scroll) {
      var x = latentOf[id];
      clear(view);
      view.setAttribute("data-kind", "latent");
      if (!x) { return; }
      view.appendChild(el("h3", null, "Missing source: " + x[1]));
      var k = from !== undefined ? edgeBetween(id, from) : -1;
      if (k >= 0) { view.appendChild(evidenceBox(k)); }
      var p = el("p");
      p.appendChild(term("missing source", "Not in the folder"));
      p.appendChild(document.createTextNode(". Inferred because these documents share text that none of their candidate parents holds:"));
      view.appendChild(p);
      var ul = el("ul");
      x[2].forEach(function (c) { var li = el("li"); li.appendChild(docLink(c, c + " " + short(oneLine(name(c)), 80))); ul.appendChild(li); });
      view.appendChild(ul);
      if (scroll) { view.scrollIntoView(); }
    }

    // ---- a document: its text coloured by source ---------------------------
    function showDoc(id, scroll) {
      if (latentOf[id]) { return showLatent(id, undefined, scroll); }
      var i = byId[id];
      if (i === undefined) { return; }
      var d = docs[i], text = d[4];
      // its family drawn above, the document marked in it
      if (famOf[id] !== undefined && famOf[id] !== current) { drawFamily(famOf[id], id); } else {
        Array.prototype.forEach.call(gNodes.querySelectorAll("g.node"), function (g) { g.classList.toggle("found", g.getAttribute("data-doc") === id); });
      }
      clear(view);
      view.setAttribute("data-kind", "doc");
      view.setAttribute("data-doc", id);
      view.appendChild(el("h3", null, oneLine(d[1]) || d[0]));
      view.appendChild(printButton());
      view.appendChild(el("p", "meta", [d[0], d[2], d[3], d[6], d[5] + " words"].filter(Boolean).join(" \u00b7 ")));
      if (d[7].length) { var cp = el("p", "meta"); cp.appendChild(term("identical copies")); cp.appendChild(document.createTextNode(": " + d[7].join(", "))); view.appendChild(cp); }
      var pe = parentEdge[id];
      if (pe !== undefined) { view.appendChild(el("p", "verdict", edges[pe][5])); }
      var kids = (kidsOf[id] || []).map(function (k) { return edges[k][0]; });
      if (kids.length) {
        var kp = el("p", "kids", "Taken from it: ");
        kids.forEach(function (c, n) { if (n) { kp.appendChild(document.createTextNode(", ")); } kp.appendChild(docLink(c)); });
        view.appendChild(kp);
      }
      // partners: its parent first, then by how much of this text they share
      var parent = pe !== undefined ? edges[pe][1] : null;
      var rel = pairsOf[i].map(function (k) {
        var p = pairs[k], mine = p[0] === i, other = docs[mine ? p[1] : p[0]][0];
        return {k: k, other: other, share: mine ? p[2] : p[3], spans: p[5].map(function (q) { return mine ? [q[0], q[1]] : [q[2], q[3]]; }), words: p[6]};
      });
      rel.sort(function (x, y) {
        var px = x.other === parent ? 1 : 0, py = y.other === parent ? 1 : 0;
        return py - px || y.share - x.share || (x.other < y.other ? -1 : 1);
      });
      // each character goes to the first partner (in that order) whose passages hold it
      var owner = new Int16Array(text.length).fill(-1);
      var groups = Math.min(rel.length, PALETTE + 1);
      for (var g = groups - 1; g >= 0; g--) {
        var members = g < PALETTE ? [rel[g]] : rel.slice(PALETTE);
        members.forEach(function (r) { r.spans.forEach(function (s) { owner.fill(g, s[0], s[1]); }); });
      }
      var counts = new Array(groups + 1).fill(0), total = 0;  // non-space characters; the last slot: its own
      for (var c = 0; c < text.length; c++) {
        if (/\s/.test(text[c])) { continue; }
        total += 1;
        counts[owner[c] < 0 ? groups : owner[c]] += 1;
      }
      var share = counts.map(function (n) { return total ? n / total : 0; });
      function relation(o) { return o === parent ? "its source" : kids.indexOf(o) >= 0 ? "taken from it" : "shares text"; }
      var bar = el("div", "sharebar");
      var tbl = el("table", "sources"), hr = el("tr");
      ["", "document", "relation", "of this text, coloured", "of it found there", "shared words", ""].forEach(function (h) { hr.appendChild(el("th", null, h)); });
      var thead = el("thead"); thead.appendChild(hr); tbl.appendChild(thead);
      var tb = el("tbody");
      for (var gi = 0; gi <= groups; gi++) {
        var own = gi === groups, cls = own ? "own" : gi < PALETTE ? "c" + gi : "cother";
        var seg = el("span", "seg " + cls);
        seg.style.width = (share[gi] * 100).toFixed(2) + "%";
        seg.title = (own ? "its own text" : gi < PALETTE ? rel[gi].other : "other documents") + ": " + pct(share[gi]);
        bar.appendChild(seg);
        var tr = el("tr", "src"), sw = el("td"), sp = el("span", "swatch " + cls);
        tr.setAttribute("data-share", String(share[gi]));
        tr.setAttribute("data-group", cls);
        sw.appendChild(sp); tr.appendChild(sw);
        if (own) {
          tr.appendChild(el("td", null, "its own text (found in no other document)"));
          tr.appendChild(el("td")); tr.appendChild(el("td", "num", pct(share[gi]))); tr.appendChild(el("td")); tr.appendChild(el("td")); tr.appendChild(el("td"));
        } else if (gi < PALETTE) {
          var r = rel[gi], td = el("td");
          td.appendChild(docLink(r.other, r.other));
          td.appendChild(el("span", "sub", " " + short(oneLine(name(r.other)), 60)));
          tr.setAttribute("data-other", r.other);
          tr.appendChild(td);
          tr.appendChild(el("td", null, relation(r.other)));
          tr.appendChild(el("td", "num", pct(share[gi])));
          tr.appendChild(el("td", "num", pct(r.share)));
          tr.appendChild(el("td", "num", String(r.words)));
          var lt = el("td"); lt.appendChild(pairLink(id, r.other, "compare")); tr.appendChild(lt);
        } else {
          tr.appendChild(el("td", null, (rel.length - PALETTE) + " other documents"));
          tr.appendChild(el("td", null, "share text")); tr.appendChild(el("td", "num", pct(share[gi])));
          tr.appendChild(el("td")); tr.appendChild(el("td")); tr.appendChild(el("td"));
        }
        tb.appendChild(tr);
      }
      tbl.appendChild(tb);
      var lead = el("p", "found");
      lead.textContent = rel.length ? pct(1 - share[groups]) + " of this text is found in " + rel.length + " other document" + (rel.length === 1 ? "" : "s") + ", " + pct(share[groups]) + " is its own (by characters; each shared stretch coloured by the first document listed that holds it)."
        : "This document shares no passage with any other.";
      view.appendChild(lead);
      view.appendChild(bar);
      view.appendChild(tbl);
      if (rel.length > PALETTE) {
        var more = el("details", "more"), sm = el("summary", null, "all " + rel.length + " documents it shares text with");
        more.appendChild(sm);
        var ul = el("ul");
        rel.slice(PALETTE).forEach(function (r) {
          var li = el("li");
          li.appendChild(pairLink(id, r.other, r.other));
          li.appendChild(document.createTextNode(" \u2014 " + pct(r.share) + " of this text, " + r.words + " words"));
          ul.appendChild(li);
        });
        more.appendChild(ul);
        view.appendChild(more);
      }
      var box = el("div", "text doctext"), at = 0;
      while (at < text.length) {
        var o = owner[at], end = at + 1;
        while (end < text.length && owner[end] === o) { end += 1; }
        if (o < 0) { box.appendChild(document.createTextNode(text.slice(at, end))); } else {
          var m = el("span", "src " + (o < PALETTE ? "c" + o : "cother"), text.slice(at, end));
          var who = o < PALETTE ? rel[o].other : "other documents";
          m.setAttribute("data-src", who);
          m.title = "also in " + who;
          box.appendChild(m);
        }
        at = end;
      }
      view.appendChild(box);
      if (scroll) { view.scrollIntoView(); }
    }

    // ---- the index tables ----------------------------------------------------
    var famRows = fams.map(function (f, k) { return {k: k, f: f}; });
    table(document.getElementById("family-index"), [
      {label: "family", num: true, key: function (r) { return -r.k; }, cell: function (r) { return String(r.k + 1); }},
      {label: "members", num: true, key: function (r) { return r.f[1].length; }},
      {label: "root", key: function (r) { return oneLine(name(r.f[0])).toLowerCase(); }, cell: function (r) { return docLink(r.f[0], short(oneLine(name(r.f[0])), 80)); }},
      {label: "site", key: function (r) { var i = byId[r.f[0]]; return i === undefined ? "" : docs[i][2]; }},
      {label: "date", key: function (r) { var i = byId[r.f[0]]; return i === undefined ? "" : docs[i][3].slice(0, 10); }},
      {label: "depth", num: true, key: function (r) { return r.f[5]; }},
      {label: "missing sources", term: "missing source", num: true, key: function (r) { return r.f[1].filter(function (m) { return latentOf[m]; }).length; }},
      {label: "kinds of change", key: function (r) { return r.f[6]; }}
    ], famRows, {sort: 0, dir: -1, cls: "families", page: 10, onRow: function (r) { drawFamily(r.k); document.getElementById("tree-wrap").scrollIntoView({block: "nearest"}); }});

    function direction(p) {
      if (p[7] < 0) { return ""; }
      var e = edges[p[7]];
      return e[1] + " \u2192 " + e[0];
    }
    table(document.getElementById("pairs-table"), [
      {label: "A", key: function (p) { return docs[p[0]][0]; }, cell: function (p) { return docLink(docs[p[0]][0]); }},
      {label: "B", key: function (p) { return docs[p[1]][0]; }, cell: function (p) { return docLink(docs[p[1]][0]); }},
      {label: "shared words", term: "shared words", num: true, key: function (p) { return p[6]; }},
      {label: "of A in B", term: "shared (with edited text)", num: true, key: function (p) { return p[2]; }, cell: function (p) { return pct(p[2]); }},
      {label: "of B in A", term: "shared (with edited text)", num: true, key: function (p) { return p[3]; }, cell: function (p) { return pct(p[3]); }},
      {label: "longest run", term: "longest run", num: true, key: function (p) { return p[4]; }},
      {label: "change", key: function (p) { return p[7] < 0 ? "" : edges[p[7]][3]; }},
      {label: "confidence", term: "confidence", num: true, key: function (p) { return p[7] < 0 ? -1 : edges[p[7]][2]; }, cell: function (p) { return p[7] < 0 ? "" : Number(edges[p[7]][2]).toFixed(2); }},
      {label: "direction (source \u2192 copy)", term: "direction", key: direction}
    ], pairs, {sort: 2, dir: -1, cls: "pairs", onRow: function (p) { showPair(docs[p[0]][0], docs[p[1]][0], true); }});

    function links(ids) {
      var span = el("span");
      ids.slice(0, 8).forEach(function (c, n) { if (n) { span.appendChild(document.createTextNode(", ")); } span.appendChild(docLink(c)); });
      if (ids.length > 8) { span.appendChild(document.createTextNode(" and " + (ids.length - 8) + " more")); }
      return span;
    }
    function kidIds(id) { return (kidsOf[id] || []).map(function (k) { return edges[k][0]; }); }
    table(document.getElementById("docs-table"), [
      {label: "document", key: function (d) { return d[0]; }, cell: function (d) { return docLink(d[0]); }},
      {label: "headline", key: function (d) { return oneLine(d[1]).toLowerCase(); }, cell: function (d) { return short(oneLine(d[1]), 80); }},
      {label: "site", key: function (d) { return d[2]; }},
      {label: "date", key: function (d) { return d[3]; }, cell: function (d) { return d[3].slice(0, 10); }},
      {label: "file", key: function (d) { return d[6]; }},
      {label: "words", num: true, key: function (d) { return d[5]; }},
      {label: "shared", term: "shared (with edited text)", num: true, key: function (d) { return d[8]; }, cell: function (d) { return pct(d[8]); }},
      {label: "related", num: true, key: function (d) { return pairsOf[byId[d[0]]].length; }},
      {label: "parent", key: function (d) { var k = parentEdge[d[0]]; return k === undefined ? "" : edges[k][1]; },
        cell: function (d) { var k = parentEdge[d[0]]; return k === undefined ? "" : docLink(edges[k][1]); }},
      {label: "children", num: true, key: function (d) { return kidIds(d[0]).length; }, cell: function (d) { return links(kidIds(d[0])); }},
      {label: "identical copies", term: "identical copies", key: function (d) { return d[7].join(", "); }}
    ], docs, {sort: 0, dir: 1, cls: "docs", onRow: function (d) { showDoc(d[0], true); }});

    if (fams.length) { drawFamily(0); } else {
      document.getElementById("family-caption").textContent = "No derivation was found: there is no family to draw.";
    }
    // a report about one document (``provenance check``) opens on its view
    var focus = document.body.getAttribute("data-focus");
    if (focus && byId[focus] !== undefined) { showDoc(focus, false); }
    window.addEventListener("resize", function () { if (current >= 0) { fit(); } });
    document.body.setAttribute("data-ready", "1");
  }

  decode(document.getElementById("audit-data").textContent.trim()).then(function (t) { start(JSON.parse(t)); }).catch(function (err) {
    var p = document.createElement("p");
    p.className = "failed";
    p.textContent = "This browser could not read the report's data (" + String(err) + "). A current Chrome, Edge, Firefox or Safari can.";
    document.body.insertBefore(p, document.body.firstChild);
    document.body.setAttribute("data-ready", "failed");
  });
}());
