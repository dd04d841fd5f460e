/* The relationship map: a force layout (Fruchterman–Reingold, grid-limited repulsion, fixed seed)
   drawn on a canvas from the page's JSON endpoint. No dependencies, no inline code (CSP 'self'). */
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];
  var OTHER = "#999999";
  var CONFLICT = "#D55E00";

  function seeded(seed) {
    return function () {
      seed = (seed + 0x6d2b79f5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function Layout(nodes, links) {
    var rand = seeded(7);
    this.nodes = nodes;
    this.links = links;
    this.k = Math.sqrt(1 / Math.max(nodes.length, 1));
    this.temperature = 0.1;
    this.steps = nodes.length > 1000 ? 160 : 300;
    this.done = 0;
    nodes.forEach(function (d) { d.x = rand(); d.y = rand(); });
  }

  Layout.prototype.iterate = function () {
    var nodes = this.nodes, k = this.k, cell = Math.max(2 * k, 0.02), grid = {};
    nodes.forEach(function (d, i) {
      d.dx = 0; d.dy = 0;
      var key = Math.floor(d.x / cell) + "," + Math.floor(d.y / cell);
      (grid[key] = grid[key] || []).push(i);
    });
    nodes.forEach(function (d) {
      var cx = Math.floor(d.x / cell), cy = Math.floor(d.y / cell);
      for (var gx = cx - 1; gx <= cx + 1; gx++) {
        for (var gy = cy - 1; gy <= cy + 1; gy++) {
          var list = grid[gx + "," + gy];
          if (!list) { continue; }
          for (var j = 0; j < list.length; j++) {
            var o = nodes[list[j]];
            if (o === d) { continue; }
            var ex = d.x - o.x, ey = d.y - o.y, dist = Math.sqrt(ex * ex + ey * ey) || 0.0001;
            if (dist > cell) { continue; }
            var f = (k * k) / dist;
            d.dx += (ex / dist) * f; d.dy += (ey / dist) * f;
          }
        }
      }
      d.dx += (0.5 - d.x) * k * 2; d.dy += (0.5 - d.y) * k * 2;
    });
    this.links.forEach(function (l) {
      if (l.conflict) { return; }
      var a = l.s, b = l.t, ex = a.x - b.x, ey = a.y - b.y;
      var dist = Math.sqrt(ex * ex + ey * ey) || 0.0001, f = (dist * dist) / k;
      a.dx -= (ex / dist) * f; a.dy -= (ey / dist) * f;
      b.dx += (ex / dist) * f; b.dy += (ey / dist) * f;
    });
    var t = this.temperature * (1 - this.done / this.steps);
    nodes.forEach(function (d) {
      var len = Math.sqrt(d.dx * d.dx + d.dy * d.dy) || 1, move = Math.min(len, t);
      d.x = Math.min(1, Math.max(0, d.x + (d.dx / len) * move));
      d.y = Math.min(1, Math.max(0, d.y + (d.dy / len) * move));
    });
    this.done += 1;
    return this.done < this.steps;
  };

  function colours(nodes, by) {
    var keys = [], seen = {};
    nodes.forEach(function (d) {
      var key = by === "group" ? d.group : d.building;
      if (key === "" || key === -1 || key === null) { return; }
      if (!seen.hasOwnProperty(key)) { seen[key] = true; keys.push(key); }
    });
    keys.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    var map = {};
    keys.forEach(function (key, i) { map[key] = PALETTE[i % PALETTE.length]; });
    return { map: map, keys: keys };
  }

  function start(box) {
    var canvas = box.querySelector("[data-canvas]");
    var status = box.querySelector("[data-status]");
    var legend = box.querySelector("[data-legend]");
    var select = box.querySelector("[data-colour]");
    var ctx = canvas.getContext("2d");
    var state = { nodes: [], links: [], palette: null, by: select.value, scale: 1, pad: 16, bounds: null };

    function resize() {
      var style = window.getComputedStyle(box);
      var inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      var width = Math.max(200, Math.min(inner, 720));
      var ratio = window.devicePixelRatio || 1;
      canvas.style.width = width + "px";
      canvas.style.height = width + "px";
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(width * ratio);
      state.scale = ratio;
    }

    function bounds() {
      var b = { x0: 1, y0: 1, x1: 0, y1: 0 };
      state.nodes.forEach(function (d) {
        b.x0 = Math.min(b.x0, d.x); b.y0 = Math.min(b.y0, d.y);
        b.x1 = Math.max(b.x1, d.x); b.y1 = Math.max(b.y1, d.y);
      });
      b.span = Math.max(b.x1 - b.x0, b.y1 - b.y0, 0.05);
      state.bounds = b;
    }

    function point(d) {
      var b = state.bounds, pad = state.pad * state.scale, size = canvas.width - 2 * pad;
      var offX = (b.span - (b.x1 - b.x0)) / 2, offY = (b.span - (b.y1 - b.y0)) / 2;
      return [pad + ((d.x - b.x0 + offX) / b.span) * size, pad + ((d.y - b.y0 + offY) / b.span) * size];
    }

    function draw() {
      var palette = state.palette;
      bounds();
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 1 * state.scale;
      state.links.forEach(function (l) {
        var a = point(l.s), b = point(l.t);
        ctx.strokeStyle = l.conflict ? CONFLICT : "rgba(85,85,85,0.35)";
        ctx.setLineDash(l.conflict ? [6 * state.scale, 4 * state.scale] : []);
        ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
      });
      ctx.setLineDash([]);
      state.nodes.forEach(function (d) {
        var p = point(d), key = state.by === "group" ? d.group : d.building;
        ctx.fillStyle = palette.map.hasOwnProperty(key) ? palette.map[key] : OTHER;
        ctx.beginPath();
        ctx.arc(p[0], p[1], (4 + Math.min(d.degree, 12) / 2) * state.scale, 0, 2 * Math.PI);
        ctx.fill();
      });
    }

    function showLegend() {
      state.palette = colours(state.nodes, state.by);
      legend.textContent = "";
      state.palette.keys.slice(0, 14).forEach(function (key) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.textContent = "● ";
        swatch.style.color = state.palette.map[key];
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(state.by === "group" ? "#" + (key + 1) : key));
        legend.appendChild(item);
      });
    }

    function run(layout) {
      var more = true;
      for (var i = 0; i < 8 && more; i++) { more = layout.iterate(); }
      draw();
      if (more) { window.requestAnimationFrame(function () { run(layout); }); }
      else { box.setAttribute("data-ready", "true"); }
    }

    canvas.addEventListener("click", function (event) {
      var rect = canvas.getBoundingClientRect();
      var x = (event.clientX - rect.left) * state.scale, y = (event.clientY - rect.top) * state.scale;
      var best = null, bestDist = 16 * state.scale;
      state.nodes.forEach(function (d) {
        var p = point(d), dist = Math.hypot(p[0] - x, p[1] - y);
        if (dist < bestDist) { best = d; bestDist = dist; }
      });
      if (best) {
        status.textContent = best.name + (best.building ? " · " + best.building : "") + " · " + best.degree;
      }
    });
    select.addEventListener("change", function () {
      state.by = select.value; showLegend(); draw();
    });
    window.addEventListener("resize", function () { resize(); draw(); });

    resize();
    status.textContent = box.getAttribute("data-loading");
    fetch(box.getAttribute("data-graph-url"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var byId = {};
        state.nodes = data.nodes;
        state.nodes.forEach(function (d) { byId[d.id] = d; });
        state.links = data.links
          .filter(function (l) { return byId[l.source] && byId[l.target]; })
          .map(function (l) { return { s: byId[l.source], t: byId[l.target], conflict: !!l.conflict }; });
        box.setAttribute("data-nodes", String(state.nodes.length));
        status.textContent = state.nodes.length ? (data.truncated ? box.getAttribute("data-truncated") : "") : box.getAttribute("data-empty");
        showLegend();
        run(new Layout(state.nodes, state.links));
      });
  }

  document.querySelectorAll("[data-network-map]").forEach(start);
})();
