/* 选址核查 page of the planning desk. Every text that comes from data (layer attributes, names,
   messages) is put in the page with textContent, never innerHTML. The small drawing code below
   (click a point, click polygon vertices) is written here because no pip package ships Leaflet.draw
   for offline use (xstatic has Leaflet itself, not its draw plugin). */
(function () {
  'use strict';
  var PROV_ZH = { schematic: '示意', authoritative: '权威', reference: '参考' };
  var VERDICT_COLOR = { fits: '#1a7f37', conditional: '#d4a72c', does_not_fit: '#cf222e', outside_plan_area: '#57606a' };
  var HIDDEN_AT_START = { townships: 1, other_units: 1, planning_area: 1, anchor_enterprises: 1 };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function fmt(v, digits) {
    if (v === null || v === undefined || v === '') { return '—'; }
    if (typeof v === 'number') { return String(Math.round(v * Math.pow(10, digits || 2)) / Math.pow(10, digits || 2)); }
    return String(v);
  }
  function api(url, opts) {
    return fetch(url, opts || {}).then(function (r) {
      var type = r.headers.get('content-type') || '';
      if (!r.ok) {
        if (type.indexOf('json') >= 0) {
          return r.json().then(function (j) { var e = new Error(j.error || ('请求失败：' + r.status)); e.body = j; throw e; });
        }
        throw new Error('请求失败：' + r.status);
      }
      if (type.indexOf('json') >= 0) { return r.json(); }
      // a file: with the name the server gave it (Content-Disposition filename*, RFC 5987)
      var m = /filename\*=UTF-8''([^;]+)/i.exec(r.headers.get('content-disposition') || '');
      return r.blob().then(function (b) { b.savedName = m ? decodeURIComponent(m[1]) : 'download'; return b; });
    });
  }
  function showError(msg) { $('error').textContent = msg || ''; }

  // ---- the map and the plan layers ------------------------------------------------------------
  var map = L.map('map', { zoomControl: true, preferCanvas: true }).setView([36.45, 115.95], 10);
  window.dcfMap = map;
  var overlays = {}, zoneFeatures = {}, highlight = L.layerGroup().addTo(map), siteLayer = L.layerGroup().addTo(map);
  var switcher = L.control.layers(null, null, { collapsed: false, position: 'topright' }).addTo(map);
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () { this._div = el('div', null, 'legend'); return this._div; };
  legend.addTo(map);
  // the layer list and the legend each fold away with one click (remembered in this browser), so together they
  // never cover a third of the map; on a map under 900 px high the legend starts folded (its button stays)
  function foldable(box, key, title, foldedAtFirst) {
    var b = el('button', '', 'panel-toggle');
    b.type = 'button';
    b.setAttribute('data-panel', key);
    function set(folded) {
      box.classList.toggle('folded', folded);
      // words only: a symbol outside the page font would fetch the whole font
      b.textContent = (folded ? '展开' : '收起') + title;
    }
    var saved = null;
    try { saved = window.localStorage.getItem('dcf-fold-' + key); } catch (e) { /* private mode */ }
    b.addEventListener('click', function (ev) {
      L.DomEvent.stopPropagation(ev);
      var folded = !box.classList.contains('folded');
      set(folded);
      try { window.localStorage.setItem('dcf-fold-' + key, folded ? '1' : '0'); } catch (e) { /* private mode */ }
    });
    L.DomEvent.disableClickPropagation(b);
    box.insertBefore(b, box.firstChild);
    set(saved === null ? !!foldedAtFirst : saved === '1');
  }
  foldable(switcher.getContainer(), 'layers', '图层列表', false);
  foldable(legend._div, 'legend', '图例', map.getSize().y < 900);

  var popupNode = desk.popupNode;  // common.js: attributes as text, never HTML

  function addLayer(meta, fc) {
    var st = meta.style || {};
    var lyr = L.geoJSON(fc, {
      style: function (f) {
        var fill = (f.properties && f.properties._fill) || st.fill || '#888';
        var none = fill === 'none';
        var opacity = typeof st.fill_opacity === 'number' ? st.fill_opacity : 0.4;
        return { color: st.edge || fill, weight: st.width || 1, fillColor: none ? '#000' : fill,
                 fillOpacity: st.kind === 'polygon' && !none ? opacity : 0,
                 dashArray: Array.isArray(st.dash) ? st.dash.join(' ') : (st.dash || null) };
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: st.edge || '#333', fillColor: st.fill || '#888', fillOpacity: 0.9, weight: 1 });
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        layer.on('click', function (e) {
          L.DomEvent.stopPropagation(e);
          if (mode === 'point' || mode === 'polygon') { siteClick(e); return; }  // drawing: the click places the site
          L.popup().setLatLng(e.latlng).setContent(popupNode(p.name_zh || meta.title_zh, p)).openOn(map);
        });
        var id = p.zone_id || p.id;
        if (id) { zoneFeatures[id] = layer; }
        // the zone's name on hover (a text node: a name from data is never HTML)
        if (p.name_zh && meta.id !== 'district') {
          layer.bindTooltip(el('span', p.name_zh, 'zone-tip'), { sticky: true, direction: 'top', opacity: 0.9 });
        }
      }
    });
    overlays[meta.id] = lyr;
    var prov = PROV_ZH[meta.provenance] || meta.provenance;
    var label = meta.title_zh.indexOf(prov) >= 0 ? meta.title_zh : meta.title_zh + '（' + prov + '）';
    switcher.addOverlay(lyr, label);
    if (!HIDDEN_AT_START[meta.id]) { lyr.addTo(map); }
    var row = el('div');
    var sw = el('i');
    sw.style.background = st.kind === 'polygon' && st.fill !== 'none' ? (st.fill || '#888') : 'transparent';
    sw.style.borderColor = st.edge || st.fill || '#555';
    if (st.kind === 'point') {  // a point layer: the map's circle marker, not an empty box
      sw.className = 'point';
      sw.style.background = st.fill || '#888';
      sw.style.borderColor = st.edge || '#333';
      sw.style.borderRadius = '50%';
      sw.style.width = '10px';
      sw.style.height = '10px';
      sw.style.margin = '0 8px 0 2px';
      if (/^#f{3,6}$/i.test(sw.style.borderColor) || sw.style.borderColor === 'rgb(255, 255, 255)') { sw.style.borderColor = '#333'; }
    }
    row.appendChild(sw);
    row.appendChild(document.createTextNode(meta.title_zh));
    row.appendChild(el('span', PROV_ZH[meta.provenance] || meta.provenance, 'badge'));
    legend._div.appendChild(row);
    if (meta.id === 'district') { map.fitBounds(lyr.getBounds()); }
  }

  // every layer in one request (coordinates to ~0.1 m, gzip; site.html preloads it while the scripts load);
  // GET /api/layers/{id} stays the exact copy for other systems
  var ready = api('/api/map-layers').then(function (j) {
    j.layers.forEach(function (m) { addLayer(m, m.geojson); });
  }).catch(function (e) { showError('图层加载失败：' + e.message); });
  // the "layers drawn" marker (tests, benchmarks/bench_serve.py): every plan layer is on the map
  ready.then(function () { window.dcfLayersDrawnMs = performance.now(); window.dcfReady = true; });

  // ---- the site: point, polygon, file or typed -------------------------------------------------
  var mode = 'point', site = null, siteCrs = null, siteDrawn = false, vertices = [], preview = null;
  var HINTS = { point: '在地图上单击选定场地位置。', polygon: '在地图上依次单击多边形顶点，双击或点“完成多边形”结束。',
                file: '选择场地文件，读入后显示在地图上。', text: '输入地名（镇街、集聚区、园区、示范区，输入时有提示）、“经度,纬度”或 WKT 后点“定位”。' };
  function setMode(m) {
    mode = m;
    Array.prototype.forEach.call(document.querySelectorAll('#site-tabs button'), function (b) {
      b.className = b.getAttribute('data-mode') === m ? 'on' : '';
    });
    $('mode-hint').textContent = HINTS[m];
    $('polygon-tools').hidden = m !== 'polygon';
    $('file-box').hidden = m !== 'file';
    $('text-box').hidden = m !== 'text';
    if (m === 'polygon') { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll('#site-tabs button'), function (b) {
    b.addEventListener('click', function () { setMode(b.getAttribute('data-mode')); });
  });
  // drawn: the site was clicked or drawn on this map (the report says 在地图上绘制; a geometry another
  // system sends through the API is said as 通过接口提交的 GeoJSON 几何)
  function setSite(value, crs, layer, text, drawn) {
    staleAnswer();
    site = value; siteCrs = crs; siteDrawn = !!drawn;
    siteLayer.clearLayers(); highlight.clearLayers();
    if (layer) { siteLayer.addLayer(layer); }
    $('site-status').textContent = text;
  }
  function drawPreview() {
    if (preview) { siteLayer.removeLayer(preview); }
    preview = L.polyline(vertices, { color: '#0050b3', weight: 2, dashArray: '4 4' });
    siteLayer.addLayer(preview);
    vertices.forEach(function (v) { siteLayer.addLayer(L.circleMarker(v, { radius: 3, color: '#0050b3' })); });
  }
  function finishPolygon() {
    if (vertices.length < 3) { showError('多边形至少需要 3 个顶点。'); return; }
    var ring = vertices.map(function (v) { return [v.lng, v.lat]; });
    ring.push(ring[0]);
    var poly = L.polygon(vertices, { color: '#0050b3', weight: 3, fillOpacity: 0.15 });
    setSite({ type: 'Polygon', coordinates: [ring] }, 'EPSG:4326', poly, '已画多边形（' + vertices.length + ' 个顶点）。', true);
    vertices = []; preview = null;
  }
  function siteClick(e) {
    if (mode === 'point') {
      var ll = e.latlng;
      setSite({ type: 'Point', coordinates: [ll.lng, ll.lat] }, 'EPSG:4326',
              L.circleMarker(ll, { radius: 8, color: '#0050b3', weight: 3 }),
              '已选点：' + ll.lng.toFixed(5) + ', ' + ll.lat.toFixed(5), true);
    } else if (mode === 'polygon') {
      if (vertices.length === 0) { siteLayer.clearLayers(); highlight.clearLayers(); site = null; }
      vertices.push(e.latlng);
      drawPreview();
      $('site-status').textContent = '已点 ' + vertices.length + ' 个顶点。';
    }
  }
  map.on('click', siteClick);
  map.on('dblclick', function () { if (mode === 'polygon') { finishPolygon(); } });
  $('poly-finish').addEventListener('click', finishPolygon);
  $('poly-clear').addEventListener('click', function () { vertices = []; preview = null; setSite(null, null, null, ''); });
  $('site-file').addEventListener('change', function () {
    var f = this.files[0];
    if (!f) { return; }
    var fd = new FormData();
    fd.append('file', f);
    if ($('crs').value) { fd.append('crs', $('crs').value); }
    showError('');
    $('site-status').textContent = '正在读取文件……';
    api('/api/site/read', { method: 'POST', body: fd }).then(function (j) {
      var lyr = L.geoJSON(j.geometry, { style: { color: '#0050b3', weight: 3, fillOpacity: 0.15 } });
      // the file's 地块 one by one (编号, 名称, the file's name): checked as one site, downloaded as they came
      // the CRS the file was read in and who said so (its header or .prj, the 坐标系 box, or a guess): the check's
      // 读取说明 and the reports say the same (the 地块 carry it back)
      // the file's 图形警告 (a recorded 地块面积 off its coordinates) said at once, not only after 核查 (re-QA 7)
      var warned = ((j.parcels && j.parcels.shape_warnings) || []).map(function (w) { return '图形警告：' + w; });
      setSite(j.parcels || j.geometry, j.crs, lyr, '已读取文件 ' + f.name + '：' + j.features + ' 个要素' +
        (j.crs_read_zh ? '；坐标系 ' + j.crs_read_zh : '') + '。' + warned.join(''));
      map.fitBounds(lyr.getBounds(), { maxZoom: 15 });
    }).catch(function (e) { $('site-status').textContent = ''; showError(e.message); });
  });
  // a typed site: "lon,lat", WKT, or a place name of the store's gazetteer (suggestions while typing)
  var LONLAT = /^\s*([-+]?\d+(?:\.\d+)?)\s*[,，\s]\s*([-+]?\d+(?:\.\d+)?)\s*$/, WKT = /^\s*(MULTI)?(POINT|POLYGON|LINESTRING)\s*(Z\s*)?\(/i;
  // coordinates labelled with their hemispheres (E115.7612 N36.4475, 东经115.7612 北纬36.4475): the server reads
  // them (dcf_spatial.io.site.labelled_lonlat, degrees-minutes-seconds too) or says the form to type; never a place name
  var LABELLED = /^[\s(（]*(?:东经|北纬|西经|南纬|[ENWS])\s*[:：]?\s*\d|\d\s*[°度′'″"]*\s*(?:东经|北纬|西经|南纬|[ENWS])\s*(?:[,，;；\/、\s]|$)/i;
  function labelledPoint(v) {
    // the marker of a decimal labelled pair ([lon, lat]), else null (the check still reads the value)
    var re = /(东经|北纬|西经|南纬|[ENWS])\s*[:：]?\s*(\d+(?:\.\d+)?)(?![\d°度])|(\d+(?:\.\d+)?)\s*(东经|北纬|西经|南纬|[ENWS])(?![A-Za-z])/gi;
    var got = {}, m;
    while ((m = re.exec(v)) !== null) {
      var label = (m[1] || m[4]).toUpperCase(), num = parseFloat(m[2] || m[3]);
      var axis = /^(E|W|东经|西经)$/.test(label) ? 'lon' : 'lat';
      got[axis] = (/^(W|S|西经|南纬)$/.test(label) ? -1 : 1) * num;
    }
    return (got.lon !== undefined && got.lat !== undefined) ? [got.lon, got.lat] : null;
  }
  var placeTimer = null;
  function placeOutline(match) {
    return L.geoJSON(match.geometry, { interactive: false, style: { color: '#0050b3', weight: 3, fillOpacity: 0.1 },
      pointToLayer: function (g, ll) { return L.circleMarker(ll, { radius: 8, color: '#0050b3', weight: 3 }); } });
  }
  function locatePlace(v) {
    showError('');
    $('site-status').textContent = '正在查找地名……';
    api('/api/places?q=' + encodeURIComponent(v)).then(function (j) {
      if ($('site-text').value.trim() !== v) { return; }
      $('place-list').hidden = true;
      if (!j.match) { setSite(null, null, null, ''); showError(j.error); return; }
      var lyr = placeOutline(j.match);
      // a place is never the project's parcel: the status says the site is approximate (and how it was read)
      setSite(v, null, lyr, '已匹配地名：' + j.match.describe_zh + '。近似位置：场地取该' + j.match.level +
        '，具体地块未知（报批坐标、场地文件须给出地块本身）' +
        (j.match.approximate && j.match.notes && j.match.notes.length ? '。' + j.match.notes[0].split('；')[0] : ''));
      window.dcfPlaceMatch = j.match;
      map.fitBounds(lyr.getBounds(), { maxZoom: 14 });
    }).catch(function (e) { $('site-status').textContent = ''; showError(e.message); });
  }
  function suggestPlaces() {
    var q = $('site-text').value.trim(), list = $('place-list');
    if (!q || LONLAT.test(q) || WKT.test(q) || LABELLED.test(q)) { list.hidden = true; return; }
    api('/api/places?q=' + encodeURIComponent(q)).then(function (j) {
      if ($('site-text').value.trim() !== q) { return; }
      clear(list);
      j.suggestions.forEach(function (p) {
        var li = el('li', p.name + (p.name !== p.unit_name ? ' → ' + p.unit_name : '') + '（' + p.level + '）');
        li.setAttribute('data-name', p.name);
        li.addEventListener('mousedown', function (ev) {
          ev.preventDefault();
          $('site-text').value = p.name;
          list.hidden = true;
          locatePlace(p.name);
        });
        list.appendChild(li);
      });
      list.hidden = j.suggestions.length === 0;
    }).catch(function () { list.hidden = true; });
  }
  $('site-text').addEventListener('input', function () {
    clearTimeout(placeTimer);
    placeTimer = setTimeout(suggestPlaces, 200);
  });
  $('site-text').addEventListener('blur', function () { setTimeout(function () { $('place-list').hidden = true; }, 150); });
  $('site-text').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { $('site-text-go').click(); } });
  $('site-text-go').addEventListener('click', function () {
    var v = $('site-text').value.trim();
    var m = LONLAT.exec(v);
    var layer = null;
    if (v && !m && !WKT.test(v) && !LABELLED.test(v)) { locatePlace(v); return; }
    if (!m && LABELLED.test(v)) {
      var p = labelledPoint(v);
      m = p && [v, String(p[0]), String(p[1])];
    }
    if (m) {
      layer = L.circleMarker([parseFloat(m[2]), parseFloat(m[1])], { radius: 8, color: '#0050b3', weight: 3 });
      map.setView(layer.getLatLng(), Math.max(map.getZoom(), 12));
    }
    setSite(v, $('crs').value || null, layer, v ? '已输入场地：' + v.slice(0, 60) : '');
  });

  // ---- the industry: suggestions while typing ---------------------------------------------------
  var industryTimer = null, industryOk = false;
  function pickIndustry(code, label) {
    $('industry').value = code;
    $('industry-list').hidden = true;
    $('industry-status').textContent = '✓ ' + label;
    industryOk = true;
  }
  function lookupIndustry() {
    var q = $('industry').value.trim(), list = $('industry-list');
    industryOk = false;
    if (!q) { list.hidden = true; $('industry-status').textContent = ''; return; }
    api('/api/industry?q=' + encodeURIComponent(q)).then(function (j) {
      if ($('industry').value.trim() !== q) { return; }
      clear(list);
      if (j.status === 'resolved') {
        list.hidden = true;
        $('industry-status').textContent = '✓ ' + j.label_zh + (j.read_zh ? '（' + j.read_zh + '）' : '');
        industryOk = true;
        return;
      }
      $('industry-status').textContent = j.status === 'ambiguous'
        ? '“' + q + '”' + (j.read_zh ? '（' + j.read_zh + '）' : '') + '有多个可能，请选择：' : '无法识别，相近的有：';
      j.candidates.forEach(function (c) {
        var li = el('li', c.label_zh || (c.code + ' ' + c.name_zh));
        li.setAttribute('data-code', c.code);
        li.addEventListener('mousedown', function (ev) { ev.preventDefault(); pickIndustry(c.code, c.label_zh || c.name_zh); });
        list.appendChild(li);
      });
      list.hidden = j.candidates.length === 0;
    }).catch(function (e) { $('industry-status').textContent = e.message; });
  }
  $('industry').addEventListener('input', function () {
    clearTimeout(industryTimer);
    industryTimer = setTimeout(lookupIndustry, 200);
  });
  $('industry').addEventListener('blur', function () { setTimeout(function () { $('industry-list').hidden = true; }, 150); });

  // ---- the check and the answer -----------------------------------------------------------------
  var FIGURES = ['area_mu', 'investment_wan', 'floor_area_m2', 'footprint_m2', 'admin_area_m2', 'green_area_m2'];
  var lastBody = null;
  // The answer shown and its downloads are about the inputs it was asked with: once any input changes
  // (another site drawn or uploaded, another industry, indicator or 口径), they are taken down until the
  // next 核查 — a 核查意见 downloaded then would be about the old site while the map shows the new one
  // (QA new-user round 2). The downloads send lastBody, so it is cleared too.
  function staleAnswer() {
    if ($('answer').hidden) { return; }
    $('answer').hidden = true;
    lastBody = null;
    window.dcfLastAnswer = null;
    $('stale').hidden = false;
  }
  Array.prototype.forEach.call(document.querySelectorAll('fieldset'), function (box) {
    box.addEventListener('input', staleAnswer);
    box.addEventListener('change', staleAnswer);
  });
  function body() {
    if (!site) { throw new Error('请先给出场地：在地图上点选、画多边形、上传文件，或在“输入”中输入坐标或地名（镇街、集聚区、园区，或“郑家镇王屯村”这样的地址）后点“定位”。'); }
    var ind = $('industry').value.trim();
    if (!ind) { throw new Error('请填写行业（行业词或 GB/T 4754 代码）。'); }
    var b = { site: site, industry: ind };
    if (siteDrawn) { b.drawn_on_map = true; }
    if (siteCrs) { b.crs = siteCrs; } else if ($('crs').value) { b.crs = $('crs').value; }
    var policy = desk.chosenPolicy();  // sent only when it differs from plan_rules.json's default
    if (policy) { b.policy = policy; }
    var project = $('project') && $('project').value.trim();
    if (project) { b.project = project; }
    FIGURES.forEach(function (k) {
      var v = $(k).value;
      if (v !== '') { b[k] = parseFloat(v); }
    });
    // 第九章第三节: the project replaces capacity 等量或减量 (sent only when ticked, as the CLI's flag)
    if ($('capacity_replacement').checked) { b.capacity_replacement = true; }
    return b;
  }
  function row(tbody, cells) {
    var tr = el('tr');
    cells.forEach(function (c) { tr.appendChild(el('td', c)); });
    tbody.appendChild(tr);
  }
  function render(a, sent) {
    // a site placed by a name is the unit's outline, not the parcel's: its 报批 TXT / GPKG are not offered
    var named = a && a.site && a.site.from_name;
    ['gpkg', 'txt'].forEach(function (f) {
      var b = document.querySelector('[data-export=' + f + ']');
      if (b) {
        b.disabled = !!named;
        b.title = named ? '场地按地名近似定位，其范围不是项目地块的边界，不能导出；请画出地块多边形或上传报批坐标 TXT 等地块文件后再核查。' : '';
      }
    });
    window.dcfLastAnswer = a;
    // the setting that decided the check (its reasons name it too); the downloads send the same body
    $('policy-used').textContent = '核查口径：' + desk.policyText(sent && sent.policy, a.reasons || []);
    $('answer').hidden = false;
    $('stale').hidden = true;
    var v = $('verdict');
    v.textContent = a.verdict_zh;
    v.className = a.verdict || 'unchecked';   // no verdict: a layer it needs is missing or empty (the first reason says which)
    var towns = (a.townships || []).map(function (t) { return t.name_zh + '（' + fmt((t.share || 0) * 100, 1) + '%）'; });
    // a unit outside the plan area (湖西街道, administered by a development zone) is named too, never «—» (QA round 9)
    ((a.site && a.site.other_units) || []).forEach(function (u) {
      towns.push(u.name_zh + '（' + fmt((u.share || 0) * 100, 1) + '%，开发区托管，不在规划范围）');
    });
    // a point given without an area has none: say so (the CLI says 面积未知), never "0 亩"
    var mu = a.site && a.site.area_mu;
    var areaTxt = mu ? fmt(mu) + ' 亩' : ('面积未知' + (/Point/.test((a.site && a.site.geometry_type) || '') ? '（点位）' : ''));
    // a phrase read by the known words it contains (银行网点 → 按所含词「银行」识别) says how it was read
    var ind = a.industry || {};
    var readTxt = ind.read_zh ? '；行业：' + (ind.codes || []).join('、') + ' ' + (ind.names_zh || []).join('、')
      + '（“' + ind.input + '”' + ind.read_zh + '）' : '';
    $('site-facts').textContent = '场地面积：' + areaTxt + '；所在镇（街道）：' + (towns.join('、') || '—') + readTxt;
    // the parcel's shape or its recorded area may be wrong (a 报批 TXT whose 地块面积 is 15× its red line): said
    // under the verdict, as the CLI's first lines say it (new-user F3)
    var sw = $('shape-warnings'); clear(sw);
    ((a.site && a.site.shape_warnings_zh) || []).forEach(function (w) { sw.appendChild(el('li', '图形警告：' + w)); });
    sw.hidden = !sw.childNodes.length;
    var ul = $('reasons'); clear(ul);
    (a.reasons || []).forEach(function (r) { ul.appendChild(el('li', r.text_zh)); });
    var zb = $('zones').tBodies[0]; clear(zb);
    // a site placed by a name is "somewhere in the unit": the unit's 亩 are not the project's (the declared
    // area or 未给出), and a zone's share is a share of the unit
    // (QA round 7: the declared 亩 in every zone row read as 50 亩 in each; the zone's 亩 inside the unit is shown,
    // under a header saying so, as the DOCX/PDF say it)
    var level = (named && a.site.from_name && a.site.from_name.level) || '单元';
    $('zones').tHead.rows[0].cells[1].textContent = named ? '该' + level + '内面积（亩）' : '面积（亩）';
    (a.zones || []).forEach(function (z) {
      // a point feature (特色小镇) has no area: it lies in the site, no share of it; a place the plan names
      // without drawing it (named_places: 按镇示意) has no extent either: its township stands for it, so no 亩
      // (QA round 9: «0 亩 | 100 %»), only how much of a drawn site lies in that township (as the DOCX/PDF say)
      var place = z.layer === 'named_places';
      row(zb, [z.name_zh + '（' + z.layer_title_zh + '）',
               place ? '—（按镇示意，无面积）' : z.point ? '—（点位）' : fmt(z.overlap_mu),
               place ? (named ? '—（按所在镇（街道）示意）' : '场地 ' + fmt((z.share || 0) * 100, 1) + '% 在其所在镇（街道）')
                 : z.point ? '点位，位于其内' : (named ? '占该单元 ' : '') + fmt((z.share || 0) * 100, 1) + '%', z.plan_ref || '']);
    });
    var namedNote = document.getElementById('legend-named');
    if (namedNote) { namedNote.parentNode.removeChild(namedNote); }
    if (named) {  // the outline on the map is the unit's, placed by name: say so where the map is read
      namedNote = el('div', '场地按地名近似定位（所示为单元范围，非项目地块）');
      namedNote.id = 'legend-named';
      legend._div.appendChild(namedNote);
    }
    if (!(a.zones || []).length) { row(zb, ['不在任何规划分区内', '', '', '']); }
    var db = $('designated').tBodies[0]; clear(db);
    (a.designated_zones || []).forEach(function (z) { row(db, [z.name_zh, fmt(z.distance_km)]); });
    var ib = $('indicators').tBodies[0]; clear(ib);
    (a.indicators || []).forEach(function (i) {
      row(ib, [i.name_zh, fmt(i.value, 3), (i.comparator || '') + ' ' + fmt(i.threshold), i.status_zh]);
    });
    var notes = [];
    if (a.provenance && a.provenance.note_zh) { notes.push(a.provenance.note_zh); }
    (a.read_notes || []).forEach(function (n) { notes.push('读取说明：' + n); });
    $('provenance').textContent = notes.join('\n');
    // highlight the site (verdict colour) and the zones it touches
    var colour = VERDICT_COLOR[a.verdict] || '#0050b3';
    siteLayer.eachLayer(function (l) { if (l.setStyle) { l.setStyle({ color: colour, weight: 4 }); } });
    highlight.clearLayers();
    (a.zones || []).forEach(function (z) {
      var f = zoneFeatures[z.id];
      if (f && f.toGeoJSON) {
        highlight.addLayer(L.geoJSON(f.toGeoJSON(), {
          style: { color: '#ff00ff', weight: 3, fillOpacity: 0, dashArray: '6 4' }, interactive: false,
          pointToLayer: function (g, ll) { return L.circleMarker(ll, { radius: 10, color: '#ff00ff', weight: 3, fill: false }); }
        }));
      }
    });
  }
  $('check').addEventListener('click', function () {
    showError('');
    var b;
    try { b = body(); } catch (e) { showError(e.message); return; }
    $('check').disabled = true;
    api('/api/site-check', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) })
      .then(function (a) { lastBody = b; render(a, b); })
      .catch(function (e) { showError(e.message); })
      .then(function () { $('check').disabled = false; });
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-export]'), function (btn) {
    btn.addEventListener('click', function () {
      if (!lastBody) { return; }
      var fmt = btn.getAttribute('data-export'), note = $('download-status');
      note.textContent = '正在生成「' + btn.textContent + '」……';
      // a PDF waits for its font the first time (prepared in the background as the desk starts, ~20 s on a busy
      // machine): said when the answer is slow, not every time
      var slow = fmt === 'pdf' ? setTimeout(function () {
        note.textContent = '正在生成「' + btn.textContent + '」……首次生成 PDF 需准备字体，约 20 秒，请稍候。';
      }, 2000) : null;
      api('/api/site-check/export/' + fmt,
          { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(lastBody) })
        .then(function (blob) {
          var a = document.createElement('a');
          a.href = URL.createObjectURL(blob);
          a.download = blob.savedName;  // the server's name (project, verdict, 口径, date): the API's callers get the same
          document.body.appendChild(a); a.click(); a.remove();
        }).catch(function (e) { showError(e.message); })
        .then(function () { clearTimeout(slow); note.textContent = ''; });
    });
  });
  setMode('point');
  desk.policyControls($('policy-box')).catch(function (e) { showError('核查口径加载失败：' + e.message); });
})();
