// Larder & Loom, the demo shop. It reaches Tailor only through window.Tailor (tracker.js) and the
// public API with the public key, as a shop on its own server would.
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('demo-config').textContent);
  var main = document.getElementById('main');
  var CART_KEY = 'demo_cart';
  var CONSENT_KEY = 'demo_consent';
  var PANEL_KEY = 'demo_panel';
  var SOURCE_LABELS = {
    session_next: 'shoppers like you went on to it',
    alternatives: 'viewed with what you looked at',
    bought_together: 'bought together',
    content_similar: 'similar to what you viewed',
    trending: 'trending',
    bestsellers: 'best seller',
    affinity: 'matches your tastes',
    filters: 'matches filters you keep using',
    recently_viewed: 'you viewed it',
    recently_bought: 'you bought it',
    query_clicks: 'shoppers chose it for this search'
  };
  // Parts too small to be worth a label, and text relevance (every search result has it).
  var WHY_MIN = 0.05;

  // ---- consent: a tiny CMP. Acceptance is remembered; a refusal lasts this session only ----
  function storedConsent() {
    return localStorage.getItem(CONSENT_KEY) || sessionStorage.getItem(CONSENT_KEY);
  }
  var decided = storedConsent();
  Tailor.init({ key: cfg.key, endpoint: cfg.endpoint, consent: decided || undefined });
  var banner = document.getElementById('consent');
  banner.hidden = !!decided;
  document.getElementById('consent-accept').addEventListener('click', function () {
    localStorage.setItem(CONSENT_KEY, 'granted');
    Tailor.consent(true);
    banner.hidden = true;
    refreshPanel();
  });
  document.getElementById('consent-refuse').addEventListener('click', function () {
    sessionStorage.setItem(CONSENT_KEY, 'denied');
    Tailor.consent(false);
    banner.hidden = true;
    refreshPanel();
  });

  // ---- small helpers ----
  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }
  function money(v, cur) {
    return new Intl.NumberFormat('en-IE', { style: 'currency', currency: cur || 'EUR' }).format(v || 0);
  }
  function api(path) {
    var sep = path.indexOf('?') < 0 ? '?' : '&';
    return fetch((cfg.endpoint || '') + path + sep + 'key=' + encodeURIComponent(cfg.key)).then(function (r) {
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function params() { return new URLSearchParams(location.search); }
  function topCategory(p) { return p.categories && p.categories[0] ? p.categories[0].join(' > ') : ''; }

  var productCache = {};
  function product(id) {
    if (productCache[id]) return Promise.resolve(productCache[id]);
    return api('/v1/products/' + encodeURIComponent(id)).then(function (p) {
      if (p) productCache[id] = p;
      return p;
    });
  }
  // ---- cart (the shop's own state) ----
  function cart() {
    try { return JSON.parse(localStorage.getItem(CART_KEY)) || []; } catch (e) { return []; }
  }
  function saveCart(lines) {
    localStorage.setItem(CART_KEY, JSON.stringify(lines));
    document.getElementById('cart-count').textContent = lines.reduce(function (n, l) { return n + l.quantity; }, 0);
  }
  function addToCart(p, q) {
    var lines = cart();
    var line = lines.find(function (l) { return l.id === p.id; });
    if (line) line.quantity += q;
    else lines.push({ id: p.id, title: p.title, price: p.sale_price || p.price, currency: p.currency, image_url: p.image_url, quantity: q });
    saveCart(lines);
  }

  // ---- tiles ----
  function whyText(item) {
    if (!item.explain) return '';
    var best = '', top = WHY_MIN, s = item.explain.sources || {};
    for (var k in s) if (k !== 'text_match' && s[k] > top) { top = s[k]; best = k; }
    if (item.explain.affinity > top) { top = item.explain.affinity; best = 'affinity'; }
    if (item.explain.filters > top) best = 'filters';
    return SOURCE_LABELS[best] || '';
  }
  // One product card; `item` is a product or a recommendation item (which carries tracking).
  function tile(item) {
    var id = item.product_id || item.id;
    var price = item.sale_price !== undefined && item.sale_price !== null ? item.sale_price : item.price;
    var why = whyText(item);
    var link = h('a', { href: item.url || '/demo/product/' + id, 'data-tailor-product': id, 'data-tailor-tracking': item.tracking }, [
      h('img', { src: item.image_url || '/demo/images/' + id + '.svg', alt: '', loading: 'lazy', width: 300, height: 300 }),
      h('span', { class: 'body' }, [
        item.brand ? h('span', { class: 'brand', text: item.brand }) : null,
        h('span', { class: 'title', text: item.title }),
        why ? h('span', { class: 'why', text: why }) : null,
        (item.warnings || []).indexOf('allergens_unknown') >= 0 ? h('span', { class: 'warn', text: 'allergens not listed' }) : null,
        h('span', { class: 'price' + (item.sale_price ? ' sale' : '') }, [money(price, item.currency), item.sale_price ? h('s', { text: money(item.price, item.currency) }) : null])
      ])
    ]);
    return h('li', { class: 'card', 'data-product-id': id }, [link]);
  }
  function section(title, cls) {
    var s = h('section', { class: cls || 'box', 'aria-label': title });
    main.appendChild(s);
    return s;
  }

  // Renders boxes through the tracker (one request, no repeats) and remembers why, for the panel.
  var lastWhy = [];
  function widgets(specs) {
    return Tailor.widgets(specs.map(function (s) {
      return { el: s.el, box: s.box, title: s.title, template: tile };
    }), { explain: true }).then(function (res) {
      res.boxes.forEach(function (b, i) {
        var list = specs[i].el.querySelector('ul');
        if (list) list.className = 'grid';
        lastWhy.push({ title: specs[i].title, items: b.items });
      });
      showWhy();
      return res;
    }).catch(function (e) {
      specs.forEach(function (s) { s.el.textContent = ''; s.el.appendChild(h('p', { class: 'muted', text: 'Recommendations are unavailable: ' + e.message })); });
    });
  }

  // Completions of what shoppers searched, as the shopper types.
  function suggestions() {
    var input = document.getElementById('q');
    var list = document.getElementById('q-suggestions');
    var pending = 0;
    input.addEventListener('input', function () {
      var typed = input.value;
      clearTimeout(pending);
      pending = setTimeout(function () {
        if (typed.trim().length < 2) return;
        Tailor.suggest(typed, 8).then(function (s) {
          list.textContent = '';
          s.forEach(function (x) { list.appendChild(h('option', { value: x.query })); });
        }).catch(function () {});
      }, 120);
    });
  }

  // ---- pages ----
  function navMenu() {
    var ul = document.getElementById('cats');
    var current = params().get('c') || '';
    cfg.categories.forEach(function (top) {
      var path = top.path;
      ul.appendChild(h('li', {}, [h('a', { href: '/demo/category?c=' + encodeURIComponent(path), 'aria-current': current === path ? 'page' : null, text: top.name })]));
    });
  }

  function home() {
    document.title = 'Larder & Loom';
    var compare = sessionStorage.getItem('demo_compare') === '1';
    var toggle = h('input', { type: 'checkbox', id: 'compare', checked: compare, onchange: function () {
      sessionStorage.setItem('demo_compare', toggle.checked ? '1' : '0');
      location.reload();
    } });
    main.appendChild(h('div', { class: 'hero' }, [
      h('div', {}, [h('h1', { text: 'Good things for every day' }), h('p', { text: 'Fresh groceries, coffee, home and more, picked for you as you browse.' })]),
      h('label', { class: 'switch', for: 'compare' }, [toggle, 'Compare with the plain page'])
    ]));
    if (compare) {
      var grid = h('div', { class: 'compare' });
      main.appendChild(grid);
      var left = h('section', { 'aria-label': 'Personalized', id: 'box-personal' });
      var right = h('section', { 'aria-label': 'Plain', id: 'box-plain' });
      grid.appendChild(left);
      grid.appendChild(right);
      // Two requests: in one, the boxes would keep each other's products out.
      return Promise.all([
        widgets([{ el: left, box: { name: 'for_you', preset: 'for_you', count: 8 }, title: 'Personalized: picked for you' }]),
        widgets([{ el: right, box: { name: 'plain', preset: 'bestsellers', count: 8 }, title: 'Plain: best sellers for everyone' }])
      ]);
    }
    var forYou = section('Picked for you', 'box');
    forYou.id = 'box-for-you';
    var trending = section('Trending now', 'box');
    trending.id = 'box-trending';
    return widgets([
      { el: forYou, box: { name: 'for_you', preset: 'for_you', count: 8 }, title: 'Picked for you' },
      { el: trending, box: { name: 'trending', preset: 'trending', count: 8 }, title: 'Trending now' }
    ]);
  }

  function categoryPage() {
    var path = params().get('c') || '';
    var parts = path.split(' > ');
    document.title = parts[parts.length - 1] + ' · Larder & Loom';
    var crumbs = h('p', { class: 'crumbs' }, [h('a', { href: '/demo/', text: 'Home' })]);
    parts.forEach(function (p, i) {
      crumbs.appendChild(document.createTextNode(' / '));
      crumbs.appendChild(h('a', { href: '/demo/category?c=' + encodeURIComponent(parts.slice(0, i + 1).join(' > ')), text: p }));
    });
    main.appendChild(crumbs);
    main.appendChild(h('h1', { text: parts[parts.length - 1] }));
    var top = cfg.categories.find(function (c) { return c.path === parts[0]; });
    if (top && parts.length === 1) {
      main.appendChild(h('ul', { class: 'chips' }, top.children.map(function (c) {
        return h('li', {}, [h('a', { href: '/demo/category?c=' + encodeURIComponent(c.path), text: c.name + ' (' + c.count + ')' })]);
      })));
    }
    var picks = section('Top picks for you', 'box');
    picks.id = 'box-picks';
    var listing = h('section', { 'aria-label': 'All products', id: 'listing' }, [h('h2', { text: 'All products' }), h('p', { class: 'loading', text: 'Loading…' })]);
    main.appendChild(listing);
    var filter = { category: path };
    var brand = params().get('brand');
    return Promise.all([
      widgets([{ el: picks, box: { name: 'picks', preset: 'for_you', count: 4, filter: filter }, title: 'Top picks in ' + parts[parts.length - 1] + ' for you' }]),
      // The category page is a search without a query: the same personal ranking.
      results(listing, { filters: brand ? { category: path, brand: brand } : { category: path }, limit: 48, facets: ['brand'], explain: true }, 'All products')
    ]);
  }

  // Renders a search answer (tiles with tracking codes, brand facet, the loosening message).
  function results(target, req, title) {
    return Tailor.search(req).then(function (res) {
      var loading = target.querySelector('.loading');
      if (loading) loading.remove();
      if (res.message) target.appendChild(h('p', { class: 'notice', role: 'status', text: res.message }));
      target.appendChild(h('p', { class: 'muted', text: res.total + ' products' }));
      var brands = (res.facets && res.facets.brand) || [];
      if (brands.length > 1) {
        target.appendChild(h('ul', { class: 'chips', 'aria-label': 'Brands' }, brands.slice(0, 12).map(function (b) {
          var q = params();
          q.set('brand', b.value);
          return h('li', {}, [h('a', { href: location.pathname + '?' + q.toString(), text: b.value + ' (' + b.count + ')' })]);
        })));
      }
      target.appendChild(h('ul', { class: 'grid', id: 'results' }, res.items.map(tile)));
      lastWhy.push({ title: title, items: res.items });
      showWhy();
      return res;
    }).catch(function (e) {
      target.appendChild(h('p', { class: 'muted', text: 'Search is unavailable: ' + e.message }));
    });
  }

  function productPage() {
    var id = decodeURIComponent(location.pathname.split('/').pop());
    return product(id).then(function (p) {
      if (!p) {
        main.appendChild(h('h1', { text: 'Product not found' }));
        return;
      }
      document.title = p.title + ' · Larder & Loom';
      var cat = topCategory(p);
      var crumbs = h('p', { class: 'crumbs' }, [h('a', { href: '/demo/', text: 'Home' })]);
      cat.split(' > ').forEach(function (c, i, all) {
        crumbs.appendChild(document.createTextNode(' / '));
        crumbs.appendChild(h('a', { href: '/demo/category?c=' + encodeURIComponent(all.slice(0, i + 1).join(' > ')), text: c }));
      });
      main.appendChild(crumbs);
      var qty = h('input', { type: 'number', id: 'qty', min: 1, max: 99, value: 1, 'aria-label': 'Quantity' });
      var inStock = p.availability !== 'out_of_stock';
      var add = h('button', { type: 'button', id: 'add-to-cart', 'data-tailor-add-to-cart': p.id, 'data-tailor-quantity': 1, disabled: !inStock, text: inStock ? 'Add to cart' : 'Out of stock' });
      qty.addEventListener('change', function () { add.setAttribute('data-tailor-quantity', Math.max(1, +qty.value || 1)); });
      var note = h('p', { class: 'notice', role: 'status', hidden: true });
      add.addEventListener('click', function () {
        addToCart(p, Math.max(1, +qty.value || 1));
        note.hidden = false;
        note.textContent = 'Added to your cart.';
      });
      var wish = h('button', { type: 'button', class: 'secondary', 'data-tailor-wishlist': p.id, text: 'Save for later', onclick: function () { wish.textContent = 'Saved'; } });
      var price = p.sale_price !== undefined ? p.sale_price : p.price;
      main.appendChild(h('article', { class: 'product', 'data-tailor-view': p.id }, [
        h('img', { src: p.image_url || '/demo/images/' + p.id + '.svg', alt: p.title, width: 420, height: 420 }),
        h('div', {}, [
          p.brand ? h('p', { class: 'meta', text: p.brand }) : null,
          h('h1', { text: p.title }),
          h('p', { class: 'price' + (p.sale_price !== undefined ? ' sale' : '') }, [money(price, p.currency), p.sale_price !== undefined ? h('s', { class: 'muted', text: ' ' + money(p.price, p.currency) }) : null]),
          h('p', { class: 'meta', text: (p.availability || 'in_stock').replace(/_/g, ' ') + (p.stock ? ' · ' + p.stock + ' left' : '') }),
          h('div', { class: 'buy' }, [qty, add, wish]),
          note,
          h('p', { text: p.description }),
          p.allergens && p.allergens.length ? h('div', {}, [h('h2', { text: 'Contains' }), h('ul', { class: 'chips warn' }, p.allergens.map(function (a) { return h('li', { text: a }); }))]) : null,
          p.diets && p.diets.length ? h('div', {}, [h('h2', { text: 'Suitable for' }), h('ul', { class: 'chips' }, p.diets.map(function (a) { return h('li', { text: a }); }))]) : null
        ])
      ]));
      if (p.configuration) main.appendChild(configurator(p));
      // Queue the view now, so the boxes below already reflect it (it rides along with them).
      Tailor.scan(main);
      var alt = section('You may also like');
      alt.id = 'box-alternatives';
      var together = section('Often bought together');
      together.id = 'box-bought-together';
      var recent = section('Recently viewed');
      recent.id = 'box-recently-viewed';
      var ctx = { products: [p.id] };
      return widgets([
        { el: alt, box: { name: 'alternatives', preset: 'alternatives', count: 6, context: ctx }, title: 'You may also like' },
        { el: together, box: { name: 'bought_together', preset: 'bought_together', count: 4, context: ctx }, title: 'Often bought together' },
        { el: recent, box: { name: 'recently_viewed', preset: 'recently_viewed', count: 6, filter: { id: { $not: p.id } } }, title: 'Recently viewed' }
      ]);
    });
  }

  // The options of a configurable product: every change is priced by Tailor, and what is wrong
  // is listed rule by rule; "Check availability" resolves the SKU.
  function configurator(p) {
    var c = p.configuration;
    var form = h('form', { id: 'configurator', class: 'configurator', 'aria-label': 'Configure' });
    var out = h('p', { id: 'config-price', class: 'price', role: 'status' });
    var problems = h('ul', { id: 'config-problems', class: 'chips warn' });
    var sku = h('p', { id: 'config-sku', class: 'meta', role: 'status' });
    function choices() {
      var ch = {};
      c.groups.forEach(function (g) {
        if (g.kind === 'single') {
          var sel = form.querySelector('[name="' + g.id + '"]');
          if (sel && sel.value) ch[g.id] = sel.value;
        } else if (g.kind === 'multi') {
          ch[g.id] = Array.prototype.map.call(form.querySelectorAll('[name="' + g.id + '"]:checked'), function (x) { return x.value; });
        } else {
          var t = form.querySelector('[name="' + g.id + '"]');
          if (t && t.value) ch[g.id] = t.value;
        }
      });
      return ch;
    }
    function show(res) {
      problems.textContent = '';
      (res.problems || []).forEach(function (x) { problems.appendChild(h('li', { text: x.message + ' (' + x.rule + ')' })); });
    }
    function update(learn) {
      sku.textContent = '';
      return Tailor.configure(p.id, 'validate', choices(), learn === true).then(function (res) {
        show(res);
        if (!res.valid) { out.textContent = 'Choose valid options to see the price'; return; }
        return Tailor.configure(p.id, 'price', choices()).then(function (pr) { out.textContent = 'Your price: ' + money(pr.total, pr.currency); });
      }).catch(function (e) { out.textContent = e.message; });
    }
    c.groups.forEach(function (g) {
      var label = g.label || g.id;
      var delta = function (v) { return v.price_delta ? ' (+' + money(v.price_delta, p.currency) + ')' : ''; };
      var field;
      if (g.kind === 'single') {
        field = h('select', { name: g.id, id: 'opt-' + g.id, onchange: function () { update(true); } }, [h('option', { value: '', text: 'Choose…' })].concat(g.values.map(function (v) { return h('option', { value: v.id, text: (v.label || v.id) + delta(v) }); })));
        field = h('label', {}, [label + ' ', field]);
      } else if (g.kind === 'multi') {
        field = h('fieldset', {}, [h('legend', { text: label + (g.max ? ' (at most ' + g.max + ')' : '') })].concat(g.values.map(function (v) {
          return h('label', {}, [h('input', { type: 'checkbox', name: g.id, value: v.id, onchange: function () { update(true); } }), ' ' + (v.label || v.id) + delta(v)]);
        })));
      } else {
        field = h('label', {}, [label + (g.max_length ? ' (up to ' + g.max_length + ' characters' + (g.price_delta ? ', +' + money(g.price_delta, p.currency) : '') + ')' : '') + ' ',
          h('input', { type: 'text', name: g.id, id: 'opt-' + g.id, oninput: function () { update(false); } })]);
      }
      form.appendChild(h('div', { class: 'option' }, [field]));
    });
    var check = h('button', { type: 'button', id: 'config-resolve', text: 'Check availability', onclick: function () {
      Tailor.configure(p.id, 'resolve', choices(), true).then(function (r) {
        sku.textContent = 'Available as ' + r.sku + (r.stock != null ? ' · ' + r.stock + ' left' : '');
      }).catch(function (e) {
        var errs = (e.body && e.body.errors) || [];
        sku.textContent = errs.length ? errs.map(function (x) { return x.reason; }).join('; ') : e.message;
      });
    } });
    form.appendChild(check);
    var box = h('section', { class: 'configure' }, [h('h2', { text: 'Make it yours' }), form, out, problems, sku]);
    update();
    return box;
  }

  // The visitor's wishlists, read through the public API.
  function listsPage() {
    document.title = 'Your lists · Larder & Loom';
    main.appendChild(h('h1', { text: 'Your lists' }));
    return Tailor.lists().then(function (r) {
      if (!r.lists.length) {
        main.appendChild(h('p', { class: 'muted', id: 'lists-empty', text: 'Nothing saved yet. Use “Save for later” on a product.' }));
        return;
      }
      r.lists.forEach(function (l) {
        main.appendChild(h('section', { class: 'list', 'data-list': l.name }, [
          h('h2', { text: l.name + ' (' + l.items.length + ')' }),
          h('ul', {}, l.items.map(function (i) {
            return h('li', {}, [h('a', { href: '/demo/product/' + encodeURIComponent(i.product_id), text: i.title || i.product_id }), i.price != null ? ' · ' + money(i.sale_price != null ? i.sale_price : i.price, i.currency) : '', i.available ? '' : ' · unavailable']);
          }))
        ]));
      });
    }).catch(function (e) {
      main.appendChild(h('p', { class: 'notice', text: 'Could not read your lists: ' + e.message }));
    });
  }

  function searchPage() {
    var q = (params().get('q') || '').trim();
    document.getElementById('q').value = q;
    document.title = 'Search: ' + q + ' · Larder & Loom';
    main.appendChild(h('h1', { text: q ? 'Results for “' + q + '”' : 'Search' }));
    if (!q) return Promise.resolve();
    var listing = h('section', { 'aria-label': 'Search results', id: 'listing' });
    main.appendChild(listing);
    var brand = params().get('brand');
    return results(listing, { query: q, filters: brand ? { brand: brand } : null, limit: 48, facets: ['brand'], explain: true }, 'Search results').then(function () {
      var more = section('You might like');
      more.id = 'box-search-more';
      return widgets([{ el: more, box: { name: 'search_more', preset: 'for_you', count: 4 }, title: 'You might like' }]);
    });
  }

  // Stated preferences: hard constraints (allergens, diets, a price ceiling) hold in every
  // widget at once; favourite brands lift them.
  function preferencesPage() {
    document.title = 'Your preferences · Larder & Loom';
    main.appendChild(h('h1', { text: 'Your preferences' }));
    main.appendChild(h('p', { class: 'muted', text: 'Tell us what you never want to see and what you like. Everything in this shop follows it at once, and you can change it any time.' }));
    return Tailor.preferences().then(function (p) {
      p = p || {};
      var has = function (list, v) { return (list || []).indexOf(v) >= 0; };
      var checks = function (name, values, chosen, label, cls) {
        return h('fieldset', { class: 'prefs' }, [h('legend', { text: label })].concat(values.map(function (v) {
          var id = name + '-' + v.replace(/\W+/g, '-');
          return h('label', { for: id, class: 'check ' + (cls || '') }, [h('input', { type: 'checkbox', id: id, name: name, value: v, checked: has(chosen, v) }), v]);
        })));
      };
      var form = h('form', { id: 'prefs-form' }, [
        checks('exclude_allergens', cfg.allergens, p.exclude_allergens, 'Never show me products with', 'cap'),
        checks('diets', cfg.diets, p.diets, 'Food must be', 'cap'),
        checks('favorite_brands', cfg.brands.slice(0, 24), p.favorite_brands, 'Brands I like'),
        h('fieldset', { class: 'prefs' }, [h('legend', { text: 'Most I want to pay for one product' }),
          h('label', { for: 'max_price' }, ['€ ', h('input', { type: 'number', id: 'max_price', name: 'max_price', min: '0', step: '0.01', value: p.max_price != null ? String(p.max_price) : '' })])]),
        h('fieldset', { class: 'prefs' }, [h('legend', { text: 'Food whose allergens are unknown' }),
          h('label', { class: 'check', for: 'unknown-exclude' }, [h('input', { type: 'radio', id: 'unknown-exclude', name: 'unknown_allergens', value: 'exclude', checked: p.unknown_allergens !== 'warn' }), 'hide it']),
          h('label', { class: 'check', for: 'unknown-warn' }, [h('input', { type: 'radio', id: 'unknown-warn', name: 'unknown_allergens', value: 'warn', checked: p.unknown_allergens === 'warn' }), 'show it with a warning'])]),
        h('button', { type: 'submit', id: 'prefs-save', text: 'Save preferences' }),
        h('p', { id: 'prefs-status', role: 'status', class: 'muted' })
      ]);
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var picked = function (name) {
          return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; });
        };
        var body = {
          exclude_allergens: picked('exclude_allergens'),
          diets: picked('diets'),
          favorite_brands: picked('favorite_brands'),
          unknown_allergens: picked('unknown_allergens')[0] || 'exclude'
        };
        var max = form.querySelector('#max_price').value;
        if (max) body.max_price = Number(max);
        var status = document.getElementById('prefs-status');
        Tailor.setPreferences(body).then(function () {
          status.textContent = 'Saved. Every page now follows your preferences.';
          refreshPanel();
        }, function (e) {
          status.textContent = 'Could not save: ' + e.message;
        });
      });
      main.appendChild(form);
    });
  }

  // The gift box builder: Tailor fills a box for this visitor within the template's budget and
  // rules; the shopper can drop items, and the box is checked and priced again each time.
  function giftboxPage() {
    document.title = 'Gift box · Larder & Loom';
    main.appendChild(h('h1', { text: 'Build a gift box' }));
    return Tailor.giftboxes().then(function (templates) {
      if (!templates.length) {
        main.appendChild(h('p', { text: 'This shop offers no gift boxes yet.' }));
        return;
      }
      var pick = h('select', { id: 'giftbox-template', 'aria-label': 'Gift box' }, templates.map(function (t) {
        return h('option', { value: t.id, text: t.name || t.id });
      }));
      var rules = h('p', { class: 'muted', id: 'giftbox-rules' });
      var fillBtn = h('button', { type: 'button', id: 'giftbox-fill', text: 'Fill my box' });
      var status = h('p', { role: 'status', id: 'giftbox-status' });
      var list = h('ol', { class: 'giftbox', id: 'giftbox-items' });
      var summary = h('div', { id: 'giftbox-summary' });
      var items = [];
      function template() {
        return templates.find(function (t) { return t.id === pick.value; });
      }
      function describe() {
        var t = template();
        var c = t.capacity || {}, b = t.budget || {};
        rules.textContent = (c.min_items || 1) + '–' + (c.max_items || '∞') + ' items, ' +
          money(b.min, t.currency) + ' to ' + money(b.max, t.currency) + ' including packaging' +
          (t.packaging_price ? ' (' + money(t.packaging_price, t.currency) + ')' : '') + '.';
      }
      function draw() {
        list.textContent = '';
        items.forEach(function (it, i) {
          list.appendChild(h('li', {}, [
            h('img', { src: it.image_url || '/demo/images/' + it.product_id + '.svg', alt: '', width: 64, height: 64 }),
            h('span', { class: 'body' }, [
              h('a', { href: '/demo/product/' + it.product_id, 'data-tailor-product': it.product_id, 'data-tailor-tracking': it.tracking, text: it.title }),
              it.reason ? h('small', { class: 'why', text: it.reason }) : null
            ]),
            h('span', { class: 'price', text: money(it.price, template().currency) }),
            h('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove ' + it.title, text: 'Remove', onclick: function () {
              items.splice(i, 1);
              check();
            } })
          ]));
        });
      }
      // Validate and price what is in the box now; the reasons name the broken rules.
      function check() {
        draw();
        var ids = items.map(function (it) { return it.product_id; });
        summary.textContent = '';
        if (!ids.length) {
          status.textContent = 'The box is empty.';
          return Promise.resolve();
        }
        return Promise.all([
          Tailor.giftbox(pick.value, 'validate', { items: ids }),
          Tailor.giftbox(pick.value, 'price', { items: ids })
        ]).then(function (r) {
          var v = r[0], price = r[1];
          summary.appendChild(h('p', { class: 'total', id: 'giftbox-total', text: 'Box total ' + money(price.total, price.currency) +
            ' (' + money(price.items_total, price.currency) + ' of products + ' + money(price.packaging, price.currency) + ' packaging)' }));
          if (v.valid) {
            status.textContent = 'This box meets every rule.';
            summary.appendChild(h('button', { type: 'button', id: 'giftbox-to-cart', text: 'Add the box to the cart', onclick: function () {
              Promise.all(ids.map(product)).then(function (ps) {
                ps.forEach(function (p) {
                  if (!p) return;
                  addToCart(p, 1);
                  Tailor.track('cart_add', { product_id: p.id, quantity: 1 });
                });
                return Tailor.flush();
              }).then(function () { location.href = '/demo/cart'; });
            } }));
          } else {
            status.textContent = 'Not a valid box yet:';
            summary.appendChild(h('ul', { id: 'giftbox-reasons', class: 'notice' }, v.reasons.map(function (x) {
              return h('li', { text: x.message + (x.product_id ? ' (' + x.product_id + ')' : '') });
            })));
          }
        }, function (e) {
          status.textContent = 'Could not check the box: ' + e.message;
        });
      }
      function fill() {
        status.textContent = 'Choosing…';
        return Tailor.giftbox(pick.value, 'autofill', { explain: true }).then(function (r) {
          items = r.items;
          return check();
        }, function (e) {
          items = [];
          draw();
          status.textContent = e.status === 422 ? 'No box fits: ' + e.body.error.message : 'Could not fill the box: ' + e.message;
        });
      }
      fillBtn.addEventListener('click', fill);
      pick.addEventListener('change', function () { describe(); items = []; draw(); summary.textContent = ''; status.textContent = ''; });
      describe();
      main.appendChild(h('p', {}, ['Tailor picks products you are likely to love, within the budget and rules of the box, and never anything your preferences exclude. ', h('a', { href: '/demo/preferences', text: 'Your preferences' })]));
      main.appendChild(h('div', { class: 'giftbox-controls' }, [pick, fillBtn]));
      main.appendChild(rules);
      main.appendChild(status);
      main.appendChild(list);
      main.appendChild(summary);
    });
  }

  function cartPage() {
    document.title = 'Cart · Larder & Loom';
    main.appendChild(h('h1', { text: 'Your cart' }));
    var lines = cart();
    if (!lines.length) {
      main.appendChild(h('p', { text: 'Your cart is empty.' }));
    } else {
      var total = 0;
      var rows = lines.map(function (l) {
        total += l.price * l.quantity;
        return h('tr', {}, [
          h('td', {}, [h('img', { src: l.image_url || '/demo/images/' + l.id + '.svg', alt: '' })]),
          h('td', {}, [h('a', { href: '/demo/product/' + l.id, text: l.title })]),
          h('td', { text: String(l.quantity) }),
          h('td', { text: money(l.price * l.quantity, l.currency) }),
          h('td', {}, [h('button', { type: 'button', class: 'secondary', 'data-tailor-remove-from-cart': l.id, 'data-tailor-quantity': l.quantity, 'aria-label': 'Remove ' + l.title, text: 'Remove', onclick: function () {
            saveCart(cart().filter(function (x) { return x.id !== l.id; }));
            Tailor.flush().then(function () { location.reload(); });
          } })])
        ]);
      });
      main.appendChild(h('table', { class: 'cart' }, [
        h('thead', {}, [h('tr', {}, ['', 'Product', 'Qty', 'Price', ''].map(function (t) { return h('th', { scope: 'col', text: t }); }))]),
        h('tbody', {}, rows)
      ]));
      main.appendChild(h('p', { class: 'total', text: 'Total ' + money(total, lines[0].currency) }));
      main.appendChild(h('p', { style: 'text-align:right' }, [h('a', { href: '/demo/checkout', class: 'button', id: 'to-checkout', text: 'Go to checkout →' })]));
    }
    var together = section('Complete your basket');
    together.id = 'box-cart';
    var ids = lines.map(function (l) { return l.id; });
    return widgets([{ el: together, box: ids.length ? { name: 'cart', preset: 'bought_together', count: 6, context: { cart: ids } } : { name: 'cart', preset: 'for_you', count: 6 }, title: ids.length ? 'Complete your basket' : 'Picked for you' }]);
  }

  function checkoutPage() {
    document.title = 'Checkout · Larder & Loom';
    main.appendChild(h('h1', { text: 'Checkout' }));
    var lines = cart();
    if (!lines.length) {
      main.appendChild(h('p', {}, ['Nothing to pay for. ', h('a', { href: '/demo/', text: 'Keep shopping' })]));
      return Promise.resolve();
    }
    var form = h('form', { class: 'checkout', id: 'checkout' }, [
      h('label', {}, ['Name', h('input', { name: 'name', value: 'Alex Example', autocomplete: 'name', required: true })]),
      h('label', {}, ['Email', h('input', { name: 'email', type: 'email', value: 'alex@example.com', autocomplete: 'email', required: true })]),
      h('label', {}, ['Address', h('input', { name: 'address', value: '1 Demo Street', autocomplete: 'street-address', required: true })]),
      h('p', { class: 'muted', text: 'This is a demo: no payment is taken.' }),
      h('button', { type: 'submit', id: 'place-order', text: 'Place order' })
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var order = 'o' + Date.now().toString(36);
      Tailor.track('purchase', { order_id: order, lines: lines.map(function (l) { return { product_id: l.id, quantity: l.quantity, unit_price: l.price }; }) });
      Tailor.flush().then(function () {
        saveCart([]);
        main.textContent = '';
        main.appendChild(h('h1', { text: 'Thank you!' }));
        main.appendChild(h('p', { id: 'order-done', text: 'Order ' + order + ' is on its way (not really).' }));
        var next = section('You might also like');
        return widgets([{ el: next, box: { name: 'after_order', preset: 'for_you', count: 8 }, title: 'You might also like' }]);
      });
    });
    main.appendChild(form);
    return Promise.resolve();
  }

  // ---- "See personalization in action" ----
  var panel = document.getElementById('panel');
  var toggle = document.getElementById('panel-toggle');
  function setPanel(open) {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    sessionStorage.setItem(PANEL_KEY, open ? '1' : '0');
    if (open) refreshPanel();
  }
  toggle.addEventListener('click', function () { setPanel(panel.hidden); });
  document.getElementById('panel-close').addEventListener('click', function () { setPanel(false); });
  document.getElementById('reset-visitor').addEventListener('click', function () {
    Tailor.reset();
    saveCart([]);
    location.href = '/demo/';
  });

  function bars(list, label) {
    if (!list || !list.length) return h('p', { class: 'muted', text: 'Nothing yet.' });
    var max = list[0].weight || 1;
    return h('ul', { class: 'bars', 'aria-label': label }, list.slice(0, 6).map(function (a) {
      var pct = Math.max(4, Math.round(100 * a.weight / max));
      return h('li', {}, [h('span', { text: a.name }), h('span', { class: 'bar', title: a.weight.toFixed(2) }, [h('span', { style: 'width:' + pct + '%' })])]);
    }));
  }
  function titles(ids) {
    return Promise.all(ids.slice(0, 5).map(function (id) { return product(id).then(function (p) { return p ? p.title : id; }); }));
  }
  var whyBox = h('div', { id: 'panel-why' });
  function showWhy() {
    whyBox.textContent = '';
    whyBox.appendChild(h('h3', { text: 'Why these products' }));
    lastWhy.forEach(function (b) {
      if (!b.items.length) return;
      whyBox.appendChild(h('p', {}, [h('strong', { text: b.title })]));
      whyBox.appendChild(h('ul', { class: 'why-list' }, b.items.slice(0, 4).map(function (it) {
        var e = it.explain || { sources: {} };
        var parts = Object.keys(e.sources).sort(function (a, b2) { return e.sources[b2] - e.sources[a]; }).map(function (k) {
          return (SOURCE_LABELS[k] || k) + ' ' + e.sources[k].toFixed(2);
        });
        if (e.affinity) parts.push('your tastes ' + e.affinity.toFixed(2));
        if (e.filters) parts.push('filters you keep using ' + e.filters.toFixed(2));
        if (e.stated) parts.push('your stated preferences ' + e.stated.toFixed(2));
        if (e.popularity) parts.push('popularity ' + e.popularity.toFixed(2));
        return h('li', {}, [it.title, h('small', { text: parts.join(' · ') + ' = ' + (e.total || it.score).toFixed(2) })]);
      })));
    });
  }
  var refreshing = 0;
  function refreshPanel() {
    if (panel.hidden) return;
    clearTimeout(refreshing);
    refreshing = setTimeout(drawPanel, 250);
  }
  function drawPanel() {
    var st = Tailor.status();
    var body = document.getElementById('panel-body');
    return Tailor.profile().then(function (prof) {
      var recent = prof ? prof.recently_viewed : [];
      return titles(recent).then(function (names) {
        body.textContent = '';
        body.classList.remove('flash');
        void body.offsetWidth; // restart the highlight animation
        body.classList.add('flash');
        body.appendChild(h('dl', { id: 'panel-visitor' }, [
          h('dt', { text: 'Visitor' }), h('dd', { text: st.visitor_id || '(opted out)' }),
          h('dt', { text: 'Storage' }), h('dd', { text: st.persistent ? 'remembered (consent given)' : 'this session only (' + st.storage + ')' }),
          h('dt', { text: 'Events' }), h('dd', { id: 'panel-events', text: String(prof ? prof.events : 0) }),
          h('dt', { text: 'Cart' }), h('dd', { text: prof && prof.cart.length ? prof.cart.length + ' products' : 'empty' }),
          h('dt', { text: 'Searches' }), h('dd', { text: prof && prof.recent_queries.length ? prof.recent_queries.join(', ') : 'none' })
        ]));
        body.appendChild(h('h3', { text: 'Session intent: recently viewed' }));
        body.appendChild(names.length ? h('ol', { id: 'panel-recent' }, names.map(function (n) { return h('li', { text: n }); })) : h('p', { class: 'muted', text: 'Nothing yet.' }));
        body.appendChild(h('h3', { text: 'Favourite categories' }));
        var cats = bars(prof && prof.category_affinity, 'Category affinity');
        cats.id = 'panel-categories';
        body.appendChild(cats);
        body.appendChild(h('h3', { text: 'Favourite brands' }));
        body.appendChild(bars(prof && prof.brand_affinity, 'Brand affinity'));
        // Observed too, but from what the shopper filters by: strength 0.2 after one use.
        body.appendChild(h('h3', { text: 'Filters you keep using' }));
        var habits = bars(((prof && prof.filter_affinity) || []).map(function (f) {
          return { name: f.field + ': ' + f.value + ' (' + f.uses.toFixed(1) + '×)', weight: f.strength };
        }), 'Filter affinity');
        habits.id = 'panel-filters';
        body.appendChild(habits);
        body.appendChild(h('h3', { text: 'Stated preferences' }));
        var sp = (prof && prof.preferences) || {};
        var stated = [];
        if ((sp.exclude_allergens || []).length) stated.push('no ' + sp.exclude_allergens.join(', '));
        if ((sp.diets || []).length) stated.push(sp.diets.join(', '));
        if (sp.max_price != null) stated.push('at most ' + money(sp.max_price));
        if ((sp.favorite_brands || []).length) stated.push('likes ' + sp.favorite_brands.join(', '));
        body.appendChild(stated.length ? h('ul', { id: 'panel-stated' }, stated.map(function (t) { return h('li', { text: t }); })) : h('p', { class: 'muted', id: 'panel-stated', text: 'None stated. ' }, [h('a', { href: '/demo/preferences', text: 'Set some' })]));
        body.appendChild(whyBox);
      });
    }).catch(function (e) {
      body.textContent = 'Could not read the profile: ' + e.message;
    });
  }
  window.addEventListener('tailor:sent', refreshPanel);

  // ---- boot ----
  saveCart(cart());
  navMenu();
  suggestions();
  var path = location.pathname;
  var route = path === '/demo/' ? home
    : path === '/demo/category' ? categoryPage
    : path.indexOf('/demo/product/') === 0 ? productPage
    : path === '/demo/search' ? searchPage
    : path === '/demo/cart' ? cartPage
    : path === '/demo/checkout' ? checkoutPage
    : path === '/demo/preferences' ? preferencesPage
    : path === '/demo/giftbox' ? giftboxPage
    : path === '/demo/lists' ? listsPage : home;
  main.textContent = '';
  Promise.resolve(route()).then(function () {
    document.body.setAttribute('data-ready', 'true');
    if (sessionStorage.getItem(PANEL_KEY) === '1') setPanel(true);
  }, function (e) {
    main.appendChild(h('p', { class: 'notice', text: 'Something went wrong: ' + e.message }));
    document.body.setAttribute('data-ready', 'error');
  });
})();
