/* Shared by the desk's pages (the 选址核查 page uses popupNode and the policy controls only): fetch with Chinese errors, DOM helpers that only ever set
   textContent, and the plan-layer map (the 选址核查 page has its own richer copy in desk.js). */
var desk = (function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function api(url, opts) {
    return fetch(url, opts || {}).then(function (r) {
      var type = r.headers.get('content-type') || '';
      if (!r.ok) {
        if (type.indexOf('json') >= 0) {
          return r.json().then(function (j) {
            var e = new Error(j.error || ('请求失败：' + r.status));
            e.status = r.status;
            e.body = j;  // the whole answer: some errors carry more (e.g. ``datasets`` of a file holding several)
            throw e;
          });
        }
        throw new Error('请求失败：' + r.status);
      }
      return type.indexOf('json') >= 0 ? r.json() : r.blob();
    });
  }
  function table(tbl, rows, columns) {
    // columns: [[key, 中文表头], …]; every cell is text
    var head = tbl.tHead, body = tbl.tBodies[0];
    clear(head); clear(body);
    var tr = el('tr');
    columns.forEach(function (c) { tr.appendChild(el('th', c[1])); });
    head.appendChild(tr);
    rows.forEach(function (r) {
      var row = el('tr');
      columns.forEach(function (c) { var v = r[c[0]]; row.appendChild(el('td', v === null || v === undefined ? '' : v)); });
      body.appendChild(row);
    });
  }
  function popupNode(title, props) {
    // a feature's attributes as a small table of text (never HTML), for a map popup
    var box = el('div', null, 'desk-popup');
    box.appendChild(el('strong', title));
    var t = el('table');
    Object.keys(props).forEach(function (k) {
      if (k.charAt(0) === '_' || props[k] === null || props[k] === '') { return; }
      var tr = el('tr');
      tr.appendChild(el('th', k));
      tr.appendChild(el('td', props[k]));
      t.appendChild(tr);
    });
    box.appendChild(t);
    return box;
  }
  function planMap() {
    var map = L.map('map').setView([36.45, 115.95], 10);
    window.dcfMap = map;
    var switcher = L.control.layers(null, null, { collapsed: true }).addTo(map);
    var shown = { district: 1, industrial_clusters: 1, cluster_parks: 1 }, overlays = {};
    // every layer in one request (GET /api/map-layers: coordinates to ~0.1 m, gzip)
    var ready = api('/api/map-layers').then(function (j) {
      j.layers.filter(function (m) { return m.geometry_type.indexOf('Point') < 0; }).forEach(function (m) {
        var st = m.style || {};
        var lyr = L.geoJSON(m.geojson, { interactive: false, style: function () {
          return { color: st.edge || '#555', weight: st.width || 1, fill: st.fill !== 'none' && st.kind === 'polygon',
                   fillColor: st.fill, fillOpacity: 0.15 };
        } });
        switcher.addOverlay(lyr, m.title_zh);
        overlays[m.id] = lyr;
        if (shown[m.id]) { lyr.addTo(map); }
        if (m.id === 'district') { map.fitBounds(lyr.getBounds()); }
      });
      return overlays;
    });
    // the drawn layers by id, once loaded: a page shows more of them under its answer (showLayers)
    map.dcfLayersReady = ready;
    ready.then(function () { window.dcfReady = true; }, function (e) { $('error').textContent = '图层加载失败：' + e.message; });
    return map;
  }
  function showLayers(map, ids, front) {
    // the layers ``ids`` of a planMap shown (an answer's context, e.g. the 镇（街道）界 under an audit's points,
    // as the CLI's HTML map draws them), then ``front`` (the answer) brought above them
    return map.dcfLayersReady.then(function (overlays) {
      (ids || []).forEach(function (id) { if (overlays[id] && !map.hasLayer(overlays[id])) { overlays[id].addTo(map); } });
      if (front && front.bringToFront) { front.bringToFront(); }
    });
  }
  // the planning office's policies (plan_rules.json → office_policies, from GET /api/policies): one small select
  // each in ``box``, the file's default marked 默认 and selected; ``chosenPolicy`` gives only the settings that
  // differ from the default (null when none: the server then applies the file's defaults)
  var policyMenu = [];
  function policyControls(box) {
    return api('/api/policies').then(function (menu) {
      policyMenu = menu;
      clear(box);
      menu.forEach(function (p) {
        var label = el('label', '口径：' + p.name_zh + ' ');
        label.title = p.plan_ref + '；规划未作定论，由规划管理部门确定（' + p.file + '）';
        var sel = el('select');
        sel.id = 'policy-' + p.name;
        sel.setAttribute('data-policy', p.name);
        p.choices.forEach(function (c) {
          var o = el('option', c.label_zh + (c.default ? '（默认）' : ''));
          o.value = c.value;
          o.title = c.setting_zh;
          if (c.default) { o.selected = true; }
          sel.appendChild(o);
        });
        label.appendChild(sel);
        box.appendChild(label);
      });
      return menu;
    });
  }
  function chosenPolicy() {
    var out = null;
    policyMenu.forEach(function (p) {
      var sel = $('policy-' + p.name);
      if (sel && sel.value !== p.default) { out = out || {}; out[p.name] = sel.value; }
    });
    return out;
  }
  function policyText(chosen, reasons) {
    // the setting of each policy, in words: "集聚区外新建工业项目——引导入园：有条件符合（本次选用，非默认口径）";
    // with ``reasons`` (one answer's), whether a reason rests on it (the reason the policy decides names it)
    return policyMenu.map(function (p) {
      var v = (chosen && chosen[p.name]) || p.default;
      var c = p.choices.filter(function (x) { return x.value === v; })[0] || { label_zh: v };
      var used = !reasons || reasons.some(function (r) { return (r.text_zh || '').indexOf(p.name_zh) >= 0; });
      return p.name_zh + '——' + c.label_zh + (v === p.default ? '（默认口径）' : '（本次选用，非默认口径）') +
             (used ? '' : '，本次结论未涉及此口径');
    }).join('；');
  }
  // the 「工作表」 box of a form that reads a workbook: a text box (``input``) until a workbook is chosen in
  // ``fileInput``, then a list of its sheets (POST /api/sheets reads their names only, not the rows) with
  // 自动选择 first; ``value()`` is the sheet to send ('' = let the reader choose, as the notes then say),
  // a listed name exactly as listed
  function sheetBox(fileInput, input, auto) {
    var pick = el('select');
    pick.id = input.id + '-pick';
    pick.hidden = true;
    input.parentNode.insertBefore(pick, input.nextSibling);
    function typed() { pick.hidden = true; input.hidden = false; clear(pick); }
    fileInput.addEventListener('change', function () {
      var f = fileInput.files[0];
      input.value = '';
      typed();
      if (!f || !/\.(xlsx|xlsm|xls|ods)$/i.test(f.name)) { return; }
      var fd = new FormData();
      fd.append('file', f);
      api('/api/sheets', { method: 'POST', body: fd }).then(function (j) {
        if (fileInput.files[0] !== f || !j.sheets || j.sheets.length < 2) { return; }  // one sheet: nothing to choose
        var o = el('option', auto);
        o.value = '';
        pick.appendChild(o);
        j.sheets.forEach(function (s) {
          var x = el('option', s.name + (s.hidden ? '（隐藏）' : ''));
          x.value = s.name;
          pick.appendChild(x);
        });
        pick.hidden = false;
        input.hidden = true;
      }).catch(function () { typed(); });  // the names could not be read: the sheet can still be typed
    });
    // a listed sheet is sent as the workbook names it: «项目清单 » (trailing space), «　清单　» (full-width
    // spaces) and « » are real names, other than «项目清单» or 自动选择 (QA break 11); only the typed box is
    // trimmed (a stray space typed around a name)
    return { value: function () { return pick.hidden ? input.value.trim() : pick.value; } };
  }
  return { $: $, el: el, clear: clear, api: api, table: table, popupNode: popupNode, planMap: planMap, showLayers: showLayers,
           policyControls: policyControls, chosenPolicy: chosenPolicy, policyText: policyText, sheetBox: sheetBox };
})();
