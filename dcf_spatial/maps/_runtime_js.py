"""The small JS runtime every web map of this project inlines (see :mod:`dcf_spatial.maps.webmap`).

Written by hand because no maintained package does these jobs for Leaflet as package data:

* decoding our compact geometry encoding (integer-delta coordinates in ragged arrays, the
  GeoArrow layout in JSON) into Leaflet vector layers drawn on one shared canvas — this is what
  keeps a map of 100,000 parcels small and fast to open;
* popups and tooltips built with DOM ``textContent`` (never ``innerHTML``), so attribute values are
  always shown as text;
* the fullscreen and distance-measure controls: folium's Fullscreen/MeasureControl plugins load
  their JS from CDNs and no PyPI package ships those plugins as package data; both controls here
  are a few lines over browser APIs (Fullscreen API) and Leaflet's own ``map.distance``.
"""

RUNTIME_JS = r"""
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
  function popupNode(d, i) {
    var box = el('div', 'dcf-popup');
    if (d.title) { box.appendChild(el('div', 'dcf-popup-title', d.title)); }
    var t = el('table');
    for (var j = 0; j < d.pf.length; j++) {
      var f = d.pf[j], v = d.props[f[0]][i];
      if (v === null || v === undefined || v === '') { continue; }
      var tr = el('tr');
      tr.appendChild(el('th', null, f[1]));
      tr.appendChild(el('td', null, v));
      t.appendChild(tr);
    }
    box.appendChild(t);
    return box;
  }
  function layer(map, d) {
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
      g.bindTooltip(function (l) { return el('span', null, d.props[d.tf][l._dcf]); }, { sticky: true });
    }
    if (d.labels) {
      for (i = 0; i < d.labels.length; i++) {
        var lb = d.labels[i];
        var tip = L.tooltip({ permanent: true, direction: 'center', className: 'dcf-label ' + (d.labelClass || ''),
                              interactive: false })
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
          for (var j = 0; j < grp.items.length; j++) {
            var it = grp.items[j], row = el('div', 'dcf-legend-row');
            var sw = el('span', 'dcf-swatch dcf-' + it.kind);
            if (it.kind === 'line') { sw.style.borderTopColor = it.edge; sw.style.borderTopWidth = Math.max(2, it.width) + 'px'; }
            else { sw.style.background = it.fill === 'none' ? 'transparent' : it.fill; sw.style.borderColor = it.edge; }
            row.appendChild(sw); row.appendChild(el('span', null, it.label));
            box.appendChild(row);
          }
        }
        for (var m = 0; m < cfg.notes.length; m++) { box.appendChild(el('div', 'dcf-legend-note', cfg.notes[m])); }
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
    map.on('click', function (e) {
      if (!on) { return; }
      pts.push(e.latlng);
      marks.addLayer(L.circleMarker(e.latlng, { radius: 3, color: '#000', weight: 1, fillOpacity: 1 }));
      if (line) { line.setLatLngs(pts); } else { line = L.polyline(pts, { color: '#000', weight: 2, dashArray: '4 3' }); marks.addLayer(line); }
      var m = 0; for (var i = 1; i < pts.length; i++) { m += map.distance(pts[i - 1], pts[i]); }
      out.textContent = (m / 1000).toFixed(m < 10000 ? 2 : 1) + ' 千米';
    });
    map.on('dblclick', function () { if (on) { on = false; map.doubleClickZoom.enable(); map.getContainer().style.cursor = ''; } });
    return ctl;
  }
  function zoomClass(map) {
    // labels declare the zoom from which they show (class dcf-minzN); the container carries dcf-zN
    var c = map.getContainer();
    function update() {
      c.className = c.className.replace(/ ?dcf-z\d+/g, '') + ' dcf-z' + Math.round(map.getZoom());
    }
    map.on('zoomend', update); update();
  }
  return { layer: layer, legend: legend, title: title, fullscreen: fullscreen, measure: measure, el: el,
           zoomClass: zoomClass };
})();
"""

LABEL_ZOOM_CSS = "\n".join(
    f".dcf-minz{mz}{{display:none}}" + "".join(f" .dcf-z{z} .dcf-minz{mz}{{display:block}}" for z in range(mz, 21))
    for mz in range(5, 19)
)

RUNTIME_CSS = LABEL_ZOOM_CSS + r"""
.dcf-title { position: absolute; top: 8px; left: 50%; transform: translateX(-50%); z-index: 800;
  background: rgba(255,255,255,0.92); padding: 6px 16px; border-radius: 4px; pointer-events: none;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); text-align: center; max-width: 60%; }
.dcf-title-main { font-size: 18px; font-weight: bold; color: #222; }
.dcf-title-sub { font-size: 12px; color: #555; margin-top: 2px; }
.dcf-legend { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 4px; font-size: 12px;
  line-height: 1.5; max-height: 60vh; overflow-y: auto; max-width: 300px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
.dcf-legend-title { font-weight: bold; font-size: 13px; margin-bottom: 4px; }
.dcf-legend-group { font-weight: bold; margin-top: 6px; color: #333; }
.dcf-legend-row { display: flex; align-items: center; gap: 6px; }
.dcf-swatch { display: inline-block; width: 18px; height: 12px; border: 1.5px solid #333; flex: none; }
.dcf-swatch.dcf-line { height: 0; border: none; border-top: 3px solid #333; }
.dcf-swatch.dcf-point { width: 10px; height: 10px; border-radius: 50%; }
.dcf-legend-note { margin-top: 6px; color: #555; font-size: 11px; border-top: 1px solid #ddd; padding-top: 4px; }
.dcf-popup-title { font-weight: bold; margin-bottom: 4px; }
.dcf-popup table { border-collapse: collapse; font-size: 12px; }
.dcf-popup th { text-align: left; color: #555; padding: 1px 8px 1px 0; vertical-align: top; white-space: nowrap; font-weight: normal; }
.dcf-popup td { padding: 1px 0; max-width: 260px; word-break: break-all; }
.leaflet-tooltip.dcf-label { background: transparent; border: none; box-shadow: none; font-size: 12px;
  color: #333; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; font-weight: bold; padding: 0; }
.leaflet-tooltip.dcf-label::before { display: none; }
.leaflet-tooltip.dcf-label-small { font-size: 11px; font-weight: normal; color: #444; }
.dcf-button { font-size: 12px; width: auto !important; padding: 0 6px; white-space: nowrap; }
.dcf-button.dcf-active { background: #ffe08a !important; }
.dcf-measure-out { background: #fff; font-size: 12px; padding: 0 4px; }
.dcf-measure-out:empty { display: none; }
.dcf-hidden-label { display: none; }
.leaflet-container { background: #f8f8f6; font-family: "Noto Sans SC", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
"""
