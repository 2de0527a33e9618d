// Tailor's admin dashboard: plain JS over the admin API. The key lives in sessionStorage (this
// tab only) and goes out as `Authorization: Bearer`; charts are SVG rendered by the server.
(function () {
  'use strict';
  var KEY = 'tailorAdminKey', SHOP = 'tailorAdminShop';
  var $ = function (id) { return document.getElementById(id); };

  function base() {
    var shop = sessionStorage.getItem(SHOP);
    return shop ? '/v1/shops/' + encodeURIComponent(shop) : '/v1';
  }

  function api(method, path, body, raw) {
    var opts = { method: method, headers: { 'Authorization': 'Bearer ' + (sessionStorage.getItem(KEY) || '') } };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(base() + path, opts).then(function (r) {
      if (r.status === 204) return null;
      if (raw && r.ok) return r.text();
      return r.json().catch(function () { return {}; }).then(function (v) {
        if (!r.ok) {
          var e = new Error((v.error && v.error.message) || ('HTTP ' + r.status));
          e.status = r.status; e.field = v.error && v.error.field;
          throw e;
        }
        return v;
      });
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 4 : 2);
    return String(v);
  }

  function table(t, cols, rows) {
    t.textContent = '';
    var head = el('tr');
    cols.forEach(function (c) { head.appendChild(el('th', c[1])); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el('tr');
      cols.forEach(function (c) {
        var v = typeof c[0] === 'function' ? c[0](r) : r[c[0]];
        var td = el('td');
        if (v instanceof Node) td.appendChild(v); else td.textContent = fmt(v);
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    if (!rows.length) { var tr = el('tr'); var td = el('td', 'nothing yet'); td.colSpan = cols.length; tr.appendChild(td); t.appendChild(tr); }
  }

  function chart(target, path) {
    return api('GET', path, undefined, true).then(function (svg) { target.innerHTML = svg; })
      .catch(function (e) { target.textContent = e.message; });
  }

  // ---- login and tabs ----
  function show(tab) {
    document.querySelectorAll('.tab').forEach(function (s) { s.hidden = s.id !== tab; });
    document.querySelectorAll('nav button[data-tab]').forEach(function (b) { b.classList.toggle('active', b.dataset.tab === tab); });
    location.hash = tab;
    ({ overview: overview, rules: rules, experiments: experiments, shoppers: function () {}, catalog: catalog })[tab]();
  }

  function loggedIn() {
    $('login').hidden = true; $('nav').hidden = false;
    var tab = (location.hash || '#overview').slice(1);
    show(document.getElementById(tab) && document.getElementById(tab).classList.contains('tab') ? tab : 'overview');
  }

  function logout() {
    sessionStorage.removeItem(KEY); sessionStorage.removeItem(SHOP);
    document.querySelectorAll('.tab').forEach(function (s) { s.hidden = true; });
    $('nav').hidden = true; $('login').hidden = false;
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $('key').value.trim());
    if ($('shop').value.trim()) sessionStorage.setItem(SHOP, $('shop').value.trim()); else sessionStorage.removeItem(SHOP);
    // Any admin-only read checks the key.
    api('GET', '/rules').then(function () { $('login-error').textContent = ''; loggedIn(); })
      .catch(function (e) { sessionStorage.removeItem(KEY); $('login-error').textContent = 'Not logged in: ' + e.message; });
  });
  $('logout').addEventListener('click', logout);
  document.querySelectorAll('nav button[data-tab]').forEach(function (b) {
    b.addEventListener('click', function () { show(b.dataset.tab); });
  });

  // ---- overview ----
  var metricCols = [['impressions', 'Impressions'], ['clicks', 'Clicks'], ['ctr', 'CTR'], ['cart_adds', 'Cart adds'],
    ['add_to_cart_rate', 'ATC rate'], ['purchases', 'Purchases'], ['conversion_rate', 'Conversion'],
    ['revenue', 'Revenue'], ['revenue_per_mille', 'Revenue / 1000 impr.']];
  function overview() {
    chart($('chart-events'), '/admin/charts/events');
    chart($('chart-revenue'), '/admin/charts/revenue');
    chart($('chart-widgets'), '/admin/charts/widgets');
    api('GET', '/analytics/widgets?group_by=widget,source').then(function (w) {
      table($('widgets-table'), [['widget', 'Widget'], ['source', 'Source']].concat(metricCols), w.rows);
    });
    api('GET', '/analytics/search?min_searches=3').then(function (q) {
      var cols = [['query', 'Query'], ['searches', 'Searches'], ['clicks_per_search', 'Clicks/search'], ['ctr', 'CTR'], ['revenue', 'Revenue']];
      table($('top-queries'), cols, q.top_queries);
      table($('zero-queries'), [['query', 'Query'], ['zero_results', 'Zero-result searches']], q.zero_result_queries);
      table($('low-queries'), cols, q.low_ctr_queries);
    });
  }

  // ---- rules ----
  var TEMPLATE = { id: 'my-rule', name: 'Pin a product for a query', priority: 10,
    when: { surfaces: ['search'], query: { contains: 'milk' } },
    actions: [{ type: 'pin', product_id: 'PRODUCT_ID', position: 0 }] };

  function rules() {
    if (!$('rule-json').value) $('rule-json').value = JSON.stringify(TEMPLATE, null, 2);
    api('GET', '/rules').then(function (r) {
      table($('rules-table'), [['id', 'Id'], ['name', 'Name'], ['priority', 'Priority'],
        [function (x) { return x.enabled ? 'yes' : 'no'; }, 'Enabled'],
        [function (x) { return JSON.stringify(x.when); }, 'When'],
        [function (x) { return x.actions.map(function (a) { return a.type; }).join(', '); }, 'Actions'],
        [function (x) {
          var span = el('span');
          var edit = el('button', 'Edit'); edit.onclick = function () { $('rule-json').value = JSON.stringify(x, null, 2); preview(); };
          var del = el('button', 'Delete'); del.onclick = function () { api('DELETE', '/rules/' + encodeURIComponent(x.id)).then(rules); };
          span.appendChild(edit); span.appendChild(del); return span;
        }, '']], r.rules);
    });
  }

  function draft() {
    try { $('rule-error').textContent = ''; return JSON.parse($('rule-json').value); }
    catch (e) { $('rule-error').textContent = 'Not JSON: ' + e.message; return null; }
  }

  function list(target, items) {
    target.textContent = '';
    items.forEach(function (i) {
      var li = el('li', (i.title || i.product_id) + ' (' + i.product_id + ')');
      var rs = i.explain && i.explain.rules;
      if (rs && rs.length) {
        li.className = 'ruled';
        li.appendChild(el('span', ' ← ' + rs.map(function (r) { return r.action + ' by ' + r.rule; }).join(', '), 'why'));
      }
      target.appendChild(li);
    });
  }

  var timer = null;
  function preview() {
    var rule = draft();
    if (!rule) return;
    var search = { limit: 10 };
    if ($('preview-query').value) search.query = $('preview-query').value;
    if ($('preview-category').value) search.filters = { category: $('preview-category').value };
    if ($('preview-visitor').value) search.visitor_id = $('preview-visitor').value;
    $('preview-status').textContent = 'previewing…';
    api('POST', '/rules/preview', { rule: rule, search: search }).then(function (p) {
      list($('preview-with'), p.with.items); list($('preview-without'), p.without.items);
      $('preview-status').textContent = p.changed ? 'The rule changes this list.' : 'The rule does not change this list.';
    }).catch(function (e) { $('preview-status').textContent = ''; $('rule-error').textContent = e.message; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(preview, 400); }
  ['rule-json', 'preview-query', 'preview-category', 'preview-visitor'].forEach(function (id) { $(id).addEventListener('input', later); });
  $('preview-run').addEventListener('click', preview);
  $('rule-save').addEventListener('click', function () {
    var rule = draft();
    if (!rule) return;
    if (!rule.id) { $('rule-error').textContent = 'id: give the rule an id'; return; }
    api('PUT', '/rules/' + encodeURIComponent(rule.id), rule).then(function () { $('rule-error').textContent = 'Saved.'; rules(); })
      .catch(function (e) { $('rule-error').textContent = e.message; });
  });

  // ---- experiments ----
  var EXPERIMENT = { id: 'personal-vs-popular', name: 'Personalized vs popular', surfaces: ['recommendations'],
    arms: [{ name: 'popular', strategy: 'popular' }, { name: 'personalized', strategy: 'personalized' }] };

  function experiments() {
    if (!$('experiment-json').value) $('experiment-json').value = JSON.stringify(EXPERIMENT, null, 2);
    api('GET', '/experiments').then(function (r) {
      table($('experiments-table'), [['id', 'Id'], ['name', 'Name'], ['status', 'Status'],
        [function (x) { return x.arms.map(function (a) { return a.name; }).join(' vs '); }, 'Arms'],
        [function (x) { var b = el('button', 'Results'); b.onclick = function () { results(x.id); }; return b; }, '']],
        r.experiments);
      if (r.experiments.length && !$('result-name').textContent) results(r.experiments[0].id);
    });
  }

  function interval(v) { return v ? '[' + fmt(v[0]) + ', ' + fmt(v[1]) + ']' : '–'; }

  function results(id) {
    $('result-name').textContent = id;
    chart($('experiment-chart'), '/admin/charts/experiment?experiment=' + encodeURIComponent(id));
    api('GET', '/experiments/' + encodeURIComponent(id) + '/results').then(function (r) {
      table($('result-arms'), [['arm', 'Arm'], ['units', 'Shoppers'], ['converted', 'Converted'],
        ['conversion_rate', 'Conversion'], [function (a) { return interval(a.conversion_interval); }, '95% interval'],
        ['revenue_per_unit', 'Revenue / shopper'], [function (a) { return interval(a.revenue_per_unit_interval); }, '95% interval']], r.arms);
      table($('result-comparisons'), [['arm', 'Arm'], ['control', 'vs'], ['conversion_lift', 'Lift'],
        [function (c) { return interval(c.conversion_difference_interval); }, 'Difference 95%'], ['p_value', 'p'],
        [function (c) { return c.significant ? 'yes' : 'no'; }, 'Significant'],
        [function (c) { return interval(c.revenue_per_unit_difference_interval); }, 'Revenue diff 95%'],
        ['verdict', 'Verdict']], r.comparisons);
      $('result-notes').textContent = 'Unit: ' + r.unit + '.\nTests: ' + r.tests.conversion + '; ' + r.tests.revenue +
        '.\nSample size: ' + fmt(r.sample_size.per_arm) + ' shoppers per arm for ' + r.sample_size.for + '.';
    });
  }

  $('experiment-save').addEventListener('click', function () {
    var e;
    try { e = JSON.parse($('experiment-json').value); } catch (x) { $('experiment-error').textContent = 'Not JSON: ' + x.message; return; }
    api('PUT', '/experiments/' + encodeURIComponent(e.id || ''), e).then(function () { $('experiment-error').textContent = 'Saved.'; experiments(); })
      .catch(function (x) { $('experiment-error').textContent = x.message; });
  });

  // ---- shoppers ----
  $('inspect-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = {};
    if ($('inspect-visitor').value) body.visitor_id = $('inspect-visitor').value;
    if ($('inspect-customer').value) body.customer_id = $('inspect-customer').value;
    api('POST', '/admin/inspect', body).then(function (r) {
      $('inspect-error').textContent = r.profile ? '' : 'Tailor knows nothing about this shopper yet; these are what a stranger sees.';
      $('inspect-profile').textContent = JSON.stringify({ experiment: r.experiment, profile: r.profile }, null, 2);
      var out = $('inspect-boxes'); out.textContent = '';
      r.boxes.forEach(function (b) {
        out.appendChild(el('h4', b.name));
        var ol = el('ol');
        b.items.forEach(function (i) {
          var li = el('li', (i.title || i.product_id) + ' — score ' + fmt(i.score));
          var e = i.explain || {};
          var parts = Object.keys(e.sources || {}).map(function (k) { return k + ' ' + fmt(e.sources[k]); });
          parts.push('affinity ' + fmt(e.affinity));
          if (e.filters) parts.push('filters used often ' + fmt(e.filters));
          parts.push('stated ' + fmt(e.stated), 'popularity ' + fmt(e.popularity));
          (e.rules || []).forEach(function (x) { parts.push(x.action + ' by rule ' + x.rule); });
          li.appendChild(el('div', parts.join(' · '), 'why'));
          ol.appendChild(li);
        });
        if (!b.items.length) ol.appendChild(el('li', 'empty'));
        out.appendChild(ol);
      });
    }).catch(function (e) { $('inspect-error').textContent = e.message; });
  });

  // ---- catalog ----
  function catalog() {
    api('GET', '/admin/catalog-health').then(function (h) {
      $('catalog-total').textContent = h.products + ' products';
      table($('catalog-table'), [['problem', 'Problem'], ['count', 'Products'],
        [function (p) { return p.sample.join(', '); }, 'Some of them']], h.problems);
    });
  }

  if (sessionStorage.getItem(KEY)) loggedIn(); else logout();
})();
