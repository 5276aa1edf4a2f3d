
var dcf = (function () {
  'use strict';
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function decodeRun(c, s, from, to, scale, closeRing) {
    // c: flat delta-encoded integer coordinates; each run restarts from absolute values
    var out = new Array(to - from), x = 0, y = 0, k = 0;
    for (var v = from; v < to; v++) {
      if (v === from) { x = c[2 * v]; y = c[2 * v + 1]; } else { x += c[2 * v]; y += c[2 * v + 1]; }
      out[k++] = [y / scale, x / scale];
    }
    return out;
  }
  function pv(d, col, i) {
    var p = d.props[col];
    return p.k ? p.d[p.k[i]] : p[i];
  }
  function unpack(d) {
    // offsets arrive as run lengths; null means "one each"
    if (d._unpacked) { return; }
    function cum(L, count) {
      var o = new Int32Array(count + 1), k;
      if (L === null || L === undefined) { for (k = 0; k <= count; k++) { o[k] = k; } return o; }
      for (k = 0; k < L.length; k++) { o[k + 1] = o[k] + L[k]; }
      return o;
    }
    if (d.type === 'polygon') {
      d.go = cum(d.goL, d.n); d.po = cum(d.poL, d.go[d.n]); d.ro = cum(d.roL, d.po[d.go[d.n]]);
    } else if (d.type === 'line') {
      d.lg = cum(d.lgL, d.n); d.lo = cum(d.loL, d.lg[d.n]);
    }
    d._unpacked = true;
  }
  function popupNode(d, i) {
    var box = el('div', 'dcf-popup');
    if (d.title) { box.appendChild(el('div', 'dcf-popup-title', d.title)); }
    var t = el('table'), shown = 0, more = 0, cap = d.maxRows || 0;
    for (var j = 0; j < d.pf.length; j++) {
      var f = d.pf[j], v = pv(d, f[0], i);
      if (v === null || v === undefined || v === '') { continue; }
      if (cap && shown >= cap) { more++; continue; }
      shown++;
      var tr = el('tr');
      tr.appendChild(el('th', null, f[1]));
      tr.appendChild(el('td', null, v));
      t.appendChild(tr);
    }
    box.appendChild(t);
    if (more) { box.appendChild(el('div', 'dcf-popup-more', '另有 ' + more + ' 项属性未显示（见结果表）')); }
    return box;
  }
  // ---- large layers: one canvas, batched paths per style, grid index for hover/click ----------
  // Leaflet's own vector layers cost one object per feature (about 5 s for 100,000 parcels); this
  // layer keeps coordinates in typed arrays, projects them itself (Web Mercator, as Leaflet's
  // EPSG:3857) and draws every feature of one style as one path.
  var BigLayer = L.Layer.extend({
    initialize: function (d) { this._d = d; this._decode(); },
    _decode: function () {
      var d = this._d, c = d.c, sc = d.scale, nv = c.length / 2, n = d.n, i, v;
      var X = new Float64Array(nv), Y = new Float64Array(nv);
      var start = new Uint8Array(nv);
      if (d.type === 'polygon') { for (i = 0; i < d.ro.length - 1; i++) { if (d.ro[i] < nv) { start[d.ro[i]] = 1; } } }
      else { start.fill(1); }
      var x = 0, y = 0, R = Math.PI / 180;
      for (v = 0; v < nv; v++) {
        if (c[2 * v] === null) { X[v] = NaN; Y[v] = NaN; continue; }
        if (start[v]) { x = c[2 * v]; y = c[2 * v + 1]; } else { x += c[2 * v]; y += c[2 * v + 1]; }
        var sn = Math.sin(Math.max(-85.0511, Math.min(85.0511, y / sc)) * R);
        X[v] = (x / sc + 180) / 360;
        Y[v] = 0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI);
      }
      this._X = X; this._Y = Y;
      var bx0 = new Float64Array(n), by0 = new Float64Array(n), bx1 = new Float64Array(n), by1 = new Float64Array(n);
      var fv0 = new Int32Array(n), fv1 = new Int32Array(n);
      for (i = 0; i < n; i++) {
        var a, b;
        if (d.type === 'polygon') { a = d.ro[d.po[d.go[i]]]; b = d.ro[d.po[d.go[i + 1]]]; } else { a = i; b = i + 1; }
        fv0[i] = a; fv1[i] = b;
        var mnx = Infinity, mny = Infinity, mxx = -Infinity, mxy = -Infinity;
        for (v = a; v < b; v++) {
          if (X[v] < mnx) { mnx = X[v]; } if (X[v] > mxx) { mxx = X[v]; }
          if (Y[v] < mny) { mny = Y[v]; } if (Y[v] > mxy) { mxy = Y[v]; }
        }
        bx0[i] = mnx; by0[i] = mny; bx1[i] = mxx; by1[i] = mxy;
      }
      this._b = [bx0, by0, bx1, by1]; this._fv = [fv0, fv1];
      var byStyle = []; for (i = 0; i < d.styles.length; i++) { byStyle.push([]); }
      for (i = 0; i < n; i++) { byStyle[d.k ? d.k[i] : 0].push(i); }
      this._byStyle = byStyle;
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide dcf-big');
      this._canvas.style.pointerEvents = 'none';
      this.getPane().appendChild(this._canvas);
      map.on('moveend zoomend resize viewreset', this._redraw, this);
      // one click/hover dispatcher per map: the topmost large layer with a hit answers
      if (!map._dcfBig) {
        map._dcfBig = [];
        L.DomEvent.on(map.getContainer(), 'click', function (ev) { bigDispatch(map, ev, '_click'); });
        L.DomEvent.on(map.getContainer(), 'mousemove', function (ev) { bigDispatch(map, ev, '_move'); });
      }
      map._dcfBig.push(this);
      this._redraw();
    },
    onRemove: function (map) {
      map.off('moveend zoomend resize viewreset', this._redraw, this);
      var k = map._dcfBig.indexOf(this); if (k >= 0) { map._dcfBig.splice(k, 1); }
      if (this._tip) { this._tip.remove(); }
      L.DomUtil.remove(this._canvas);
    },
    getBounds: function () { return null; },
    _redraw: function () {
      // drawn in the next animation frame: the page's opening steps (add the layer, fit the view)
      // then cost one draw of the 100,000 parcels, not one per step, and none inside the load event
      if (this._pending) { return; }
      this._pending = true;
      var self = this;
      L.Util.requestAnimFrame(function () { self._pending = false; self._draw(); });
    },
    _draw: function () {
      var map = this._map; if (!map) { return; }
      var d = this._d, size = map.getSize(), pad = 0.3, cv = this._canvas;
      var w = Math.round(size.x * (1 + 2 * pad)), h = Math.round(size.y * (1 + 2 * pad));
      var topLeft = map.containerPointToLayerPoint([-size.x * pad, -size.y * pad]).round();
      L.DomUtil.setPosition(cv, topLeft);
      var dpr = window.devicePixelRatio || 1;
      cv.width = w * dpr; cv.height = h * dpr; cv.style.width = w + 'px'; cv.style.height = h + 'px';
      var ctx = cv.getContext('2d'); ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      var scale = 256 * Math.pow(2, map.getZoom()), org = map.getPixelOrigin();
      var ox = org.x + topLeft.x, oy = org.y + topLeft.y;
      var vx0 = ox / scale, vy0 = oy / scale, vx1 = (ox + w) / scale, vy1 = (oy + h) / scale;
      var X = this._X, Y = this._Y, b = this._b, fv = this._fv, poly = d.type === 'polygon';
      // paths are flushed every CHUNK features: one huge path is very slow to rasterise in Skia
      var CHUNK = 200;
      function flush(st) {
        if (st.fill !== false) {
          ctx.globalAlpha = st.fillOpacity === undefined ? 0.2 : st.fillOpacity;
          ctx.fillStyle = st.fillColor || st.color || '#3388ff'; ctx.fill('evenodd');
        }
        if (st.weight !== 0 && st.stroke !== false) {
          ctx.globalAlpha = st.opacity === undefined ? 1 : st.opacity;
          ctx.strokeStyle = st.color || '#3388ff'; ctx.lineWidth = st.weight || 1; ctx.stroke();
        }
        ctx.beginPath();
      }
      for (var s = 0; s < this._byStyle.length; s++) {
        var st = d.styles[s], ids = this._byStyle[s], r = st.radius || 5, inPath = 0;
        ctx.beginPath();
        for (var j = 0; j < ids.length; j++) {
          var i = ids[j];
          if (b[2][i] < vx0 || b[0][i] > vx1 || b[3][i] < vy0 || b[1][i] > vy1) { continue; }
          if (++inPath % CHUNK === 0) { flush(st); }
          if (poly) {
            for (var p = d.go[i]; p < d.go[i + 1]; p++) {
              for (var q = d.po[p]; q < d.po[p + 1]; q++) {
                var a = d.ro[q], e = d.ro[q + 1];
                if (e - a < 2) { continue; }
                ctx.moveTo(X[a] * scale - ox, Y[a] * scale - oy);
                for (var v = a + 1; v < e; v++) { ctx.lineTo(X[v] * scale - ox, Y[v] * scale - oy); }
                ctx.closePath();
              }
            }
          } else {
            var px = X[fv[0][i]] * scale - ox, py = Y[fv[0][i]] * scale - oy;
            ctx.moveTo(px + r, py); ctx.arc(px, py, r, 0, 2 * Math.PI);
          }
        }
        flush(st);
      }
      ctx.globalAlpha = 1;
    },
    _grid: function () {
      if (this._cells) { return; }
      var b = this._b, n = this._d.n, G = 256, i, gx, gy;
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (i = 0; i < n; i++) {
        if (!(b[0][i] <= b[2][i])) { continue; }
        x0 = Math.min(x0, b[0][i]); y0 = Math.min(y0, b[1][i]); x1 = Math.max(x1, b[2][i]); y1 = Math.max(y1, b[3][i]);
      }
      var cw = (x1 - x0) / G || 1e-9, ch = (y1 - y0) / G || 1e-9, cells = new Array(G * G);
      for (i = 0; i < n; i++) {
        if (!(b[0][i] <= b[2][i])) { continue; }
        var ax = Math.min(G - 1, Math.floor((b[0][i] - x0) / cw)), bx = Math.min(G - 1, Math.floor((b[2][i] - x0) / cw));
        var ay = Math.min(G - 1, Math.floor((b[1][i] - y0) / ch)), by = Math.min(G - 1, Math.floor((b[3][i] - y0) / ch));
        for (gx = ax; gx <= bx; gx++) { for (gy = ay; gy <= by; gy++) { var k = gy * G + gx; (cells[k] || (cells[k] = [])).push(i); } }
      }
      this._cells = cells; this._g = [x0, y0, cw, ch, G];
    },
    _hit: function (ev) {
      var map = this._map, d = this._d; this._grid();
      var ll = map.mouseEventToLatLng(ev), X = this._X, Y = this._Y;
      var sn = Math.sin(ll.lat * Math.PI / 180), px = (ll.lng + 180) / 360, py = 0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI);
      var g = this._g, scale = 256 * Math.pow(2, map.getZoom());
      var tol = (d.type === 'polygon' ? 0 : ((d.styles[0].radius || 5) + 3)) / scale;
      var gx0 = Math.floor((px - tol - g[0]) / g[2]), gx1 = Math.floor((px + tol - g[0]) / g[2]);
      var gy0 = Math.floor((py - tol - g[1]) / g[3]), gy1 = Math.floor((py + tol - g[1]) / g[3]);
      var best = -1, bestD = Infinity;
      for (var gx = Math.max(0, gx0); gx <= Math.min(g[4] - 1, gx1); gx++) {
        for (var gy = Math.max(0, gy0); gy <= Math.min(g[4] - 1, gy1); gy++) {
          var list = this._cells[gy * g[4] + gx]; if (!list) { continue; }
          for (var j = list.length - 1; j >= 0; j--) {
            var i = list[j];
            if (d.type === 'polygon') {
              if (px < this._b[0][i] || px > this._b[2][i] || py < this._b[1][i] || py > this._b[3][i]) { continue; }
              var inside = false;
              for (var p = d.go[i]; p < d.go[i + 1]; p++) {
                for (var q = d.po[p]; q < d.po[p + 1]; q++) {
                  var a = d.ro[q], e = d.ro[q + 1];
                  for (var v = a, u = e - 1; v < e; u = v++) {
                    if (((Y[v] > py) !== (Y[u] > py)) && (px < (X[u] - X[v]) * (py - Y[v]) / (Y[u] - Y[v]) + X[v])) { inside = !inside; }
                  }
                }
              }
              if (inside && i > best) { best = i; }
            } else {
              var vv = this._fv[0][i], dd = Math.hypot(X[vv] - px, Y[vv] - py);
              if (dd <= tol && dd < bestD) { bestD = dd; best = i; }
            }
          }
        }
      }
      return { i: best, latlng: ll };
    },
    _click: function (h) {
      var d = this._d, map = this._map;
      if (!d.pf || !d.pf.length) { return; }
      // after any ordinary vector layer's own popup, so the large layer on top wins
      setTimeout(function () { L.popup({ maxWidth: 380 }).setLatLng(h.latlng).setContent(popupNode(d, h.i)).openOn(map); }, 0);
    },
    _move: function (h) {
      var d = this._d;
      if (!d.tf) { return; }
      if (!this._tip) { this._tip = L.tooltip({ direction: 'top', offset: [0, -6] }); }
      this._tip.setLatLng(h.latlng).setContent(el('span', null, pv(d, d.tf, h.i)));
      if (!this._map.hasLayer(this._tip)) { this._tip.addTo(this._map); }
    },
    _hideTip: function () { if (this._tip && this._map && this._map.hasLayer(this._tip)) { this._tip.remove(); } }
  });

  function bigDispatch(map, ev, what) {
    function run() {
      var layers = map._dcfBig, found = false;
      for (var j = layers.length - 1; j >= 0; j--) {
        var lyr = layers[j];
        var h = found ? { i: -1 } : lyr._hit(ev);
        if (h.i >= 0) { found = true; lyr[what](h); } else if (what === '_move') { lyr._hideTip(); }
      }
      if (what === '_move') { map.getContainer().style.cursor = found ? 'pointer' : ''; }
    }
    if (what === '_click') { run(); return; }
    if (map._dcfPending) { return; }
    map._dcfPending = true;
    L.Util.requestAnimFrame(function () { map._dcfPending = false; run(); });
  }

  function layer(map, d) {
    unpack(d);
    if (d.big) { return new BigLayer(d); }
    var g = L.featureGroup(), sc = d.scale, c = d.c, st = d.styles, k = d.k, n = d.n;
    // one canvas for every layer: with one canvas per layer only the top one would get clicks
    var rend = map._dcfRenderer || (map._dcfRenderer = L.canvas({ padding: 0.3, tolerance: 4 }));
    function styleOf(i) {
      var s = st[k ? k[i] : 0];
      return L.extend({ renderer: rend }, s);
    }
    var i, lyr;
    if (d.type === 'polygon') {
      var ro = d.ro, po = d.po, go = d.go;
      for (i = 0; i < n; i++) {
        var polys = [];
        for (var p = go[i]; p < go[i + 1]; p++) {
          var rings = [];
          for (var r = po[p]; r < po[p + 1]; r++) { rings.push(decodeRun(c, 0, ro[r], ro[r + 1], sc)); }
          if (rings.length) { polys.push(rings); }
        }
        if (!polys.length) { continue; }
        lyr = L.polygon(polys.length === 1 ? polys[0] : polys, styleOf(i));
        lyr._dcf = i; g.addLayer(lyr);
      }
    } else if (d.type === 'line') {
      var lo = d.lo, lg = d.lg;
      for (i = 0; i < n; i++) {
        var parts = [];
        for (var q = lg[i]; q < lg[i + 1]; q++) { parts.push(decodeRun(c, 0, lo[q], lo[q + 1], sc)); }
        if (!parts.length) { continue; }
        lyr = L.polyline(parts.length === 1 ? parts[0] : parts, styleOf(i));
        lyr._dcf = i; g.addLayer(lyr);
      }
    } else {
      for (i = 0; i < n; i++) {
        if (c[2 * i] === null) { continue; }
        lyr = L.circleMarker([c[2 * i + 1] / sc, c[2 * i] / sc], styleOf(i));
        lyr._dcf = i; g.addLayer(lyr);
      }
    }
    if (d.pf && d.pf.length) {
      g.bindPopup(function (l) { return popupNode(d, l._dcf); }, { maxWidth: 380 });
    }
    if (d.tf) {
      g.bindTooltip(function (l) { return el('span', null, pv(d, d.tf, l._dcf)); }, { sticky: true });
    }
    if (d.labels) {
      for (i = 0; i < d.labels.length; i++) {
        var lb = d.labels[i];
        var tip = L.tooltip({ permanent: true, direction: 'center', className: 'dcf-label ' + (d.labelClass || ''),
                              interactive: false, dcfSize: d.labelSizes ? d.labelSizes[i] || 0 : 0 })
          .setLatLng([lb[0], lb[1]]).setContent(el('span', null, lb[2]));
        g.addLayer(tip);
      }
    }
    return g;
  }
  function legend(map, cfg) {
    var C = L.Control.extend({
      options: { position: 'bottomright' },
      onAdd: function () {
        var box = el('div', 'dcf-legend leaflet-control');
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        box.appendChild(el('div', 'dcf-legend-title', cfg.title));
        for (var i = 0; i < cfg.groups.length; i++) {
          var grp = cfg.groups[i];
          if (grp.name) { box.appendChild(el('div', 'dcf-legend-group', grp.name)); }
          // an unnamed group after a named one would read as part of it (中心城区服务业引领核 under
          // 工业集聚区): a rule closes the named group first
          else if (i > 0 && cfg.groups[i - 1].name) { box.appendChild(el('div', 'dcf-legend-sep')); }
          for (var j = 0; j < grp.items.length; j++) {
            var it = grp.items[j], row = el('div', 'dcf-legend-row');
            var sw = el('span', 'dcf-swatch dcf-' + it.kind);
            if (it.kind === 'line') { sw.style.borderTopColor = it.edge; sw.style.borderTopWidth = Math.max(2, it.width) + 'px'; }
            else if (it.fills && it.fills.length > 1) {
              // a layer drawn in several colours (one per zone) shows them all, side by side
              var stops = [], n = it.fills.length;
              for (var f = 0; f < n; f++) { stops.push(it.fills[f] + ' ' + (100 * f / n) + '%', it.fills[f] + ' ' + (100 * (f + 1) / n) + '%'); }
              sw.style.background = 'linear-gradient(to right, ' + stops.join(', ') + ')'; sw.style.borderColor = it.edge;
              sw.className += ' dcf-multi';
            }
            else { sw.style.background = it.fill === 'none' ? 'transparent' : it.fill; sw.style.borderColor = it.edge; }
            row.appendChild(sw); row.appendChild(el('span', null, it.label));
            box.appendChild(row);
          }
        }
        for (var m = 0; m < cfg.notes.length; m++) { box.appendChild(el('div', 'dcf-legend-note', cfg.notes[m])); }
        // The legend shares the right edge with the layer list: give it only the height the list
        // leaves free (it scrolls inside), so that neither covers the other in a small window.
        function fit() {
          var list = map.getContainer().querySelector('.leaflet-control-layers');
          var taken = list ? list.offsetHeight + 30 : 0;
          box.style.maxHeight = Math.max(120, map.getSize().y - taken - 30) + 'px';
        }
        setTimeout(fit, 0);
        map.on('resize', fit);
        return box;
      }
    });
    return new C().addTo(map);
  }
  function title(map, text, sub) {
    var box = el('div', 'dcf-title');
    box.appendChild(el('div', 'dcf-title-main', text));
    if (sub) { box.appendChild(el('div', 'dcf-title-sub', sub)); }
    map.getContainer().appendChild(box);
    map.on('resize', function () { fitTitle(map); });
  }
  function fitTitle(map) {
    // the centred title stays between the buttons (left) and the layer list (right): in a laptop
    // window a long subtitle otherwise runs under the layer list
    var c = map.getContainer(), box = c.querySelector('.dcf-title'), cr = c.getBoundingClientRect();
    if (!box) { return; }
    var side = 0, els = c.querySelectorAll('.leaflet-top .leaflet-control'), i;
    for (i = 0; i < els.length; i++) {
      var r = els[i].getBoundingClientRect();
      if (!r.width) { continue; }
      side = Math.max(side, r.left - cr.left < cr.width / 2 ? r.right - cr.left : cr.right - r.left);
    }
    box.style.maxWidth = Math.max(240, cr.width - 2 * side - 24) + 'px';
  }
  function button(map, label, tip, onClick, pos) {
    var C = L.Control.extend({
      options: { position: pos || 'topleft' },
      onAdd: function () {
        var bar = el('div', 'leaflet-bar leaflet-control');
        var a = el('a', 'dcf-button', label); a.href = '#'; a.title = tip; a.setAttribute('role', 'button');
        L.DomEvent.on(a, 'click', function (e) { L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e); onClick(a); });
        bar.appendChild(a); return bar;
      }
    });
    return new C().addTo(map);
  }
  function fullscreen(map, label) {
    var box = map.getContainer();
    return button(map, label, label, function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (box.requestFullscreen) { box.requestFullscreen(); }
    });
  }
  function measure(map, label) {
    var on = false, pts = [], line = null, marks = L.layerGroup().addTo(map), out = null;
    function reset() { pts = []; marks.clearLayers(); line = null; if (out) { out.textContent = ''; } }
    var ctl = button(map, label, label + '：单击地图逐点量测距离，双击结束；再次点击按钮清除', function (a) {
      on = !on; a.classList.toggle('dcf-active', on); reset();
      map.getContainer().style.cursor = on ? 'crosshair' : '';
      if (on) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
    });
    out = el('div', 'dcf-measure-out'); ctl.getContainer().appendChild(out);
    // listen on the container, not map 'click': a click on a vector layer opens its popup and stops
    // the map event, which would make measuring over zones impossible
    map.on('popupopen', function () { if (on) { map.closePopup(); } });
    L.DomEvent.on(map.getContainer(), 'click', function (ev) {
      if (!on || (ev.target && ev.target.closest && ev.target.closest('.leaflet-control'))) { return; }
      var e = { latlng: map.mouseEventToLatLng(ev) };
      pts.push(e.latlng);
      marks.addLayer(L.circleMarker(e.latlng, { radius: 3, color: '#000', weight: 1, fillOpacity: 1 }));
      if (line) { line.setLatLngs(pts); } else { line = L.polyline(pts, { color: '#000', weight: 2, dashArray: '4 3' }); marks.addLayer(line); }
      var m = 0; for (var i = 1; i < pts.length; i++) { m += map.distance(pts[i - 1], pts[i]); }
      out.textContent = (m / 1000).toFixed(m < 10000 ? 2 : 1) + ' 千米';
    });
    L.DomEvent.on(map.getContainer(), 'dblclick', function () { if (on) { on = false; map.doubleClickZoom.enable(); map.getContainer().style.cursor = ''; } });
    return ctl;
  }
  function fit(map, b, opt) {
    // Open on the answer: fit its bounds into the part of the window that the title (top), the
    // buttons (left), the scale (bottom) and the layer list and legend (right) leave free, as they
    // are laid out at this window size. No animation: the map opens where it should be.
    if (!b) { return; }
    opt = opt || {};
    var c = map.getContainer(), cr = c.getBoundingClientRect(), W = cr.width, H = cr.height;
    var gap = opt.margin === undefined ? 12 : opt.margin, minShare = opt.minShare || 0.45;
    var top = 0, left = 0, right = 0, bottom = 0;
    function each(sel, f) {
      var els = c.querySelectorAll(sel);
      for (var i = 0; i < els.length; i++) {
        var r = els[i].getBoundingClientRect();
        if (r.width && r.height) { f(r); }
      }
    }
    fitTitle(map);
    each('.dcf-title', function (r) { top = Math.max(top, r.bottom - cr.top); });
    each('.leaflet-top.leaflet-left .leaflet-control', function (r) { left = Math.max(left, r.right - cr.left); });
    each('.leaflet-bottom.leaflet-left .leaflet-control', function (r) { bottom = Math.max(bottom, cr.bottom - r.top); });
    each('.leaflet-right .leaflet-control', function (r) { right = Math.max(right, cr.right - r.left); });
    // in a small window the panels may cover most of it: keep at least minShare of each side free
    // for the answer (the panels then overlap its edge rather than shrinking it to a speck)
    function squeeze(a, z, total) {
      var free = total - a - z - 2 * gap, need = minShare * total;
      if (free >= need) { return [a, z]; }
      var k = Math.max(0, (total - need - 2 * gap) / Math.max(1, a + z));
      return [a * k, z * k];
    }
    var lr = squeeze(left, right, W), tb = squeeze(top, bottom, H);
    var pad = [Math.round(lr[0] + gap), Math.round(tb[0] + gap), Math.round(lr[1] + gap), Math.round(tb[1] + gap)];
    var last = map._dcfFit && map._dcfFit.padding;
    if (opt.ifChanged && last && last.join() === pad.join()) { return pad; }  // same view: no redraw
    var bounds = L.latLngBounds(b);
    map.fitBounds(bounds, { paddingTopLeft: [pad[0], pad[1]], paddingBottomRight: [pad[2], pad[3]],
                            maxZoom: opt.maxZoom || 18, animate: false });
    // what the view was fitted to, for tests and for anyone debugging a map
    map._dcfFit = { bounds: b, padding: pad };
    return pad;
  }
  function fitOnceLaidOut(map, b, opt, done) {
    // Fit now (the first paint is near right), then again once the embedded font is in: until
    // then the panels have the fallback font's widths, and the padding measured from them is
    // wrong. The second fit is skipped if the user has already moved the map.
    var touched = false, c = map.getContainer(), finished = false;
    function mark() { touched = true; }
    ['mousedown', 'wheel', 'touchstart', 'keydown'].forEach(function (t) { L.DomEvent.on(c, t, mark); });
    fit(map, b, opt);
    function finish() {
      if (finished) { return; }
      finished = true;
      if (!touched) { fit(map, b, L.extend({}, opt, { ifChanged: true })); }
      ['mousedown', 'wheel', 'touchstart', 'keydown'].forEach(function (t) { L.DomEvent.off(c, t, mark); });
      // ready after the frame in which large layers redraw for this view
      if (done) { L.Util.requestAnimFrame(done); }
    }
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(function () { L.Util.requestAnimFrame(finish); });
      setTimeout(finish, opt && opt.fontWaitMs || 3000);  // never wait on a font for ever
    } else { finish(); }
  }
  function zoomClass(map) {
    // labels declare the zoom from which they show (class dcf-minzN); the container carries dcf-zN
    var c = map.getContainer();
    function update() {
      c.className = c.className.replace(/ ?dcf-z\d+/g, '') + ' dcf-z' + Math.round(map.getZoom());
    }
    map.on('zoomend', update); update();
  }
  function labelsApart(map) {
    // permanent labels are drawn where their feature is, whatever is there: two zones' names ran into one
    // (郑家镇工业集聚区件产业园) and a parcel's marker sat on its town's name. Each label, in order (counts,
    // then zone names, then towns' small names; within a kind, in the layers' order), takes the first place
    // around its anchor — on it, above, below, right, left — clear of the labels placed before it and of the
    // point markers; with none clear it is hidden at this zoom (its name stays in the feature's tooltip).
    // Among zone names the larger zone's goes first (a cluster's before the parks inside it)
    var pending = false;
    function rank(t) {
      var c = t.options.className || '';
      return /dcf-count-label/.test(c) ? 0 : /dcf-label-small/.test(c) ? 2 : 1;
    }
    function clear(a, taken) {
      for (var i = 0; i < taken.length; i++) {
        var b = taken[i];
        if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) { return false; }
      }
      return true;
    }
    function run() {
      pending = false;
      var tips = [], taken = [], seq = 0, origin = map.getContainer().getBoundingClientRect();
      map.eachLayer(function (l) {
        if (l instanceof L.Tooltip) {
          if (l.options.permanent && /dcf-label/.test(l.options.className || '') && l.getElement()) {
            tips.push({ t: l, e: l.getElement(), s: seq++ });
          }
        } else if (l instanceof L.CircleMarker && !(l instanceof L.Circle)) {
          var p = map.latLngToContainerPoint(l.getLatLng()), r = l.getRadius() + (l.options.weight || 0) / 2;
          taken.push({ l: p.x - r, r: p.x + r, t: p.y - r, b: p.y + r });
        }
      });
      var marks = taken.slice();
      tips.forEach(function (x) { x.e.style.marginLeft = ''; x.e.style.marginTop = ''; x.e.style.visibility = ''; });
      tips.sort(function (a, b) {
        return rank(a.t) - rank(b.t) || (b.t.options.dcfSize || 0) - (a.t.options.dcfSize || 0) || a.s - b.s;
      });
      tips.forEach(function (x) {
        var q = x.e.getBoundingClientRect();
        if (!q.width) { return; }  // not shown at this zoom (dcf-minzN)
        var w = q.width, h = q.height, reach = 0, base = { l: q.left - origin.left, r: q.right - origin.left,
                                                            t: q.top - origin.top, b: q.bottom - origin.top };
        marks.forEach(function (m) { if (!clear(base, [m])) { reach = Math.max(reach, (m.b - m.t) / 2); } });
        var dy = Math.max(h, h / 2 + reach + 2), moves = [[0, 0], [0, -dy], [0, dy], [w / 2 + reach + 6, 0],
                                                          [-(w / 2 + reach + 6), 0]];
        for (var k = 0; k < moves.length; k++) {
          var a = { l: base.l + moves[k][0], r: base.r + moves[k][0], t: base.t + moves[k][1], b: base.b + moves[k][1] };
          if (clear(a, taken)) {
            if (k) {
              var cs = window.getComputedStyle(x.e);
              x.e.style.marginLeft = (parseFloat(cs.marginLeft) || 0) + moves[k][0] + 'px';
              x.e.style.marginTop = (parseFloat(cs.marginTop) || 0) + moves[k][1] + 'px';
            }
            taken.push(a);
            return;
          }
        }
        x.e.style.visibility = 'hidden';
      });
    }
    function later() { if (!pending) { pending = true; L.Util.requestAnimFrame(run); } }
    map.on('zoomend overlayadd overlayremove resize', later);
    return run;
  }
  return { layer: layer, legend: legend, title: title, fullscreen: fullscreen, measure: measure, el: el,
           zoomClass: zoomClass, fit: fit, fitOnceLaidOut: fitOnceLaidOut, labelsApart: labelsApart };
})();
