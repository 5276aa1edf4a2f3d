(function () {
  'use strict';
  var $ = desk.$, el = desk.el;
  var COLOR = { fits: '#1a7f37', conditional: '#d4a72c', does_not_fit: '#cf222e', outside_plan_area: '#57606a' };
  var LABEL = { fits: '符合', conditional: '有条件符合', does_not_fit: '不符合', outside_plan_area: '不在规划范围' };
  var map = desk.planMap(), points = L.layerGroup().addTo(map), rows = [], sortKey = null, sortDir = 1;
  // what the point colours mean, with the points of each on the map now (rows that could not be checked have none)
  var legend = L.control({ position: 'bottomleft' });
  legend.onAdd = function () { this._div = el('div', null, 'legend verdict-legend'); this._div.id = 'verdict-legend'; this._div.hidden = true; return this._div; };
  legend.addTo(map);
  function drawLegend(shown) {
    // rows not drawn, said as they are (QA user F9): not checked (无法核查, 非项目行 — with coordinates or not),
    // or checked without a position
    var box = legend._div, n = {}, unchecked = {}, order = [], noPlace = 0;
    desk.clear(box);
    shown.forEach(function (r) {
      if (!COLOR[r.verdict]) {
        if (!unchecked[r.verdict_zh]) { unchecked[r.verdict_zh] = 0; order.push(r.verdict_zh); }
        unchecked[r.verdict_zh] += 1;
      } else if (r.lonlat) { n[r.verdict] = (n[r.verdict] || 0) + 1; } else { noPlace += 1; }
    });
    box.appendChild(el('strong', '核查结论（点的颜色）'));
    Object.keys(COLOR).forEach(function (k) {
      var row = el('div'), sw = el('i', null, 'dot');
      sw.style.background = COLOR[k];
      row.appendChild(sw); row.appendChild(document.createTextNode(LABEL[k] + '（' + (n[k] || 0) + ' 个）'));
      box.appendChild(row);
    });
    if (order.length) {
      box.appendChild(el('div', order.map(function (v) { return v + ' ' + unchecked[v] + ' 行'; }).join('、') +
                             '不在图上（未核查，有坐标的也不画）', 'badge'));
    }
    if (noPlace) { box.appendChild(el('div', '另有 ' + noPlace + ' 行已核查但无点位，不在图上', 'badge')); }
    box.hidden = false;
  }

  function flatten(r, i, names) {
    var ind = r.industry || {};
    return {
      row_label: r.row_label, order: r.row, name: (names && names[i]) || '', verdict: r.verdict || 'error',
      // a 合计 row or footer: 非项目行, as the counts above, the XLSX and the register say (not 无法核查)
      verdict_zh: r.verdict_zh || (r.not_project ? '非项目行' : '无法核查'),
      industry: ((ind.codes && ind.codes.length) ? ind.codes.join('、') + ' ' + (ind.names_zh || []).join('、') : (ind.input || ''))
        + (ind.read_zh ? '（' + ind.read_zh + '）' : ''),
      towns: (r.townships || []).map(function (t) { return t.name_zh; }).join('、'),
      // one reason a line, as the XLSX has them (QA round 9: a 1,500-character block for a site given by place name)
      why: r.status === 'ok' ? (r.reasons || []).map(function (x) { return x.text_zh; }).join('\n') : (r.error || ''),
      lonlat: r.site && r.site.centroid_lonlat
    };
  }
  function draw() {
    var filter = $('verdict-filter').value, body = $('batch-table').tBodies[0];
    desk.clear(body); points.clearLayers();
    var shown = rows.filter(function (r) { return !filter || r.verdict_zh === filter; });
    if (sortKey) {
      shown.sort(function (a, b) {
        var x = sortKey === 'row_label' ? a.order : a[sortKey], y = sortKey === 'row_label' ? b.order : b[sortKey];
        return (x > y ? 1 : x < y ? -1 : 0) * sortDir;
      });
    }
    shown.forEach(function (r) {
      var tr = el('tr');
      ['row_label', 'name', 'verdict_zh', 'industry', 'towns', 'why'].forEach(function (k) { tr.appendChild(el('td', r[k])); });
      body.appendChild(tr);
      if (r.lonlat) {
        var m = L.circleMarker([r.lonlat[1], r.lonlat[0]], { radius: 6, color: '#fff', weight: 1, fillColor: COLOR[r.verdict] || '#000', fillOpacity: 0.9 });
        m.bindTooltip(function () { return el('span', r.row_label + ' ' + r.name + '：' + r.verdict_zh); });
        points.addLayer(m);
      }
    });
    drawLegend(shown);
  }
  Array.prototype.forEach.call(document.querySelectorAll('#batch-table th'), function (th) {
    th.addEventListener('click', function () {
      var k = th.getAttribute('data-key');
      sortDir = sortKey === k ? -sortDir : 1; sortKey = k;
      Array.prototype.forEach.call(document.querySelectorAll('#batch-table th'), function (o) { o.className = ''; });
      th.className = sortDir > 0 ? 'asc' : 'desc';
      draw();
    });
  });
  $('verdict-filter').addEventListener('change', draw);
  var sheet = desk.sheetBox($('batch-file'), $('batch-sheet'), '自动选择（第一个像项目清单的工作表）');
  desk.policyControls($('policy-box')).catch(function (e) { $('error').textContent = '核查口径加载失败：' + e.message; });
  $('batch-go').addEventListener('click', function () {
    var f = $('batch-file').files[0];
    $('error').textContent = '';
    if (!f) { $('error').textContent = '请先选择项目清单文件。'; return; }
    var fd = new FormData();
    fd.append('file', f);
    if ($('batch-industry').value.trim()) { fd.append('industry', $('batch-industry').value.trim()); }
    if ($('crs').value) { fd.append('crs', $('crs').value); }
    if (sheet.value()) { fd.append('sheet', sheet.value()); }
    var policy = desk.chosenPolicy();  // the same setting for every row; only when it differs from the default
    Object.keys(policy || {}).forEach(function (k) { fd.append('policy', k + '=' + policy[k]); });
    $('batch-go').disabled = true;
    desk.api('/api/site-check/batch', { method: 'POST', body: fd }).then(function (j) {
      window.dcfLastBatch = j;
      rows = j.results.map(function (r, i) { return flatten(r, i, j.names); });
      var names = Object.keys(j.counts);
      // a 合计 row or footer is no project: counted apart, as the CLI's summary does (QA round 10)
      var apart = j.counts['非项目行'] || 0;
      $('batch-counts').textContent = (apart
        ? '共 ' + rows.length + ' 行（其中 ' + (rows.length - apart) + ' 个项目、' + apart + ' 行非项目行），与清单相同，无一遗漏：'
        : '共 ' + rows.length + ' 条（与清单相同，无一遗漏）：') +
        names.map(function (k) { return k + ' ' + j.counts[k] + ' 条'; }).join('，');
      var sel = $('verdict-filter');
      while (sel.options.length > 1) { sel.remove(1); }
      names.forEach(function (k) { var o = el('option', k); o.value = k; sel.appendChild(o); });
      $('xlsx').href = j.xlsx_url;
      $('policy-used').textContent = '核查口径：' + desk.policyText(j.policy);
      $('batch-notes').textContent = (j.read_notes || []).join('\n');
      $('batch-answer').hidden = false;
      draw();
    }).catch(function (e) { $('error').textContent = e.message; })
      .then(function () { $('batch-go').disabled = false; });
  });
})();
