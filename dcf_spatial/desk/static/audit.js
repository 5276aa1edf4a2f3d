/* 闲置土地 / 亩产效益 page: upload, a background job the page polls, then summaries, the map coloured
   by status (idle) or by the class of the firm on each parcel (efficiency), the rows needing action
   and the downloads. Every text from data is set with textContent. */
(function () {
  'use strict';
  var $ = desk.$, el = desk.el;
  var COLOR = {
    idle: { idle_reclaim: '#67000d', idle: '#cf222e', idle_underdeveloped: '#fb6a4a', excused: '#fdae61',
            extended: '#3182bd', insufficient_data: '#737373', normal: '#1a7f37', not_applicable: '#d9d9d9' },
    efficiency: { A: '#1a7f37', B: '#7fbc41', C: '#fdb863', D: '#cf222e', T: '#969696', none: '#d9d9d9' }
  };
  var map = desk.planMap(), parcels = L.layerGroup().addTo(map);
  $('as-of').value = new Date().toISOString().slice(0, 10);
  // 「工作表」 of each uploaded workbook (blank: the reader takes the first sheet whose header looks like the table)
  var parcelSheet = desk.sheetBox($('parcels-file'), $('parcels-sheet'), '自动选择（第一个像台账的工作表）');
  var entSheet = desk.sheetBox($('enterprises-file'), $('enterprises-sheet'), '自动选择（第一个像企业表的工作表）');

  // ---- which audit ------------------------------------------------------------------------------
  var kind = 'idle';
  function setKind(k) {
    kind = k;
    Array.prototype.forEach.call(document.querySelectorAll('#kind-tabs button'), function (b) {
      b.className = b.getAttribute('data-kind') === k ? 'on' : '';
    });
    var eff = k === 'efficiency';
    $('enterprises-box').hidden = !eff;
    $('as-of-hint').hidden = !eff;
    $('area-unit-box').hidden = eff;    // the idle audit's ledger only (the API's ``area_unit``)
    $('inputs-legend').textContent = eff ? '企业表、宗地与基准日' : '宗地与基准日';
    $('parcels-label').textContent = eff ? '宗地（可选）' : '宗地';
    $('parcels-sheet-label').textContent = eff ? '宗地的工作表' : '工作表';
    $('parcels-hint').textContent = (eff ? '宗地（可选，用于补足用地面积、按镇街/集聚区汇总、在地图上着色、计入闲置土地）：' : '宗地：') +
      '压缩的 SHP（.zip）、GPKG、GeoJSON、KML，或供地台账（CSV、XLSX、XLS、ODS）——有坐标列可以，没有坐标也可以（按项目位置/坐落的地名定位，定位不到的计入“位置不明”，照样审计）。';
    $('audit-go').textContent = eff ? '开始评价' : '开始审计';
    $('audit-answer').hidden = true;
    $('error').textContent = '';
  }
  Array.prototype.forEach.call(document.querySelectorAll('#kind-tabs button'), function (b) {
    b.addEventListener('click', function () { setKind(b.getAttribute('data-kind')); });
  });
  if (/[?&]kind=efficiency\b/.test(window.location.search)) { setKind('efficiency'); }

  // ---- the answer -------------------------------------------------------------------------------
  var HEAD = { count: '宗数', area_mu: '面积（亩）', fee_wan: '闲置费（万元）', parcels: '宗数',
               low_count: '低效用地（宗）', low_area_mu: '低效用地（亩）', d_area_mu: '其中 D类企业用地（亩）',
               idle_area_mu: '其中 闲置土地（亩）', enterprises: '企业数' };
  var labels = {}, columns = {};
  function countsTable(tbl, rows, key, label, own, total) {
    if (!rows || !rows.length) { desk.table(tbl, [], [[key, label]]); return; }
    // the idle audit's zone tables: the workbook's Chinese headers (columns), never the field names;
    // the 按状态 table its sheet's own headers (own) and its 合计 row (total), as the workbook (QA user F5)
    var heads = own || columns;
    var cols = Object.keys(rows[0]).map(function (k) { return [k, k === key ? label : (heads[k] || HEAD[k] || labels[k] || k)]; });
    if (total) { rows = rows.concat([total]); }
    var shown = rows.map(function (r) {
      var o = {};
      Object.keys(r).forEach(function (k) {
        var v = r[k];
        o[k] = typeof v === 'number' ? Math.round(v * 100) / 100 : ((k === 'status' || k === 'class') ? (labels[v] || v) : v);
      });
      return o;
    });
    desk.table(tbl, shown, cols);
  }
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () { this._div = el('div', null, 'legend'); this._div.hidden = true; return this._div; };
  legend.addTo(map);
  function drawLegend(colors, entries) {
    var box = legend._div; desk.clear(box);
    if (!entries) {
      // the colour table's order (A→T), then any class it does not know
      var keys = Object.keys(colors).filter(function (k) { return labels[k] !== undefined; });
      Object.keys(labels).forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } });
      entries = keys.map(function (k) { return { status: k, status_zh: labels[k] }; });
    }
    // idle: one entry per label the parcels carry (认定/疑似, 第八条第一款/第二款 apart), with its count
    entries.forEach(function (e) {
      var row = el('div'), sw = el('i');
      sw.style.background = colors[e.status] || '#000';
      row.appendChild(sw);
      row.appendChild(document.createTextNode(e.status_zh + (e.count !== undefined ? '（' + e.count + ' 宗）' : '')));
      box.appendChild(row);
    });
    box.hidden = false;
  }
  function drawLegendNotes(notes) {
    // what the map's markers stand for: 按镇示意 points, parcels not drawn (位置不明), repeats drawn once
    var box = legend._div;
    Array.prototype.forEach.call(box.querySelectorAll('.legend-note'), function (n) { box.removeChild(n); });
    notes.forEach(function (t) { box.appendChild(el('div', t, 'legend-note')); });
  }
  function actionTotal(n, unit, parcels) {
    // a parcel id on several rows is one parcel: 「共 15 条记录（14 宗）」 (QA user F4)
    var rows = parcels !== undefined && parcels !== n;
    var what = rows ? n + ' 条记录（' + parcels + ' 宗）' : n + ' ' + unit;
    if (rows) { unit = '条'; }
    $('action-total').textContent = '（共 ' + what + (n > 500 ? '，此处列前 500 ' + unit + '，全部见 XLSX）' : '）');
  }
  function show(job) {
    var s = job.summary || {};
    var sums = s.summaries || {};
    var eff = job.kind === 'efficiency';
    var colors = COLOR[eff ? 'efficiency' : 'idle'];
    var entries = null;
    columns = {};
    if (eff) {
      labels = {};
      Object.keys(s.class_labels || {}).forEach(function (k) { labels[k] = s.class_labels[k]; });
      labels.none = '无企业或未评价';
      $('by-status-title').textContent = '按分类（企业数）';
      var order = ['A', 'B', 'C', 'D', 'T'];
      var counts = s.counts || {};
      var byClass = Object.keys(counts).sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); })
        .map(function (c) { return { class: c, enterprises: counts[c] }; });
      countsTable($('by-status'), byClass, 'class', '分类');
      countsTable($('by-township'), sums['按镇街'], 'township_zh', '镇（街道）');
      countsTable($('by-cluster'), sums['按集聚区'], 'cluster_zh', '工业集聚区');
      $('action-title').textContent = '需提升的企业（C、D 类）';
      $('action-basis').textContent = '规划第十章第四节：“倒逼C、D类企业提升资源要素利用效率”。D 类在前，同类按综合得分由低到高。';
      actionTotal(s.needs_action_total || 0, '家');
      desk.table($('actions'), s.needs_action || [], [['credit_code', '统一社会信用代码'], ['name', '企业名称'],
        ['township_zh', '镇（街道）'], ['cluster_zh', '集聚区'], ['land_area_mu', '用地（亩）'], ['score', '综合得分'],
        ['eff_class_zh', '分类'], ['eff_reason', '分类依据']]);
    } else {
      labels = {};
      columns = s.column_labels || {};
      entries = (s.status_legend || []).filter(function (e) { return e.status !== 'not_a_parcel'; });  // no parcel: not on the map (its note says so)
      $('by-status-title').textContent = '按状态';
      countsTable($('by-status'), sums.status, 'status_zh', '审计结论', s.status_column_labels, s.status_total);
      countsTable($('by-township'), sums.township_zh, 'township_zh', '镇（街道）');
      countsTable($('by-cluster'), sums.cluster_zh, 'cluster_zh', '工业集聚区');
      $('action-title').textContent = '需处置或核实的宗地';
      // the same records as the console's 需核实补正 and the workbook's 问题记录 (QA30 F9)
      $('action-basis').textContent = '含疑似闲置、政府原因、延期、数据不足的宗地，以及工作簿“问题记录”中的全部记录（逾期动工须核查是否已征缴土地闲置费、数据有问题须核实补正），见“数据问题”列。';
      actionTotal(s.needs_action_total || 0, '宗', s.needs_action_parcels);
      desk.table($('actions'), s.needs_action || [], [['parcel_id', '宗地编号'], ['project_name', '项目名称'], ['holder', '用地单位'], ['township_zh', '镇（街道）'],
        ['cluster_zh', '集聚区'], ['area_mu', '面积（亩）'], ['status_zh', '状态'], ['reason_zh', '理由'],
        ['next_step_zh', '下一步'], ['problems', '数据问题'], ['duplicate_zh', '重复宗地']]);
    }
    drawLegend(colors, entries);
    var ul = $('downloads'); desk.clear(ul);
    job.downloads.forEach(function (d) {
      var li = el('li'), a = el('a', d.name);
      a.href = d.url; li.appendChild(a);
      // what the file is for: the GeoParquet list opens in GIS software only (QA round 11, F13.13)
      if (d.note) { li.appendChild(el('span', '（' + d.note + '）')); }
      ul.appendChild(li);
    });
    $('audit-notes').textContent = (s.notes || []).join('\n');
    $('audit-answer').hidden = false;
    parcels.clearLayers();
    desk.api('/api/jobs/' + job.id + '/map').then(function (fc) {
      // a point standing for several parcels (a ledger placed by names: a town's parcels share its
      // point) is one marker: larger with the count, the most serious label's colour, the counts by
      // label and the parcels on click (QA9 #2)
      var lyr = L.geoJSON(fc, {
        style: function (f) { var c = colors[f.properties.status] || '#000'; return { color: c, weight: 1, fillColor: c, fillOpacity: 0.7 }; },
        pointToLayer: function (f, ll) {
          var k = f.properties.n_parcels || 1;
          // placed by a name (no coordinates): a dashed dark ring, drawn outside the unit's clusters and parks
          // (located_zh says so on click): it is no parcel's position (QA nu #2); the radius grows with the
          // count and the count is written under the point, sized as the CLI's HTML map (the server's
          // ``radius``/``count_zh``, maps.answer.count_radii; QA session 31 F6)
          var named = !!f.properties.located_zh, r = f.properties.radius || 7;
          var m = L.circleMarker(ll, { radius: r, color: named ? '#333' : '#fff', fillOpacity: 0.95,
                                       weight: named ? 2 : (k > 1 ? 2 : 1), dashArray: named ? '3 3' : null });
          if (f.properties.count_zh) {   // a label of its own (the marker's tooltip is its hover text)
            parcels.addLayer(L.tooltip({ permanent: true, direction: 'bottom', offset: [0, r], interactive: false,
                                         className: 'count-label' }).setLatLng(ll).setContent(el('span', f.properties.count_zh)));
          }
          return m;
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(function () {
            // the 项目名称 when the ledger has one (text: el sets textContent, a name is never markup)
            return el('span', (p.parcel_id || '') + (p.project_name ? ' ' + p.project_name : '') +
                      (p.holder ? ' ' + p.holder : '') + '：' + (p.status_zh || '') +
                      (p.counts_zh && p.n_parcels > 1 ? '（' + p.counts_zh + '）' : '') +
                      (p.low_efficiency ? '（低效用地：' + p.low_efficiency + '）' : ''));
          });
          if (p.n_parcels > 1 || p.located_zh) {
            l.bindPopup(function () {
              var box = el('div', null, 'group-popup');
              box.appendChild(el('b', p.parcel_id || ''));
              if (p.project_name) { box.appendChild(el('div', '项目名称：' + p.project_name)); }
              if (p.located_zh) { box.appendChild(el('div', '位置：' + p.located_zh)); }
              if (p.n_parcels > 1) {
                box.appendChild(el('div', '各结论宗数：' + (p.counts_zh || '')));
                box.appendChild(el('div', '宗地：' + (p.parcels_zh || '')));
              } else {
                box.appendChild(el('div', '审计结论：' + (p.status_zh || '')));
              }
              return box;
            }, { maxWidth: 360 });
          }
        }
      });
      drawLegendNotes(fc.dcf_notes || []);
      parcels.addLayer(lyr);
      desk.showLayers(map, fc.dcf_context, lyr);
      if (lyr.getLayers().length) { map.fitBounds(lyr.getBounds()); }
      window.dcfJobMapDrawn = lyr.getLayers().length;
    }).catch(function () { window.dcfJobMapDrawn = 0; /* no geometry: tables only */ });
  }
  var currentJob = null;  // the url of the job being polled (null: none)
  // a network error while polling (the server busy, a Wi-Fi blip) is retried a few times, waiting
  // longer each time, before the page gives up and says so; an answer of the server (404 …) is not retried
  var POLL_RETRIES = 5;
  function poll(url, tries) {
    if (url !== currentJob) { return; }  // cancelled, or a newer job started
    desk.api(url).then(function (job) {
      if (url !== currentJob) { return; }
      window.dcfLastJob = job;
      $('job-status').textContent = job.message + (job.error ? '：' + job.error : '');
      $('job-progress').value = job.progress;
      if (job.status === 'done') { finished(); show(job); return; }
      if (job.status === 'failed') { failed({ message: job.error }, '任务失败'); return; }
      if (job.status === 'cancelled') { finished(); $('job-progress').value = 0; return; }
      setTimeout(function () { poll(url, 0); }, 1000);
    }).catch(function (e) {
      if (url !== currentJob) { return; }
      var n = (tries || 0) + 1;
      if (e.status === undefined && n <= POLL_RETRIES) {
        $('job-status').textContent = '与工作台的连接中断，正在重试（第 ' + n + ' 次，共 ' + POLL_RETRIES + ' 次）';
        setTimeout(function () { poll(url, n); }, 1000 * n);
        return;
      }
      failed(e.status === undefined ? { message: '与工作台的连接中断，重试 ' + POLL_RETRIES + ' 次仍未连上。' +
        '请确认工作台（dcf serve）仍在运行、网络畅通，然后刷新页面重新开始审计。' } : e, '查询任务状态失败');
    });
  }
  function finished() {
    currentJob = null;
    $('audit-go').disabled = false;
    $('job-cancel').hidden = true;
  }
  $('job-cancel').addEventListener('click', function () {
    var url = currentJob;
    if (!url) { return; }
    $('job-cancel').disabled = true;
    $('job-status').textContent = '正在取消';
    desk.api(url, { method: 'DELETE' }).then(function (job) {
      window.dcfLastJob = job;
      $('job-status').textContent = job.message;
      if (job.status === 'cancelled') { finished(); $('job-progress').value = 0; }
      // still running: the poll sees it stop at the end of its current step
    }).catch(function (e) {
      // finished meanwhile (409): not cancelled, its results stay; the poll shows them
      if (e.status === 409) { $('job-status').textContent = e.message; $('job-cancel').hidden = true; return; }
      $('error').textContent = e.message;
    }).then(function () { $('job-cancel').disabled = false; });
  });
  // an error never leaves the status at 正在上传 / 正在审计: it says what happened (the reason is in #error)
  function failed(e, status) {
    finished();
    $('error').textContent = e.message;
    $('job-status').textContent = status + '（原因见上方）';
    $('job-progress').value = 0;
  }
  $('audit-go').addEventListener('click', function () {
    var f = $('parcels-file').files[0], ent = $('enterprises-file').files[0];
    var eff = kind === 'efficiency';
    $('error').textContent = '';
    if (eff && !ent) { $('error').textContent = '请先选择企业表。'; return; }
    if (!eff && !f) { $('error').textContent = '请先选择宗地文件。'; return; }
    if (!$('as-of').value && (!eff || f)) { $('error').textContent = '请选择审计基准日。'; return; }
    var fd = new FormData();
    if (eff) { fd.append('enterprises', ent); }
    if (f) { fd.append('parcels', f); }
    if ($('as-of').value) { fd.append('as_of', $('as-of').value); }
    // the API's ``sheet`` is the sheet of the main table (宗地 for the idle audit, 企业表 for the evaluation)
    if (eff && entSheet.value()) { fd.append('sheet', entSheet.value()); }
    if (f && parcelSheet.value()) { fd.append(eff ? 'parcel_sheet' : 'sheet', parcelSheet.value()); }
    if (!eff && $('area-unit').value) { fd.append('area_unit', $('area-unit').value); }
    $('audit-go').disabled = true;
    $('audit-answer').hidden = true;
    $('job').hidden = false;
    $('job-status').textContent = '正在上传';
    window.dcfLastJob = null;
    window.dcfJobMapDrawn = null;
    $('job-cancel').hidden = true;
    desk.api(eff ? '/api/audit/efficiency' : '/api/audit/idle', { method: 'POST', body: fd }).then(function (j) {
      currentJob = j.url;
      $('job-cancel').hidden = false;
      poll(j.url, 0);
    })
      .catch(function (e) { failed(e, '上传失败，未开始'); });
  });
})();
