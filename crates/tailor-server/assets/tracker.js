/*! Tailor tracker: an anonymous visitor id, batched events, a GA4 dataLayer bridge and
 * recommendation widgets, for any shop page. No dependencies. Served by Tailor at /tracker.js.
 *
 *   <script src="https://tailor.example.com/tracker.js" data-key="tpk_..." async></script>
 *
 * Options (data-* on the script tag, or window.TailorConfig before it, or Tailor.init({...})):
 *   key        public key (tpk_...), required unless the server runs in development mode
 *   endpoint   Tailor's base URL (default: where this script came from)
 *   shop       shop id, when one server hosts several
 *   consent    "granted" when the shopper already agreed (default: ask with Tailor.consent)
 *   dataLayer  "false" to ignore window.dataLayer (default: listen to GA4 ecommerce events)
 *
 * Without consent nothing outlives the browser session: ids live in sessionStorage only.
 * API: window.Tailor.{track, click, scan, flush, recommend, search, suggest, render, renderAll, profile,
 * preferences, setPreferences, consent, optOut,
 * optIn, identify, reset, status}. DOM events on window: tailor:event, tailor:sent,
 * tailor:recommendations.
 */
(function (w, d) {
  'use strict';
  if (w.Tailor && w.Tailor.version) return;

  var SESSION_MS = 30 * 60 * 1000; // the server's own inactivity gap
  var BATCH_DELAY_MS = 800; // coalesce bursts (view, then add to cart) into one request
  var MAX_BATCH = 100;
  var MAX_QUEUE = 1000; // bounds memory while the server is unreachable
  var BEACON_MAX_BYTES = 60000; // browsers cap beacons at 64 KiB in flight
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 60000;
  var COOKIE_DAYS = 395; // about 13 months, the usual ceiling for analytics cookies
  var P = 'tailor_'; // every key this script stores starts with it

  var script = d.currentScript;
  var cfg = { key: '', endpoint: '', shop: '', consent: '', dataLayer: true };
  var state = {
    started: false,
    consent: 'unknown', // granted | denied | unknown
    optedOut: false,
    visitor: '',
    session: '',
    customer: '',
    queue: [],
    timer: 0,
    retryMs: 0,
    inFlight: false,
    seen: typeof WeakSet === 'function' ? new WeakSet() : null
  };

  // ---- storage: localStorage + cookie only with consent, sessionStorage otherwise ----

  function storage(kind) {
    try {
      var s = w[kind];
      s.setItem(P + 'probe', '1');
      s.removeItem(P + 'probe');
      return s;
    } catch (e) {
      return null; // private mode or blocked: keep ids in memory for this page
    }
  }
  var local = storage('localStorage');
  var session = storage('sessionStorage');
  var memory = {};

  function persistent() {
    return state.consent === 'granted' && !state.optedOut;
  }
  function put(name, value) {
    var s = persistent() ? local : session;
    if (s) s.setItem(P + name, value);
    else memory[name] = value;
  }
  function get(name) {
    var s = persistent() ? local : session;
    var v = s ? s.getItem(P + name) : memory[name];
    return v === undefined ? null : v;
  }
  function cookie(name, value, days) {
    var c = P + name + '=' + encodeURIComponent(value) + '; path=/; SameSite=Lax; max-age=' + Math.round(days * 86400);
    if (location.protocol === 'https:') c += '; Secure';
    d.cookie = c;
  }
  function readCookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )' + P + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function wipe(s) {
    if (!s) return;
    for (var i = s.length - 1; i >= 0; i--) {
      var k = s.key(i);
      if (k && k.indexOf(P) === 0) s.removeItem(k);
    }
  }
  function wipePersistent() {
    wipe(local);
    cookie('vid', '', 0);
  }

  function randomId(prefix) {
    var b = new Uint8Array(12);
    (w.crypto || w.msCrypto).getRandomValues(b);
    var s = '';
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return prefix + s;
  }

  // The visitor id and session, read from wherever consent allows, created if absent.
  function loadIds() {
    state.visitor = get('vid') || (persistent() ? readCookie('vid') : null) || randomId('v');
    state.customer = get('cid') || '';
    put('vid', state.visitor);
    if (persistent()) cookie('vid', state.visitor, COOKIE_DAYS);
    touchSession();
  }
  function touchSession() {
    var now = Date.now();
    var sid = get('sid');
    var last = +(get('last') || 0);
    if (!sid || now - last > SESSION_MS) sid = randomId('s');
    state.session = sid;
    put('sid', sid);
    put('last', String(now));
  }

  function announce() {
    if (state.optedOut) {
      console.info('[tailor] opted out: nothing is sent or stored. Tailor.optIn() undoes it.');
    } else if (!persistent()) {
      console.info('[tailor] no tracking consent: the visitor id lives in sessionStorage and ends with this session; nothing is stored beyond it. Tailor.consent(true) keeps it.');
    }
  }

  // ---- transport ----

  function base() {
    var b = (cfg.endpoint || '').replace(/\/+$/, '');
    return b + '/v1' + (cfg.shop ? '/shops/' + encodeURIComponent(cfg.shop) : '');
  }
  // The key rides in the URL and bodies are text/plain: beacons cannot set headers, and a
  // "simple" request needs no CORS preflight.
  function url(path, query) {
    var q = query ? [query] : [];
    if (cfg.key) q.push('key=' + encodeURIComponent(cfg.key));
    return base() + path + (q.length ? '?' + q.join('&') : '');
  }
  function request(method, path, body, query) {
    var init = { method: method, credentials: 'omit' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'text/plain;charset=UTF-8' };
    }
    return fetch(url(path, query), init).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
        if (!r.ok) {
          var err = new Error('Tailor ' + path + ': HTTP ' + r.status + (j && j.error ? ' ' + j.error.message : ''));
          err.status = r.status;
          err.body = j;
          throw err;
        }
        return j;
      });
    });
  }

  function emit(name, detail) {
    try { w.dispatchEvent(new CustomEvent(name, { detail: detail })); } catch (e) { /* old browsers */ }
  }

  function schedule(ms) {
    if (state.timer) return;
    state.timer = setTimeout(function () { state.timer = 0; flush(); }, ms);
  }

  // Sends queued events. `leaving`: the page is going away, so only a beacon (or a keepalive
  // fetch) can still get them out.
  function flush(leaving) {
    if (state.optedOut || !state.queue.length) return Promise.resolve(null);
    if (state.inFlight && !leaving) return Promise.resolve(null);
    var batch = state.queue.splice(0, MAX_BATCH);
    var body = JSON.stringify({ events: batch });
    var target = url('/events', 'partial=true');
    if (leaving && navigator.sendBeacon && body.length < BEACON_MAX_BYTES) {
      var sent = false;
      try { sent = navigator.sendBeacon(target, new Blob([body], { type: 'text/plain;charset=UTF-8' })); } catch (e) { sent = false; }
      if (sent) {
        emit('tailor:sent', { events: batch, via: 'beacon' });
        return state.queue.length ? flush(true) : Promise.resolve(null);
      }
    }
    state.inFlight = true;
    return fetch(target, {
      method: 'POST', body: body, keepalive: body.length < BEACON_MAX_BYTES, credentials: 'omit',
      headers: { 'content-type': 'text/plain;charset=UTF-8' }
    }).then(function (r) {
      state.inFlight = false;
      if (r.status === 429 || r.status >= 500) throw new Error('HTTP ' + r.status);
      return r.json().catch(function () { return null; }).then(function (res) {
        state.retryMs = 0;
        // A 4xx other than 429 will not get better by retrying: report it and drop the batch.
        if (!r.ok) console.warn('[tailor] events refused', res);
        else if (res && res.rejected && res.rejected.length) console.warn('[tailor] some events refused', res.rejected);
        emit('tailor:sent', { events: batch, via: 'fetch', status: r.status, result: res });
        if (state.queue.length) schedule(0);
        return res;
      });
    }).catch(function () {
      state.inFlight = false;
      state.queue = batch.concat(state.queue).slice(0, MAX_QUEUE);
      save();
      state.retryMs = Math.min(RETRY_MAX_MS, state.retryMs ? state.retryMs * 2 : RETRY_MIN_MS);
      schedule(state.retryMs);
      return null;
    });
  }

  // Unsent events wait in sessionStorage for the next page of this session (never longer).
  function save() {
    if (!session) return;
    if (state.queue.length) session.setItem(P + 'queue', JSON.stringify(state.queue));
    else session.removeItem(P + 'queue');
  }
  function restore() {
    if (!session) return;
    var q = session.getItem(P + 'queue');
    session.removeItem(P + 'queue');
    try { if (q) state.queue = JSON.parse(q).concat(state.queue).slice(0, MAX_QUEUE); } catch (e) { /* corrupt */ }
  }

  function onHide() {
    if (!state.queue.length) return;
    flush(true);
    save();
  }

  // ---- events ----

  // Queues one event ({type, product_id, ...}); the visitor, session and id are added here.
  function track(type, fields) {
    if (state.optedOut || !state.started) return null;
    touchSession();
    var e = { event_id: randomId('e'), type: type, visitor_id: state.visitor, session_id: state.session };
    if (state.customer) e.customer_id = state.customer;
    for (var k in fields) if (Object.prototype.hasOwnProperty.call(fields, k) && fields[k] !== undefined && fields[k] !== null && fields[k] !== '') e[k] = fields[k];
    state.queue.push(e);
    if (state.queue.length > MAX_QUEUE) state.queue.shift();
    emit('tailor:event', e);
    schedule(BATCH_DELAY_MS);
    return e;
  }

  // "request:box:position" -> {request_id: "request:box", position}
  function fromTracking(code) {
    var i = String(code || '').lastIndexOf(':');
    if (i < 0) return {};
    var pos = parseInt(code.slice(i + 1), 10);
    return { request_id: code.slice(0, i), position: isNaN(pos) ? undefined : pos };
  }

  function click(productId, tracking) {
    var t = fromTracking(tracking);
    var e = track('click', { product_id: productId, request_id: t.request_id, position: t.position });
    // Clicks usually navigate away: send now, by beacon.
    flush(true);
    return e;
  }

  // ---- data-tailor-* markup ----

  function scan(root) {
    if (!state.started || state.optedOut) return;
    var els = (root || d).querySelectorAll ? (root || d).querySelectorAll('[data-tailor-view]') : [];
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (state.seen ? state.seen.has(el) : el.getAttribute('data-tailor-seen')) continue;
      if (state.seen) state.seen.add(el); else el.setAttribute('data-tailor-seen', '1');
      track('view', { product_id: el.getAttribute('data-tailor-view') });
    }
  }

  function onClick(ev) {
    var t = ev.target && ev.target.closest ? ev.target : null;
    if (!t) return;
    var add = t.closest('[data-tailor-add-to-cart]');
    if (add) {
      track('cart_add', { product_id: add.getAttribute('data-tailor-add-to-cart'), quantity: +(add.getAttribute('data-tailor-quantity') || 1) });
      return;
    }
    var rm = t.closest('[data-tailor-remove-from-cart]');
    if (rm) {
      track('cart_remove', { product_id: rm.getAttribute('data-tailor-remove-from-cart'), quantity: +(rm.getAttribute('data-tailor-quantity') || 1) || undefined });
      return;
    }
    var wish = t.closest('[data-tailor-wishlist]');
    if (wish) {
      track('wishlist_add', { product_id: wish.getAttribute('data-tailor-wishlist'), list: wish.getAttribute('data-tailor-list') || undefined });
      return;
    }
    var shown = t.closest('[data-tailor-tracking]');
    if (shown) click(shown.getAttribute('data-tailor-product'), shown.getAttribute('data-tailor-tracking'));
  }

  // ---- GA4 ecommerce dataLayer bridge ----

  function itemId(it) {
    return it && (it.item_id || it.id) ? String(it.item_id || it.id) : '';
  }
  function qty(it) {
    var q = parseInt(it.quantity, 10);
    return q > 0 ? q : 1;
  }
  function ga4(name, p) {
    var items = (p && p.items) || [];
    var i, it;
    switch (name) {
      case 'view_item':
        for (i = 0; i < items.length; i++) if (itemId(items[i])) track('view', { product_id: itemId(items[i]) });
        break;
      case 'select_item':
        for (i = 0; i < items.length; i++) {
          it = items[i];
          if (!itemId(it)) continue;
          var t = fromTracking(it.tailor_tracking || p.tailor_tracking);
          track('click', { product_id: itemId(it), request_id: t.request_id, position: t.position !== undefined ? t.position : (typeof it.index === 'number' ? it.index : undefined) });
        }
        break;
      case 'add_to_cart':
      case 'remove_from_cart':
        for (i = 0; i < items.length; i++) if (itemId(items[i])) track(name === 'add_to_cart' ? 'cart_add' : 'cart_remove', { product_id: itemId(items[i]), quantity: qty(items[i]) });
        break;
      case 'add_to_wishlist':
        for (i = 0; i < items.length; i++) if (itemId(items[i])) track('wishlist_add', { product_id: itemId(items[i]) });
        break;
      case 'search':
        if (p && p.search_term) track('search', { query: String(p.search_term) });
        break;
      case 'purchase':
        var lines = [];
        for (i = 0; i < items.length; i++) {
          it = items[i];
          if (!itemId(it)) continue;
          var line = { product_id: itemId(it), quantity: qty(it) };
          if (typeof it.price === 'number') line.unit_price = it.price;
          lines.push(line);
        }
        if (p && p.transaction_id && lines.length) track('purchase', { order_id: String(p.transaction_id), lines: lines });
        break;
    }
  }
  // Both shapes shops push: GTM's {event, ecommerce: {...}} and gtag's arguments ['event', name, params].
  function onLayer(entry) {
    if (!entry || typeof entry !== 'object') return;
    if (entry[0] === 'event' && typeof entry[1] === 'string') ga4(entry[1], entry[2] || {});
    else if (typeof entry.event === 'string') ga4(entry.event, entry.ecommerce || entry);
  }
  function bridge() {
    var dl = w.dataLayer = w.dataLayer || [];
    if (dl.__tailor) return;
    dl.__tailor = true;
    for (var i = 0; i < dl.length; i++) onLayer(dl[i]);
    var push = dl.push;
    dl.push = function () {
      var r = push.apply(dl, arguments);
      for (var j = 0; j < arguments.length; j++) onLayer(arguments[j]);
      return r;
    };
  }

  // ---- recommendations ----

  // POSTs a personal request (recommendations, search) for this visitor. Queued events ride
  // along, so the answer already reflects them. Resolves to the JSON answer.
  function personal(path, req, what) {
    req = req || {};
    var body = {};
    for (var k in req) if (Object.prototype.hasOwnProperty.call(req, k)) body[k] = req[k];
    body.visitor_id = state.visitor;
    body.session_id = state.session;
    if (state.customer) body.customer_id = state.customer;
    var events = state.optedOut ? [] : state.queue.splice(0, MAX_BATCH);
    if (events.length) body.events = events;
    return request('POST', path, body).then(function (res) {
      emit('tailor:' + what, { request: body, response: res });
      if (events.length) emit('tailor:sent', { events: events, via: what, result: res.events });
      return res;
    }, function (err) {
      state.queue = events.concat(state.queue);
      schedule(BATCH_DELAY_MS);
      throw err;
    });
  }

  // POST /v1/recommendations for this visitor.
  function recommend(req) {
    return personal('/recommendations', req, 'recommendations');
  }

  // Whether a search's `filters` hold anything the shopper chose (in_stock is no taste).
  function chosenFilters(f) {
    if (!f || typeof f !== 'object') return false;
    for (var k in f) {
      if (!Object.prototype.hasOwnProperty.call(f, k) || k === 'in_stock') continue;
      var v = f[k];
      if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length)) return true;
    }
    return false;
  }

  // POST /v1/search for this visitor (no `query`: a category page). What it showed is recorded
  // as a `search` event, so Tailor learns what shoppers pick for each query, and with the
  // filters applied, so a filter used again and again becomes a taste. A category page is
  // recorded (with an empty query) when it was filtered.
  function search(req) {
    return personal('/search', req, 'search').then(function (res) {
      var filtered = req && chosenFilters(req.filters);
      if (req && req.track !== false && (req.query || filtered)) {
        var ev = { query: String(req.query || ''), shown: res.items.map(function (it) { return it.product_id; }) };
        if (filtered) ev.filters = req.filters;
        var e = track('search', ev);
        // track() leaves out empty fields, but a search event needs its query even when it is
        // empty (a filtered category page): without it the event is refused.
        if (e) e.query = ev.query;
      }
      return res;
    });
  }

  // GET /v1/suggest: completions of what the shopper is typing.
  function suggest(prefix, limit) {
    return request('GET', '/suggest', undefined, 'q=' + encodeURIComponent(prefix || '') + '&limit=' + (limit || 8)).then(function (r) {
      return r.suggestions;
    });
  }

  function money(v, cur) {
    try { return new Intl.NumberFormat(d.documentElement.lang || undefined, { style: 'currency', currency: cur || 'EUR' }).format(v); } catch (e) { return String(v); }
  }
  // The default tile; pass {template: function (item, box) -> Element} to use the shop's own.
  function tile(item) {
    var li = d.createElement('li');
    li.className = 'tailor-item';
    var a = d.createElement('a');
    a.href = item.url || '#';
    if (item.image_url) {
      var img = d.createElement('img');
      img.src = item.image_url;
      img.alt = '';
      img.loading = 'lazy';
      a.appendChild(img);
    }
    var title = d.createElement('span');
    title.className = 'tailor-title';
    title.textContent = item.title || item.product_id;
    a.appendChild(title);
    if (item.price !== undefined) {
      var price = d.createElement('span');
      price.className = 'tailor-price';
      price.textContent = money(item.sale_price !== undefined ? item.sale_price : item.price, item.currency);
      a.appendChild(price);
    }
    li.appendChild(a);
    return li;
  }
  function el(x) {
    return typeof x === 'string' ? d.querySelector(x) : x;
  }
  function fill(target, box, spec) {
    if (!target) return;
    var make = spec.template || tile;
    var list = d.createElement('ul');
    list.className = 'tailor-items';
    for (var i = 0; i < box.items.length; i++) {
      var item = box.items[i];
      var node = make(item, box);
      if (!node) continue;
      // Attribution does not depend on the template remembering it.
      var link = (node.matches && node.matches('a')) ? node : (node.querySelector && node.querySelector('a')) || node;
      if (!link.getAttribute('data-tailor-tracking')) link.setAttribute('data-tailor-tracking', item.tracking);
      if (!link.getAttribute('data-tailor-product')) link.setAttribute('data-tailor-product', item.product_id);
      list.appendChild(node);
    }
    target.textContent = '';
    if (spec.title && box.items.length) {
      var h = d.createElement('h2');
      h.className = 'tailor-heading';
      h.textContent = spec.title;
      target.appendChild(h);
    }
    target.appendChild(list);
    target.setAttribute('data-tailor-request', box.tracking_request || '');
    target.hidden = !box.items.length;
  }

  // Renders several widgets with one request (so no product shows twice):
  // specs = [{el, box: {name?, preset | sources, count, context, filter}, title?, template?}].
  function widgets(specs, opts) {
    opts = opts || {};
    var boxes = specs.map(function (s, i) {
      var b = {};
      for (var k in s.box) if (Object.prototype.hasOwnProperty.call(s.box, k)) b[k] = s.box[k];
      b.name = b.name || 'w' + i;
      return b;
    });
    return recommend({ boxes: boxes, explain: !!opts.explain }).then(function (res) {
      for (var i = 0; i < specs.length; i++) {
        var box = res.boxes[i];
        box.tracking_request = res.request_id;
        fill(el(specs[i].el), box, specs[i]);
      }
      return res;
    });
  }
  function render(target, box, opts) {
    opts = opts || {};
    return widgets([{ el: target, box: box, title: opts.title, template: opts.template }], opts);
  }
  // <div data-tailor-widget="for_you" data-tailor-count="8" data-tailor-products="p1,p2"
  //      data-tailor-title="Picked for you"></div>
  function renderAll(opts) {
    var els = d.querySelectorAll('[data-tailor-widget]');
    if (!els.length) return Promise.resolve(null);
    var specs = [];
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      var box = { preset: e.getAttribute('data-tailor-widget'), count: +(e.getAttribute('data-tailor-count') || 8) };
      var ps = e.getAttribute('data-tailor-products');
      if (ps) box.context = { products: ps.split(',') };
      specs.push({ el: e, box: box, title: e.getAttribute('data-tailor-title') || '' });
    }
    return widgets(specs, opts);
  }

  // ---- consent and identity ----

  function setConsent(granted) {
    var was = persistent();
    state.consent = granted ? 'granted' : 'denied';
    if (granted && !was) {
      put('consent', 'granted');
      put('vid', state.visitor);
      put('sid', state.session);
      put('last', String(Date.now()));
      if (state.customer) put('cid', state.customer);
      cookie('vid', state.visitor, COOKIE_DAYS);
      wipe(session);
      save();
    } else if (!granted) {
      wipePersistent();
      put('vid', state.visitor);
      put('sid', state.session);
      put('last', String(Date.now()));
      if (state.customer) put('cid', state.customer);
    }
  }
  function consent(granted) {
    setConsent(granted);
    announce();
    return status();
  }

  // Stops everything at once: no more events, every stored id removed. The opt-out itself is
  // remembered (that one flag is the point of opting out).
  function optOut() {
    state.optedOut = true;
    state.queue = [];
    clearTimeout(state.timer);
    state.timer = 0;
    wipePersistent();
    wipe(session);
    if (local) local.setItem(P + 'optout', '1');
    announce();
    return status();
  }
  function optIn() {
    if (local) local.removeItem(P + 'optout');
    state.optedOut = false;
    loadIds();
    return status();
  }

  // After login: later events carry the customer id, which merges this visitor's history.
  function identify(customerId) {
    state.customer = customerId ? String(customerId) : '';
    if (state.customer) put('cid', state.customer); else if (local || session) { (local && local.removeItem(P + 'cid')); (session && session.removeItem(P + 'cid')); }
  }

  // A fresh anonymous visitor (a "forget me on this device", and the demo's reset button).
  function reset() {
    flush(true);
    state.queue = [];
    state.customer = '';
    wipe(session);
    if (persistent()) {
      wipe(local);
      put('consent', 'granted');
    }
    cookie('vid', '', 0);
    put('vid', randomId('v'));
    loadIds();
    return status();
  }

  function status() {
    return {
      visitor_id: state.optedOut ? null : state.visitor,
      session_id: state.optedOut ? null : state.session,
      consent: state.consent,
      persistent: persistent(),
      opted_out: state.optedOut,
      storage: state.optedOut ? 'none' : persistent() ? 'localStorage+cookie' : session ? 'sessionStorage' : 'memory',
      queued: state.queue.length
    };
  }

  // This visitor's stated preferences ({} before any), and replacing them. A write is an event
  // on the server, so personalization learns from it and it merges on login.
  function preferences() {
    return request('GET', '/shoppers/' + encodeURIComponent(state.visitor) + '/preferences').then(function (r) {
      return r.preferences;
    });
  }
  function setPreferences(p) {
    if (state.optedOut) return Promise.reject(new Error('opted out'));
    return request('PUT', '/shoppers/' + encodeURIComponent(state.visitor) + '/preferences', p).then(function (r) {
      emit('tailor:preferences', r);
      return r.preferences;
    });
  }

  // Gift boxes: the shop's templates, and for one of them `autofill`, `validate` or `price` for
  // this visitor as the recipient (their hard constraints hold). Queued events go first, so
  // auto-fill already sees them.
  function giftboxes() {
    return request('GET', '/giftboxes/templates').then(function (r) { return r.templates; });
  }
  function giftbox(template, action, req) {
    var body = {};
    req = req || {};
    for (var k in req) if (Object.prototype.hasOwnProperty.call(req, k)) body[k] = req[k];
    if (!state.optedOut) body.visitor_id = state.visitor;
    return flush(false).then(function () {
      return request('POST', '/giftboxes/templates/' + encodeURIComponent(template) + '/' + action, body);
    });
  }

  // This visitor's wishlists ({lists: [{name, items, shared}]}), and adding to one by name.
  function lists() {
    return request('GET', '/shoppers/' + encodeURIComponent(state.visitor) + '/lists');
  }
  function addToList(name, productId) {
    if (state.optedOut) return Promise.reject(new Error('opted out'));
    return request('POST', '/shoppers/' + encodeURIComponent(state.visitor) + '/lists/' + encodeURIComponent(name) + '/items', { product_id: productId });
  }

  // A configurable product: its schema, and `action` (validate, price or resolve) for these
  // choices. With `learn`, the visitor rides along, so a picked colour teaches personalization
  // (pass it for deliberate picks, not for every keystroke).
  function configuration(productId) {
    return request('GET', '/products/' + encodeURIComponent(productId) + '/configuration');
  }
  function configure(productId, action, choices, learn) {
    var body = { choices: choices };
    if (learn && !state.optedOut) body.visitor_id = state.visitor;
    return request('POST', '/products/' + encodeURIComponent(productId) + '/configuration/' + action, body);
  }

  // What Tailor currently believes about this visitor, or null before its first event.
  function profile() {
    return request('GET', '/visitors/' + encodeURIComponent(state.visitor)).catch(function (e) {
      if (e.status === 404) return null;
      throw e;
    });
  }

  function init(options) {
    options = options || {};
    for (var k in options) if (Object.prototype.hasOwnProperty.call(options, k)) cfg[k] = options[k];
    if (!cfg.endpoint && script && script.src) cfg.endpoint = script.src.replace(/\/tracker\.js(\?.*)?$/, '');
    if (state.started) return status();
    state.started = true;
    state.optedOut = !!(local && local.getItem(P + 'optout'));
    var stored = local && local.getItem(P + 'consent') === 'granted';
    state.consent = stored ? 'granted' : 'unknown';
    if (!state.optedOut) {
      loadIds();
      restore();
      // What the page says now wins over what an earlier page recorded.
      if (cfg.consent === 'granted' || cfg.consent === true) setConsent(true);
      else if (cfg.consent === 'denied' || cfg.consent === false) setConsent(false);
    }
    announce();
    d.addEventListener('click', onClick, true);
    d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') onHide(); });
    w.addEventListener('pagehide', onHide);
    if (cfg.dataLayer !== false && cfg.dataLayer !== 'false') bridge();
    var go = function () {
      scan(d);
      if (w.MutationObserver) {
        new MutationObserver(function (ms) {
          for (var i = 0; i < ms.length; i++) for (var j = 0; j < ms[i].addedNodes.length; j++) {
            var n = ms[i].addedNodes[j];
            if (n.nodeType === 1) {
              if (n.hasAttribute('data-tailor-view')) scan(n.parentNode);
              else scan(n);
            }
          }
        }).observe(d.documentElement, { childList: true, subtree: true });
      }
      if (state.queue.length) schedule(BATCH_DELAY_MS);
    };
    if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', go); else go();
    return status();
  }

  w.Tailor = {
    version: '1',
    init: init,
    track: track,
    click: click,
    scan: function (root) { scan(root || d); },
    flush: function () { return flush(false); },
    recommend: recommend,
    search: search,
    suggest: suggest,
    render: render,
    renderAll: renderAll,
    widgets: widgets,
    profile: profile,
    preferences: preferences,
    setPreferences: setPreferences,
    giftboxes: giftboxes,
    giftbox: giftbox,
    lists: lists,
    addToList: addToList,
    configuration: configuration,
    configure: configure,
    consent: consent,
    optOut: optOut,
    optIn: optIn,
    identify: identify,
    reset: reset,
    status: status
  };

  var preset = w.TailorConfig || (script && script.getAttribute('data-key') !== null ? {
    key: script.getAttribute('data-key') || '',
    endpoint: script.getAttribute('data-endpoint') || '',
    shop: script.getAttribute('data-shop') || '',
    consent: script.getAttribute('data-consent') || '',
    dataLayer: script.getAttribute('data-datalayer') !== 'false'
  } : null);
  if (preset) init(preset);
})(window, document);
