(function () {
  'use strict';
  var $ = desk.$, el = desk.el;
  var COLOR = { idle_reclaim: '#67000d', idle: '#cf222e', idle_underdeveloped: '#fb6a4a', excused: '#6a51a3',
                extended: '#3182bd', insufficient_data: '#969696', normal: '#1a7f37', not_applicable: '#d9d9d9' };
  var map = desk.planMap(), parcels = L.layerGroup().addTo(map);
  $('as-of').value = new Date().toISOString().slice(0, 10);

  var HEAD = { count: '宗数', area_mu: '面积（亩）', fee_wan: '闲置费（万元）' }, labels = {};
  function countsTable(tbl, rows, key, label) {
    if (!rows || !rows.length) { desk.table(tbl, [], [[key, label]]); return; }
    var cols = Object.keys(rows[0]).map(function (k) { return [k, k === key ? label : (HEAD[k] || labels[k] || k)]; });
    var shown = rows.map(function (r) {
      var o = {};
      Object.keys(r).forEach(function (k) {
        var v = r[k];
        o[k] = typeof v === 'number' ? Math.round(v * 100) / 100 : (k === 'status' ? (labels[v] || v) : v);
      });
      return o;
    });
    desk.table(tbl, shown, cols);
  }
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () { this._div = el('div', null, 'legend'); this._div.hidden = true; return this._div; };
  legend.addTo(map);
  function drawLegend() {
    var box = legend._div; desk.clear(box);
    Object.keys(labels).forEach(function (k) {
      var row = el('div'), sw = el('i');
      sw.style.background = COLOR[k] || '#000';
      row.appendChild(sw); row.appendChild(document.createTextNode(labels[k]));
      box.appendChild(row);
    });
    box.hidden = false;
  }
  function show(job) {
    var s = job.summary || {};
    var sums = s.summaries || {};
    labels = s.status_labels || {};
    drawLegend();
    countsTable($('by-status'), sums.status, 'status', '状态');
    countsTable($('by-township'), sums.township_zh, 'township_zh', '镇（街道）');
    countsTable($('by-cluster'), sums.cluster_zh, 'cluster_zh', '工业集聚区');
    $('action-total').textContent = '（共 ' + (s.needs_action_total || 0) + ' 宗' +
      ((s.needs_action_total || 0) > 500 ? '，此处列前 500 宗，全部见 XLSX）' : '）');
    desk.table($('actions'), s.needs_action || [], [['parcel_id', '宗地编号'], ['holder', '用地单位'], ['township_zh', '镇（街道）'],
      ['cluster_zh', '集聚区'], ['area_mu', '面积（亩）'], ['status_zh', '状态'], ['reason_zh', '理由']]);
    var ul = $('downloads'); desk.clear(ul);
    job.downloads.forEach(function (d) {
      var li = el('li'), a = el('a', d.name);
      a.href = d.url; li.appendChild(a); ul.appendChild(li);
    });
    $('audit-notes').textContent = (s.notes || []).join('\n');
    $('audit-answer').hidden = false;
    desk.api('/api/jobs/' + job.id + '/map').then(function (fc) {
      parcels.clearLayers();
      var lyr = L.geoJSON(fc, {
        style: function (f) { var c = COLOR[f.properties.status] || '#000'; return { color: c, weight: 1, fillColor: c, fillOpacity: 0.7 }; },
        pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 4 }); },
        onEachFeature: function (f, l) {
          l.bindTooltip(function () { return el('span', (f.properties.parcel_id || '') + '：' + (f.properties.status_zh || '')); });
        }
      });
      parcels.addLayer(lyr);
      if (lyr.getLayers().length) { map.fitBounds(lyr.getBounds()); }
    }).catch(function () { /* no geometry: tables only */ });
  }
  function poll(url) {
    desk.api(url).then(function (job) {
      window.dcfLastJob = job;
      $('job-status').textContent = job.message + (job.error ? '：' + job.error : '');
      $('job-progress').value = job.progress;
      if (job.status === 'done') { show(job); $('audit-go').disabled = false; return; }
      if (job.status === 'failed') { $('error').textContent = job.error; $('audit-go').disabled = false; return; }
      setTimeout(function () { poll(url); }, 1000);
    }).catch(function (e) { $('error').textContent = e.message; $('audit-go').disabled = false; });
  }
  $('audit-go').addEventListener('click', function () {
    var f = $('parcels-file').files[0];
    $('error').textContent = '';
    if (!f) { $('error').textContent = '请先选择宗地文件。'; return; }
    if (!$('as-of').value) { $('error').textContent = '请选择审计基准日。'; return; }
    var fd = new FormData();
    fd.append('parcels', f);
    fd.append('as_of', $('as-of').value);
    $('audit-go').disabled = true;
    $('audit-answer').hidden = true;
    $('job').hidden = false;
    $('job-status').textContent = '正在上传';
    desk.api('/api/audit/idle', { method: 'POST', body: fd }).then(function (j) { poll(j.url); })
      .catch(function (e) { $('error').textContent = e.message; $('audit-go').disabled = false; });
  });
})();
