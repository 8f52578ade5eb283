"use strict";
(function () {
  var D = JSON.parse(document.getElementById("audit-data").textContent);
  var docs = D.docs, pairs = D.pairs;
  var byId = {};
  docs.forEach(function (d, i) { byId[d[0]] = i; });
  var pairOf = {};
  pairs.forEach(function (p, k) { pairOf[p[0] + "," + p[1]] = k; });
  var edgeOf = {};
  D.edges.forEach(function (e) { edgeOf[e[1] + "\u0000" + e[0]] = e; });
  var latentOf = {};
  D.latent.forEach(function (x) { latentOf[x[0]] = x; });
  var view = document.getElementById("pair-view");

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    return n;
  }
  function pct(x) { return Math.round(x * 1000) / 10 + "%"; }
  function clear(n) { while (n.firstChild) { n.removeChild(n.firstChild); } }

  // one side of a pair: the text with passages marked, exact runs inside them
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

  function evidenceBox(e) {
    var box = el("div", "evidence");
    if (!e) { box.appendChild(el("p", null, "No derivation claimed between these two documents: they share text, but the evidence did not decide that one copied the other.")); return box; }
    var ev = e[4] || {};
    box.appendChild(el("p", "claim", e[0] + " derives from " + e[1] + " (" + e[3] + ", confidence " + Number(e[2]).toFixed(2) + ")"));
    var ul = el("ul");
    function li(label, value) { if (value !== undefined && value !== null && value !== "") { ul.appendChild(el("li", null, label + ": " + value)); } }
    li("share of the child found in the parent", ev.covered_child !== undefined ? pct(ev.covered_child) : null);
    li("share of the parent found in the child", ev.covered_parent !== undefined ? pct(ev.covered_parent) : null);
    li("word-pair containment of the child in the parent", ev.bigram_containment !== undefined ? pct(ev.bigram_containment) : null);
    if (ev.direction) {
      li("direction decided by", ev.direction.by);
      if (ev.direction.times) { li("published (parent, child)", ev.direction.times.parent + ", " + ev.direction.times.child); }
      if (ev.direction.dates) { li("dates (parent, child)", (ev.direction.dates.parent || "?") + ", " + (ev.direction.dates.child || "?")); }
      if (ev.direction.attribution) { li("attribution", ev.direction.attribution.join(", ")); }
    }
    if (ev.cues && ev.cues.length) { li("outlets the child names", ev.cues.join(", ")); }
    li("passages in quotation marks (weak evidence)", ev.quoted_passages);
    li("stock phrases (weak evidence)", ev.stock_passages);
    if (ev.explained_by) { li("weakened: better explained by", ev.explained_by.document); }
    if (ev.latent) { li("missing source", ev.label); }
    box.appendChild(ul);
    return box;
  }

  function showPair(ida, idb) {
    var i = byId[ida], j = byId[idb];
    if (i === undefined || j === undefined) { return showLatent(latentOf[ida] ? ida : idb); }
    var a = Math.min(i, j), b = Math.max(i, j);
    var k = pairOf[a + "," + b];
    clear(view);
    var da = docs[a], db = docs[b];
    view.appendChild(el("h3", null, da[0] + "  \u2194  " + db[0]));
    view.appendChild(evidenceBox(edgeOf[da[0] + "\u0000" + db[0]] || edgeOf[db[0] + "\u0000" + da[0]]));
    if (k === undefined) { view.appendChild(el("p", null, "These two documents share no passage.")); view.scrollIntoView(); return; }
    var p = pairs[k];
    view.appendChild(el("p", "stats", p[5].length + " shared passages; " + pct(p[2]) + " of " + da[0] + " and " + pct(p[3]) + " of " + db[0] + "; longest exact run " + p[4] + " words"));
    var ma = [], mb = [];
    p[5].forEach(function (q, n) {
      var runs = q[5], ra = [], rb = [];
      for (var t = 0; t + 3 < runs.length; t += 4) { ra.push([runs[t], runs[t + 1]]); rb.push([runs[t + 2], runs[t + 3]]); }
      ma.push({s: q[0], e: q[1], k: n, kind: q[4], runs: ra});
      mb.push({s: q[2], e: q[3], k: n, kind: q[4], runs: rb});
    });
    var cols = el("div", "cols");
    [[da, ma], [db, mb]].forEach(function (side) {
      var col = el("div", "col");
      col.appendChild(el("h4", null, side[0][1] || side[0][0]));
      col.appendChild(el("p", "meta", [side[0][0], side[0][2], side[0][3]].filter(Boolean).join(" \u00b7 ")));
      col.appendChild(sideText(side[0][4], side[1]));
      cols.appendChild(col);
    });
    view.appendChild(cols);
    Array.prototype.forEach.call(view.querySelectorAll("mark"), function (m) {
      m.addEventListener("click", function () { link(m); });
      m.addEventListener("mouseenter", function () { m.classList.add("hover"); });
      m.addEventListener("mouseleave", function () { m.classList.remove("hover"); });
    });
    view.scrollIntoView();
  }

  function showLatent(id) {
    var x = latentOf[id];
    clear(view);
    if (!x) { return; }
    view.appendChild(el("h3", null, "Missing source: " + x[1]));
    view.appendChild(el("p", null, "Not in the folder. Inferred because these documents share text that none of their candidate parents holds:"));
    var ul = el("ul");
    x[2].forEach(function (c) { var li = el("li"); var a = el("a", "doclink", c); a.href = "#"; a.setAttribute("data-doc", c); li.appendChild(a); ul.appendChild(li); });
    view.appendChild(ul);
    wire(view);
    view.scrollIntoView();
  }

  function showDoc(id) {
    if (latentOf[id]) { return showLatent(id); }
    var i = byId[id];
    if (i === undefined) { return; }
    var d = docs[i];
    clear(view);
    view.appendChild(el("h3", null, d[1] || d[0]));
    view.appendChild(el("p", "meta", [d[0], d[2], d[3], d[5] + " words"].filter(Boolean).join(" \u00b7 ")));
    var related = [];
    pairs.forEach(function (p) { if (p[0] === i || p[1] === i) { related.push(p); } });
    related.sort(function (x, y) { return Math.max(y[2], y[3]) - Math.max(x[2], x[3]); });
    var ul = el("ul", "partners");
    related.slice(0, 200).forEach(function (p) {
      var other = docs[p[0] === i ? p[1] : p[0]];
      var li = el("li");
      var a = el("a", "pairlink", other[0] + " (" + (other[1] || "") + ")");
      a.href = "#"; a.setAttribute("data-a", d[0]); a.setAttribute("data-b", other[0]);
      li.appendChild(a);
      li.appendChild(document.createTextNode(" \u2014 shares " + pct(p[0] === i ? p[2] : p[3]) + " of this document"));
      ul.appendChild(li);
    });
    view.appendChild(el("p", null, related.length ? "Shares passages with:" : "Shares no passage with any other document."));
    view.appendChild(ul);
    var marks = [];
    related.forEach(function (p, n) { p[5].forEach(function (q) { marks.push({s: p[0] === i ? q[0] : q[2], e: p[0] === i ? q[1] : q[3], k: "d" + n, kind: q[4], runs: []}); }); });
    // merge overlapping spans so the whole shared area shows
    marks.sort(function (x, y) { return x.s - y.s; });
    var merged = [];
    marks.forEach(function (m) { var last = merged[merged.length - 1]; if (last && m.s <= last.e) { last.e = Math.max(last.e, m.e); } else { merged.push({s: m.s, e: m.e, k: "m" + merged.length, kind: "exact", runs: [[m.s, m.e]]}); } });
    merged.forEach(function (m) { m.runs = [[m.s, m.e]]; });
    view.appendChild(sideText(d[4], merged));
    wire(view);
    view.scrollIntoView();
  }

  function wire(root) {
    Array.prototype.forEach.call(root.querySelectorAll("a.doclink"), function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); showDoc(a.getAttribute("data-doc")); });
    });
    Array.prototype.forEach.call(root.querySelectorAll("a.pairlink"), function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); showPair(a.getAttribute("data-a"), a.getAttribute("data-b")); });
    });
  }

  function matrix(order) {
    var box = document.getElementById("matrix");
    clear(box);
    var involved = {};
    pairs.forEach(function (p) { involved[p[0]] = 1; involved[p[1]] = 1; });
    var ids = order.filter(function (id) { return involved[byId[id]]; });
    var limit = 80;
    if (ids.length > limit) { box.appendChild(el("p", null, "Showing the first " + limit + " of " + ids.length + " related documents in this order.")); ids = ids.slice(0, limit); }
    if (!ids.length) { box.appendChild(el("p", null, "No document shares a passage with another.")); return; }
    var table = el("table", "matrix"), head = el("tr");
    head.appendChild(el("th"));
    ids.forEach(function (id, c) { var th = el("th", "col-h", String(c + 1)); th.title = id; head.appendChild(th); });
    table.appendChild(head);
    ids.forEach(function (rid, r) {
      var tr = el("tr"), th = el("th", "row-h", (r + 1) + " " + rid);
      tr.appendChild(th);
      ids.forEach(function (cid) {
        var td = el("td");
        var i = byId[rid], j = byId[cid];
        if (i !== j) {
          var k = pairOf[Math.min(i, j) + "," + Math.max(i, j)];
          if (k !== undefined) {
            var p = pairs[k], v = i < j ? p[2] : p[3];
            td.style.backgroundColor = "rgba(180, 40, 40, " + (0.08 + 0.92 * v).toFixed(3) + ")";
            td.title = pct(v) + " of " + rid + " is in " + cid;
            td.className = "cell";
            td.addEventListener("click", function () { showPair(rid, cid); });
          }
        } else { td.className = "self"; }
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    box.appendChild(table);
  }

  Array.prototype.forEach.call(document.querySelectorAll("g.node"), function (g) {
    function go() { showDoc(g.getAttribute("data-doc")); }
    g.addEventListener("click", go);
    g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
  });
  Array.prototype.forEach.call(document.querySelectorAll("g.edge"), function (g) {
    function go() { showPair(g.getAttribute("data-parent"), g.getAttribute("data-child")); }
    g.addEventListener("click", go);
    g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
  });
  wire(document);
  document.getElementById("order-tree").addEventListener("click", function () { matrix(D.order); });
  document.getElementById("order-id").addEventListener("click", function () { matrix(docs.map(function (d) { return d[0]; })); });
  matrix(D.order);
  document.body.setAttribute("data-ready", "1");
}());
