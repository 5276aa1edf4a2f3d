/* 图层 page of the planning desk: the catalog with provenance badges, a layer's versions, preview on
   the map, import (preview what changes, then confirm) and reset. Every text from data — layer names,
   attribute values, file names, messages — goes in with textContent (desk.el), never innerHTML.
   Writes send the page's write token in a header; the browser adds the Origin the server checks. */
(function () {
  'use strict';
  var $ = desk.$, el = desk.el, clear = desk.clear, popupNode = desk.popupNode;
  var TOKEN = document.querySelector('meta[name="dcf-write-token"]').getAttribute('content');
  var PROV_ZH = { schematic: '示意', authoritative: '权威', reference: '参考' };
  var map = L.map('map').setView([36.45, 115.95], 10);
  window.dcfMap = map;
  var context = L.layerGroup().addTo(map), shown = L.layerGroup().addTo(map), incoming = L.layerGroup().addTo(map);
  var metas = {}, selected = null, handle = null;

  function showError(msg) { $('error').textContent = msg || ''; }
  function write(url, opts) {
    opts.headers = opts.headers || {};
    opts.headers['X-DCF-Token'] = TOKEN;
    opts.credentials = 'same-origin';
    return desk.api(url, opts);
  }
  function badges(prov) {
    var box = el('span');
    String(prov || '').split('/').forEach(function (p) {
      box.appendChild(el('span', PROV_ZH[p] || p, 'prov prov-' + p));
      box.appendChild(document.createTextNode(' '));
    });
    return box;
  }
  function cell(row, content) {
    var td = el('td');
    if (content instanceof Node) { td.appendChild(content); } else { td.textContent = content === null || content === undefined ? '' : String(content); }
    row.appendChild(td);
    return td;
  }
  function header(tbl, names) {
    clear(tbl.tHead); clear(tbl.tBodies[0]);
    var tr = el('tr');
    names.forEach(function (n) { tr.appendChild(el('th', n)); });
    tbl.tHead.appendChild(tr);
  }

  // ---- the catalog ----------------------------------------------------------------------------
  function loadCatalog() {
    return desk.api('/api/layers').then(function (rows) {
      var tbl = $('catalog');
      header(tbl, ['图层', '编号', '来源类别', '要素', '版本']);
      rows.forEach(function (m) {
        metas[m.id] = m;
        var tr = el('tr');
        tr.setAttribute('data-id', m.id);
        cell(tr, m.title_zh);
        cell(tr, m.id);
        cell(tr, badges(m.provenance));
        cell(tr, m.count);
        cell(tr, m.version);
        if (m.id === selected) { tr.className = 'on'; }
        tr.addEventListener('click', function () { select(m.id); });
        tbl.tBodies[0].appendChild(tr);
      });
      return rows;
    });
  }

  function drawContext() {
    return desk.api('/api/layers/district').then(function (fc) {
      var lyr = L.geoJSON(fc, { interactive: false, style: { color: '#555', weight: 1.5, fill: false, dashArray: '4 3' } });
      context.addLayer(lyr);
      map.fitBounds(lyr.getBounds());
    }, function () { /* a store without the district layer: the map starts on the default view */ });
  }

  function drawLayer(id) {
    var m = metas[id] || {};
    var st = m.style || {};
    return desk.api('/api/layers/' + encodeURIComponent(id)).then(function (fc) {
      if (id !== selected) { return; }   // another layer was chosen meanwhile
      shown.clearLayers();
      var lyr = L.geoJSON(fc, {
        style: function (f) {
          var fill = (f.properties && f.properties._fill) || (st.fill && st.fill !== 'none' ? st.fill : '#3b7dd8');
          return { color: st.edge || fill, weight: st.width || 1.5, fillColor: fill,
                   fillOpacity: st.kind === 'polygon' ? 0.35 : 0 };
        },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 5, color: st.edge || '#333', fillColor: st.fill || '#888', fillOpacity: 0.9, weight: 1 });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          layer.bindPopup(function () { return popupNode(p.name_zh || m.title_zh || id, p); });
        }
      });
      shown.addLayer(lyr);
      if (lyr.getLayers().length) { map.fitBounds(lyr.getBounds(), { maxZoom: 14 }); }
      window.dcfLayerShown = id;
    });
  }

  // ---- versions and reset ---------------------------------------------------------------------
  var resetVersion = null, resetLayer = null;
  function clearVersions() {
    // a newly chosen layer shows no other layer's versions (nor their 恢复 buttons) while its own are on the way
    var tbl = $('versions');
    clear(tbl.tHead); clear(tbl.tBodies[0]);
    $('versions-note').textContent = '正在读取版本…';
    $('layer-empty').hidden = true;
    $('reset-box').hidden = true; resetVersion = null; resetLayer = null;
  }
  function loadVersions(id) {
    return desk.api('/api/layers/' + encodeURIComponent(id) + '/versions').then(function (v) {
      if (id !== selected) { return v; }   // another layer was chosen meanwhile: its own answer fills the table
      var tbl = $('versions');
      header(tbl, ['版本', '状态', '要素', '来源类别', '来源', '制作时间', '登记核查', '']);
      var rows = [[v.current, '当前']].concat(v.kept.map(function (k) { return [k, k.restorable ? '可恢复' : '保留']; }));
      rows.forEach(function (pair) {
        var k = pair[0], tr = el('tr');
        cell(tr, '第 ' + k.version + ' 版');
        // a version brought back by 恢复 keeps its own time; the reset is said beside it (QA finding 14)
        cell(tr, pair[1] + (k.reset_zh ? '（' + k.reset_zh + '）' : ''));
        cell(tr, k.features);
        cell(tr, badges(k.provenance));
        cell(tr, k.source_zh || k.source);
        cell(tr, (k.made_at || k.updated_at || '').replace('T', ' '));
        cell(tr, k.register_checks + (k.register_checks ? (k.kept_in_register ? '（登记已存副本）' : '') : ''));
        var td = cell(tr, '');
        if (k.restorable) {
          var b = el('button', '恢复到此版本');
          b.type = 'button';
          b.className = 'reset-btn';
          b.addEventListener('click', function () {
            resetVersion = k.version; resetLayer = id;   // the layer this question names, not whatever is chosen later
            $('reset-question').textContent = '将图层「' + v.title_zh + '」从第 ' + v.current.version + ' 版恢复到第 ' + k.version +
              ' 版（' + k.features + ' 个要素）。当前版本将被替换；核查登记用过的版本由登记另行保存。确认恢复？';
            $('reset-box').hidden = false;
          });
          td.appendChild(b);
        }
        tbl.tBodies[0].appendChild(tr);
      });
      $('versions-note').textContent = v.kept.length ? v.note : '此图层没有可恢复的早期版本（导入新版本后，原版本会保留在这里）。';
      // a layer with no feature draws nothing: the server says so and gives the way back
      $('layer-empty').textContent = v.current.empty_zh || '';
      $('layer-empty').hidden = !v.current.empty_zh;
      window.dcfVersions = v;
      return v;
    });
  }
  $('reset-cancel').addEventListener('click', function () { $('reset-box').hidden = true; resetVersion = null; resetLayer = null; });
  $('reset-confirm').addEventListener('click', function () {
    if (!selected || resetVersion === null || resetLayer !== selected) { $('reset-box').hidden = true; return; }
    showError(''); $('done').textContent = '正在恢复…';
    write('/api/layers/' + encodeURIComponent(resetLayer) + '/reset', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: resetVersion })
    }).then(function (r) {
      $('reset-box').hidden = true;
      $('done').textContent = r.message;
      window.dcfLastWrite = r;
      return refresh();
    }).catch(function (e) { $('done').textContent = ''; showError(e.message); });
  });

  // ---- import: preview, then confirm ----------------------------------------------------------
  function fill(tbl, rows, cols) {
    header(tbl, cols);
    rows.forEach(function (r) {
      var tr = el('tr');
      cols.forEach(function (c) { cell(tr, r[c]); });
      tbl.tBodies[0].appendChild(tr);
    });
    tbl.hidden = rows.length === 0;
  }
  // a file holding several datasets (a zip of several shapefiles, a GeoPackage of several layers): the
  // server names them (``datasets``); the page lists them as options (text only) and previews the one picked
  function offerDatasets(names) {
    var sel = $('import-layer');
    clear(sel);
    sel.appendChild(el('option', '（请选择）'));
    sel.options[0].value = '';
    names.forEach(function (n) {
      var o = el('option', n);
      o.value = n;
      sel.appendChild(o);
    });
    $('dataset-question').textContent = '文件「' + ($('import-file').files[0] || {}).name + '」中有 ' + names.length +
      ' 个数据集，请选择要导入哪一个：';
    $('dataset-box').hidden = false;
    window.dcfDatasets = names;
  }
  function forgetDatasets() {
    clear($('import-layer'));
    $('dataset-box').hidden = true;
    window.dcfDatasets = null;
  }
  $('import-file').addEventListener('change', forgetDatasets);
  $('import-layer').addEventListener('change', function () {
    if ($('import-layer').value) { $('import-preview').click(); }
  });
  $('import-preview').addEventListener('click', function () {
    showError(''); $('done').textContent = '';
    var f = $('import-file').files[0];
    if (!selected) { showError('请先在列表中选择要替换的图层。'); return; }
    if (!f) { showError('请选择要导入的图层文件。'); return; }
    // no default: a re-imported schematic layer must not become 权威 unnoticed (a new user's finding)
    if (!$('import-provenance').value) { showError('请选择来源类别：权威（局里的正式数据）、参考或示意。'); return; }
    var fd = new FormData();
    fd.append('file', f);
    fd.append('crs', $('import-crs').value);
    fd.append('encoding', $('import-encoding').value);
    fd.append('fields', $('import-fields').value);
    fd.append('provenance', $('import-provenance').value);
    fd.append('source_note', $('import-note').value);
    if (!$('dataset-box').hidden && $('import-layer').value) { fd.append('layer', $('import-layer').value); }
    $('preview').hidden = true;
    // a large file takes minutes: say so rather than a bare «正在预览» (breaker B31-12: 94 s with nothing else shown)
    $('done').textContent = '正在预览（在图层库副本中试导入并重新核查登记）…' +
      (f.size > (20 << 20) ? '文件较大（' + Math.round(f.size / (1 << 20)) + ' MB），可能需要数分钟，请稍候。' : '');
    write('/api/layers/' + encodeURIComponent(selected) + '/import/preview', { method: 'POST', body: fd }).then(function (p) {
      handle = p.handle;
      $('done').textContent = '';
      // the file the current version came from: say so, and offer no confirm (the server would refuse it)
      var same = !!p.same_as_current;
      $('import-confirm').disabled = same;
      $('preview-summary').textContent = (same ? '与当前版本相同：此文件正是图层当前版本导入的文件，导入不会带来任何变化。' : '') +
        '文件「' + p.file_name + '」→ 图层 ' + p.layer + '（' + p.provenance_zh + '）：导入后 ' +
        p.summary.features + ' 个要素；' + p.changes_zh + '。';
      // a large file's answer lists the first ids of each kind; the counts are whole, the whole lists a download
      var lists = [];
      var listed = function (word, ids, n) {
        return word + '：' + ids.join('、') + (n > ids.length ? '……（共 ' + n + ' 个，此处列出前 ' + ids.length + ' 个）' : '');
      };
      if (p.added.length) { lists.push(listed('新增', p.added, p.added_count)); }
      if (p.removed.length) { lists.push(listed('删除', p.removed, p.removed_count)); }
      if (p.moved_count > p.moved.length) { lists.push('位置或边界改变共 ' + p.moved_count + ' 个，下表列出前 ' + p.moved.length + ' 个。'); }
      $('preview-lists').textContent = lists.join('\n');
      var details = $('preview-details');
      details.hidden = !p.details_url;
      if (p.details_url) { details.href = p.details_url; }
      // a park left outside its new cluster boundary (store/nesting.py): said before the tables, with the way out
      var nested = p.nesting || [];
      $('preview-nesting-box').hidden = !nested.length;
      // the heading names every layer listed below it (parks and named enterprises alike; QA session 31 F10)
      $('preview-nesting-heading').textContent = p.nesting_heading_zh || '上下级图层不一致';
      $('preview-nesting').textContent = nested.length ? nested.map(function (r) { return r.text_zh; }).join('\n') +
        '\n出路：' + p.nesting_fix_zh + '。' : '';
      // only the features that really moved (beyond move_tolerance_m): the server counts them (QA finding 13)
      fill($('preview-moved'), p.moved, ['编号', '名称', '移出（亩）', '移入（亩）', '中心位移（米）', '最大偏移（米）']);
      fill($('preview-transfers'), p.transfers, ['从', '到', '亩']);
      var reg = p.register || { checks: [], flipped: [] };
      // the server says which checks it re-ran (the most recent N, from which date): never "all" when it was not
      $('preview-register').textContent = reg.covered ? reg.covered.text
        : '核查登记 ' + reg.checks.length + ' 条，结论将改变 ' + reg.flipped.length + ' 条。';
      fill($('preview-flips'), reg.checks.filter(function (c) { return c['结论是否改变']; }),
           ['登记号', '项目名称', '行业', '原结论', '现结论']);
      var parcels = p.parcels || [], firms = p.enterprises || [];
      $('preview-parcels-note').textContent = p.sample_note ?
        p.sample_note + '：' + parcels.length + ' 宗所在区将改变，涉及 ' + firms.length + ' 家企业。' : '';
      fill($('preview-parcels'), parcels.slice(0, 200).map(function (r) {
        return Object.assign({}, r, { '原所在区': r['原所在区'] || '区外', '新所在区': r['新所在区'] || '区外' });
      }), ['宗地代码', '土地使用权人', '区类', '原所在区', '新所在区']);
      fill($('preview-enterprises'), firms.slice(0, 200), ['统一社会信用代码', '企业名称', '宗地数', '宗地代码']);
      $('preview-notes').textContent = (p.summary.read_notes || []).join('\n');
      incoming.clearLayers();
      if (p.new_geojson) {
        var lyr = L.geoJSON(p.new_geojson, {
          style: { color: '#cf222e', weight: 2.5, dashArray: '6 4', fill: false },
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6, color: '#cf222e', fill: false, weight: 2 }); },
          onEachFeature: function (f, layer) {
            var q = f.properties || {};
            layer.bindPopup(function () { return popupNode('导入后：' + (q.name_zh || q.id || ''), q); });
          }
        });
        incoming.addLayer(lyr);
        $('preview-map-note').textContent = '地图上红色虚线为导入后的要素，彩色填充为当前版本；紫色圆点为结论将改变的核查场地。' +
          (p.map_note_zh || '');
      }
      if (p.flipped_sites && p.flipped_sites.features.length) {
        incoming.addLayer(L.geoJSON(p.flipped_sites, {
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 7, color: '#fff', weight: 2, fillColor: '#8250df', fillOpacity: 1 }); },
          style: { color: '#8250df', weight: 2, fillColor: '#8250df', fillOpacity: 0.5 },
          onEachFeature: function (f, layer) {
            var q = f.properties || {};
            layer.bindTooltip(el('span', '#' + q['登记号'] + ' ' + q['原结论'] + ' → ' + q['现结论']), { permanent: true, direction: 'right' });
          }
        }));
      }
      $('preview').hidden = false;
      window.dcfLastPreview = p;
    }).catch(function (e) {
      $('done').textContent = '';
      var names = e.body && e.body.datasets;
      if (names && names.length && !$('import-layer').value) {
        offerDatasets(names);  // the question replaces the error: nothing is wrong with the file
        return;
      }
      showError(e.message);
    });
  });
  $('import-cancel').addEventListener('click', function () { $('preview').hidden = true; handle = null; incoming.clearLayers(); });
  $('import-confirm').addEventListener('click', function () {
    if (!handle || !selected) { return; }
    showError(''); $('done').textContent = '正在导入…';
    var h = handle;
    handle = null;
    write('/api/layers/' + encodeURIComponent(selected) + '/import', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handle: h })
    }).then(function (r) {
      $('preview').hidden = true;
      incoming.clearLayers();
      $('done').textContent = r.message;
      window.dcfLastWrite = r;
      return refresh();
    }).catch(function (e) { $('done').textContent = ''; showError(e.message); });
  });

  // ---- selection ------------------------------------------------------------------------------
  function select(id) {
    selected = id;
    showError(''); $('done').textContent = '';
    $('preview').hidden = true; $('reset-box').hidden = true; handle = null; incoming.clearLayers();
    Array.prototype.forEach.call(document.querySelectorAll('#catalog tbody tr'), function (tr) {
      tr.className = tr.getAttribute('data-id') === id ? 'on' : '';
    });
    $('detail-title').textContent = (metas[id] ? metas[id].title_zh : id) + '（' + id + '）';
    $('layer-detail').hidden = false;
    window.dcfLayerShown = null;
    window.dcfVersions = null;   // the last layer's versions are not this one's (a wait on both saw the old ones)
    clearVersions();
    return Promise.all([drawLayer(id), loadVersions(id)]).catch(function (e) { showError(e.message); });
  }
  function refresh() {
    var id = selected;
    window.dcfLayerShown = null;
    window.dcfVersions = null;
    return loadCatalog().then(function () { return Promise.all([drawLayer(id), loadVersions(id)]); });
  }
  window.dcfSelectLayer = select;

  Promise.all([loadCatalog(), drawContext()]).then(function () { window.dcfReady = true; },
    function (e) { showError('图层列表加载失败：' + e.message); });
})();
