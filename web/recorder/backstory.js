// Backstory recorder: captures what people do on a page and sends it to
// a Backstory server's POST /rec/events. See README.md for what it
// captures and how it keeps private what it should.
//
// Rules this file keeps: it never throws into the page (every entry point
// from the page or the browser runs inside try/catch), it never blocks
// (no synchronous requests, small work per event), and it stays quiet
// when the server is unreachable (failures back off; nothing is logged).
(() => {
  'use strict';
  try {
    recorder(window, document);
  } catch (_) {}

  function recorder(w, d) {
    // safe wraps a callback so that nothing it throws reaches the page.
    const safe = (fn) => function () {
      try {
        return fn.apply(this, arguments);
      } catch (_) {}
    };

    // Tunables. A click is held HOLD ms before it is sent, so that what
    // follows it (a change, a request, an error, more clicks) can set its
    // dead, error and rage flags honestly.
    const FLUSH = 3000, BATCH = 50, MAX_QUEUE = 1000, HOLD = 1000;
    const RAGE_N = 3, RAGE_MS = 1000, RAGE_PX = 30, IDLE = 5000;
    const TEXT_CAP = 200, BEACON_CAP = 60000, STASH_CAP = 500;
    const KEY = '_backstory_device', STASH = '_backstory_unsent';
    const PROP_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

    const prior = w.FS;
    if (prior && prior._backstory) return;
    const cfg = w._backstory || {};
    const org = String(cfg.org || '');
    const server = serverURL();
    const endpoint = server + '/rec/events';

    function serverURL() {
      let s = cfg.server;
      if (!s && d.currentScript && d.currentScript.src) {
        s = new URL(d.currentScript.src).origin;
      }
      return String(s || location.origin).replace(/\/+$/, '');
    }

    // ---- identity of this browser ----

    function rand(bytes) {
      const a = new Uint8Array(bytes);
      if (w.crypto && crypto.getRandomValues) crypto.getRandomValues(a);
      else for (let i = 0; i < bytes; i++) a[i] = Math.random() * 256;
      return Array.from(a, (b) => (b + 256).toString(16).slice(1)).join('');
    }

    function load(key) {
      try {
        const v = localStorage.getItem(key);
        if (v) return v;
      } catch (_) {}
      const m = d.cookie.match(new RegExp('(?:^|; )' + key + '=([^;]*)'));
      return m ? decodeURIComponent(m[1]) : null;
    }

    function save(key, v) {
      try {
        localStorage.setItem(key, v);
        return;
      } catch (_) {}
      try {
        d.cookie = key + '=' + encodeURIComponent(v) +
          '; path=/; max-age=31536000; SameSite=Lax';
      } catch (_) {}
    }

    function newDevice() {
      const id = rand(16);
      save(KEY, id);
      return id;
    }

    let device = load(KEY);
    if (!device || device.length > 128) device = newDevice();

    // ---- the page as the server sees it: one per navigation ----

    let page, lastHref = location.href;

    function newPage(start) {
      page = {start, active: 0, lastAct: 0, scroll: 0, errors: 0,
        warnings: 0, props: null, name: ''};
    }
    newPage(Math.round(performance.timeOrigin || Date.now()));

    function activeNow() {
      if (d.visibilityState !== 'visible') return;
      const now = Date.now(), gap = now - page.lastAct;
      if (page.lastAct && gap < IDLE) page.active += gap;
      page.lastAct = now;
    }

    function scrolled() {
      const el = d.documentElement;
      const h = Math.max(el.scrollHeight, d.body ? d.body.scrollHeight : 0);
      if (!h) return;
      const pct = Math.round((w.scrollY + w.innerHeight) / h * 100);
      page.scroll = Math.max(page.scroll, Math.min(100, pct));
    }

    // ---- the queue ----

    let on = !!org, seq = 0;
    const pageLoad = rand(8);
    // queue holds {ev, dev, click?}: the event as sent, the device it
    // belongs to, and for clicks what the flags are decided from.
    let queue = [];
    let clicks = [];
    let timer = 0, inflight = false, retryAt = 0, backoff = 0;

    // add queues one event stamped with the page's running totals; the last
    // event of a page carries its final duration, scroll depth and counts.
    function add(type, fields) {
      if (!on) return null;
      scrolled();
      const now = Date.now();
      const ev = Object.assign({
        // Ids sort in the order of events: the export breaks ties in time
        // by id.
        id: pageLoad + '-' + (seq++).toString(36).padStart(4, '0'),
        type,
        ts: new Date(now).toISOString(),
        url: location.href,
      }, fields);
      ev.timing = Object.assign({
        duration: Math.max(0, now - page.start),
        activeDuration: page.active,
        scrollPct: page.scroll,
        errors: page.errors,
        warnings: page.warnings,
      }, ev.timing);
      ev.screen = [screen.width | 0, screen.height | 0];
      ev.viewport = [w.innerWidth | 0, w.innerHeight | 0];
      if (page.props) ev.pageProps = page.props;
      if (page.name) ev.pageName = page.name;
      const rec = {ev, dev: device};
      queue.push(rec);
      if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
      schedule(ready(now) >= BATCH ? 0 : FLUSH);
      return rec;
    }

    function schedule(ms) {
      if (timer) {
        if (ms) return;
        clearTimeout(timer);
      }
      timer = setTimeout(safe(flush), Math.max(ms, retryAt - Date.now(), 0));
    }

    // ready counts the events at the head of the queue that may go now: one
    // device's, up to the first click still on hold.
    function ready(now) {
      let n = 0;
      while (n < queue.length && n < BATCH && queue[n].dev === queue[0].dev &&
        !(queue[n].click && queue[n].click.until > now)) n++;
      return n;
    }

    // settle decides a click's dead flag once its hold is over (or the
    // page is leaving, when stir has already marked recent clicks).
    function settle(rec) {
      const c = rec.click;
      if (!c || c.done) return;
      c.done = true;
      if (c.quiet && !c.control) rec.ev.dead = true;
    }

    // An automated browser says so (navigator.webdriver); the server flags
    // its events as a bot's.
    const webdriver = navigator.webdriver === true || undefined;

    function body(recs) {
      return JSON.stringify({org, device: recs[0].dev, webdriver,
        sentAt: new Date().toISOString(), events: recs.map((r) => r.ev)});
    }

    function flush() {
      timer = 0;
      if (inflight || !queue.length) return;
      const now = Date.now();
      const n = ready(now);
      if (!n || now < retryAt) return schedule(FLUSH);
      const batch = queue.slice(0, n);
      batch.forEach(settle);
      const text = body(batch);
      if (typeof origFetch !== 'function') {
        queue = queue.filter((r) => batch.indexOf(r) < 0);
        navigator.sendBeacon(endpoint, text);
        return schedule(FLUSH);
      }
      inflight = true;
      const done = safe((status, answer) => {
        inflight = false;
        const retry = !status || status === 408 || status === 429 ||
          status >= 500;
        // A 400 names the one event it refused ("events[3].props...");
        // drop that one and send the rest again.
        const bad = status === 400 && batch.length > 1 && answer &&
          /^events\[(\d+)\]/.exec(answer.message);
        let gone = batch;
        if (bad) gone = [batch[+bad[1]]];
        if (retry) {
          backoff = Math.min(Math.max(backoff * 2, 2000), 300000);
          retryAt = Date.now() + backoff * (0.5 + Math.random() / 2);
        } else {
          // Stored, or refused for good: either way it is done.
          backoff = retryAt = 0;
          queue = queue.filter((r) => gone.indexOf(r) < 0);
        }
        if (queue.length) schedule(retry ? FLUSH : 0);
      });
      origFetch.call(w, endpoint, {method: 'POST', body: text,
        keepalive: text.length < BEACON_CAP, credentials: 'omit'})
        .then((r) => r.status === 400 ?
          r.json().then((j) => done(400, j), () => done(400)) :
          done(r.status), () => done(0));
    }

    // leave hands everything to the browser as the page goes away: by
    // beacon, or kept for the next page when the server was not answering.
    function leave(unloading) {
      const recs = unloading ? queue : queue.filter((r) => !r.click ||
        r.click.done || r.click.until <= Date.now());
      if (!recs.length) return;
      recs.forEach(settle);
      queue = queue.filter((r) => recs.indexOf(r) < 0);
      if (backoff) return stash(recs);
      let chunk = [];
      const send = () => {
        if (chunk.length && !navigator.sendBeacon(endpoint, body(chunk))) {
          stash(chunk);
        }
        chunk = [];
      };
      for (const r of recs) {
        if (chunk.length && (r.dev !== chunk[0].dev || chunk.length >= BATCH)) {
          send();
        }
        chunk.push(r);
      }
      send();
    }

    function stash(recs) {
      try {
        const old = JSON.parse(localStorage.getItem(STASH) || '[]');
        const all = old.concat(recs.map((r) => [r.dev, r.ev]));
        localStorage.setItem(STASH, JSON.stringify(all.slice(-STASH_CAP)));
      } catch (_) {}
    }

    // unstash queues what an earlier page could not send, up to a day old.
    function unstash() {
      try {
        const old = JSON.parse(localStorage.getItem(STASH) || '[]');
        localStorage.removeItem(STASH);
        const since = Date.now() - 864e5;
        for (const [dev, ev] of old) {
          if (Date.parse(ev.ts) > since) queue.push({ev, dev});
        }
      } catch (_) {}
    }

    // ---- clicks and what follows them ----

    // stir marks recent clicks as having had an effect (not dead).
    function stir() {
      const now = Date.now();
      for (const r of clicks) if (now - r.click.t < HOLD) r.click.quiet = false;
    }

    let watcher = null;
    function watch() {
      if (!watcher && w.MutationObserver) watcher = new MutationObserver(safe(stir));
      if (!watcher) return;
      watcher.observe(d, {subtree: true, childList: true, attributes: true,
        characterData: true});
      clearTimeout(watch.off);
      watch.off = setTimeout(safe(() => watcher.disconnect()), HOLD + 50);
    }

    const CONTROL = /^(INPUT|SELECT|TEXTAREA|OPTION|LABEL)$/;

    function onClick(e) {
      const el = elementOf(e.target);
      if (!el || excluded(el)) return;
      activeNow();
      const now = Date.now();
      const rec = add('click', {text: textOf(el), selector: selectorOf(el)});
      if (!rec) return;
      rec.click = {t: now, until: now + HOLD, x: e.clientX, y: e.clientY,
        quiet: true, control: CONTROL.test(el.tagName) || el.isContentEditable};
      clicks = clicks.filter((r) => now - r.click.t < Math.max(HOLD, RAGE_MS));
      const near = clicks.filter((r) => now - r.click.t < RAGE_MS &&
        Math.abs(r.click.x - e.clientX) <= RAGE_PX &&
        Math.abs(r.click.y - e.clientY) <= RAGE_PX);
      clicks.push(rec);
      if (near.length + 1 >= RAGE_N) {
        for (const r of near.concat(rec)) r.ev.rage = true;
      }
      watch();
    }

    // ---- what an element is, without its values ----

    function elementOf(n) {
      while (n && n.nodeType !== 1) n = n.parentNode;
      return n;
    }

    function excluded(el) {
      return !!(el.closest('[data-backstory-exclude]') ||
        (el.tagName === 'INPUT' && el.type === 'password'));
    }

    // enc percent-encodes everything but letters, digits and '_', as the
    // hosted selector tokens do ("no-js" is "no%2Djs").
    const enc = (s) => encodeURIComponent(s).replace(/[^A-Za-z0-9_%]/g,
      (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

    const ATTRS = ['href', 'name', 'role', 'type'];

    // selectorOf writes the element's path from <html> as tokens: the tag,
    // "#id", ".class" (sorted) and "=attr=value" for a few attributes.
    function selectorOf(el) {
      const parts = [];
      for (let n = el; n && n.nodeType === 1 && parts.length < 40;
        n = n.parentElement) {
        const t = [n.localName];
        if (n.id) t.push('#' + enc(n.id));
        for (const c of Array.from(new Set(n.classList)).sort()) {
          t.push('.' + enc(c));
        }
        for (const a of ATTRS) {
          if (!n.hasAttribute(a)) continue;
          let v = n.getAttribute(a);
          if (a === 'href') {
            v = n.closest('[data-backstory-mask]') ? '' : v.split('?')[0];
          }
          v = v.slice(0, 100);
          t.push(v ? '=' + a + '=' + enc(v) : '=' + a);
        }
        parts.unshift(t.join(' '));
      }
      return parts.join(' ');
    }

    const SKIP = /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|SELECT|TEXTAREA|INPUT|SVG)$/i;
    const BLOCK = /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|BR|DD|DIV|DL|DT|FIELDSET|FIGCAPTION|FIGURE|FOOTER|FORM|H[1-6]|HEADER|HR|LI|MAIN|NAV|OL|P|PRE|SECTION|TABLE|TD|TH|TR|UL)$/;

    // mask keeps the length of the visible text and hides its characters.
    const mask = (s) => s.replace(/\S(?:[\s\S]*\S)?/,
      (m) => '*'.repeat(Array.from(m.replace(/\s+/g, ' ')).length));

    // textOf is the element's visible text, trimmed and capped; masked parts
    // become asterisks, excluded parts and form values are left out.
    function textOf(el) {
      const masked = !!el.closest('[data-backstory-mask]');
      if (el.tagName === 'INPUT') {
        const v = /^(submit|button|reset)$/.test(el.type) ? el.value : '';
        return cap(masked ? mask(v) : v) || undefined;
      }
      let out = '', seen = 0;
      const walk = (n, hide) => {
        if (++seen > 1000 || out.length > TEXT_CAP * 4) return;
        if (n.nodeType === 3) {
          out += hide ? mask(n.data) : n.data;
          return;
        }
        if (n.nodeType !== 1 || SKIP.test(n.tagName) ||
          n.hasAttribute('data-backstory-exclude') ||
          (n.checkVisibility && !n.checkVisibility())) return;
        hide = hide || n.hasAttribute('data-backstory-mask');
        const block = BLOCK.test(n.tagName);
        if (block) out += ' ';
        for (let c = n.firstChild; c; c = c.nextSibling) walk(c, hide);
        if (block) out += ' ';
      };
      walk(el, masked);
      return cap(out) || undefined;
    }

    function cap(s) {
      s = String(s == null ? '' : s).replace(/\s+/g, ' ').trim();
      return s.length > TEXT_CAP ? s.slice(0, TEXT_CAP) : s;
    }

    function labelOf(el) {
      const l = el.labels && el.labels[0];
      return l ? textOf(l) : cap(el.getAttribute('aria-label')) || undefined;
    }

    const noQuery = (u) => String(u).split(/[?#]/)[0];

    // ---- navigation ----

    function navigated() {
      const href = location.href;
      if (href === lastHref) return;
      const referrer = lastHref;
      lastHref = href;
      stir();
      newPage(Date.now());
      add('navigate', {referrer});
    }

    for (const m of ['pushState', 'replaceState']) {
      const orig = history[m];
      if (typeof orig !== 'function') continue;
      history[m] = function () {
        const r = orig.apply(this, arguments);
        safe(navigated)();
        return r;
      };
    }

    // loaded waits for the first and the largest paint (at most a second,
    // and never past the page going away) so that the load event can carry
    // their times.
    let loadPending = null, loadCheck = () => {};
    function loaded() {
      let po = null, wait = 0;
      const emit = safe(() => {
        if (loadPending !== emit) return;
        loadPending = null;
        loadCheck = () => {};
        clearTimeout(wait);
        if (po) po.disconnect();
        loadEvent();
      });
      loadPending = emit;
      loadCheck = safe(() => {
        const painted = performance.getEntriesByType &&
          performance.getEntriesByType('paint').length;
        if (lcp.po) lcp.po.takeRecords().forEach(lcp.note);
        if (painted && (lcp.t || !lcp.po)) emit();
      });
      wait = setTimeout(emit, 1000);
      try {
        po = new PerformanceObserver(() => loadCheck());
        po.observe({type: 'paint'});
      } catch (_) {}
      loadCheck();
    }

    function loadEvent() {
      const timing = {};
      const nav = performance.getEntriesByType &&
        performance.getEntriesByType('navigation')[0];
      if (nav) {
        timing.domContent = Math.round(nav.domContentLoadedEventEnd);
        timing.load = Math.round(nav.loadEventEnd || performance.now());
      }
      const paints = performance.getEntriesByType ?
        performance.getEntriesByType('paint') : [];
      const fcp = paints.find((p) => p.name === 'first-contentful-paint') ||
        paints[0];
      if (fcp) timing.firstPaint = Math.round(fcp.startTime);
      if (lcp.po) lcp.po.takeRecords().forEach(lcp.note);
      if (lcp.t) timing.largestPaint = lcp.t;
      add('load', {timing});
    }

    const lcp = {t: 0, note: (e) => { lcp.t = Math.round(e.startTime); }};
    try {
      lcp.po = new PerformanceObserver(safe((l) => {
        l.getEntries().forEach(lcp.note);
        loadCheck();
      }));
      lcp.po.observe({type: 'largest-contentful-paint', buffered: true});
    } catch (_) {
      lcp.po = null;
    }

    // ---- errors, console counts and failed requests ----

    function failed(kind, text, source) {
      page.errors++;
      const now = Date.now();
      for (const r of clicks) if (now - r.click.t < HOLD) r.ev.error = true;
      add('error', {errorKind: kind, text: cap(text) || undefined,
        source: source ? noQuery(source) : undefined});
    }

    for (const level of ['error', 'warn']) {
      const c = w.console, orig = c && c[level];
      if (typeof orig !== 'function') continue;
      c[level] = function () {
        try {
          if (on) level === 'error' ? page.errors++ : page.warnings++;
        } catch (_) {}
        return orig.apply(this, arguments);
      };
    }

    const ours = (url) => url.indexOf(endpoint) === 0;
    const absolute = (u) => new URL(String(u), location.href).href;

    function request(url, method, status) {
      if (status === 0 || status >= 400) {
        add('request', {reqUrl: noQuery(url),
          reqMethod: String(method || 'GET').toUpperCase(), reqStatus: status});
      }
    }

    const origFetch = w.fetch;
    if (typeof origFetch === 'function') {
      w.fetch = function (input, init) {
        let info = null;
        try {
          const req = typeof Request === 'function' && input instanceof Request;
          const url = absolute(req ? input.url : input);
          if (!ours(url)) {
            info = {url, method: (init && init.method) ||
              (req ? input.method : 'GET')};
            stir();
          }
        } catch (_) {}
        const p = origFetch.apply(this, arguments);
        if (!info || !p || typeof p.then !== 'function') return p;
        return p.then((r) => {
          if (r.type !== 'opaque') safe(request)(info.url, info.method, r.status);
          return r;
        }, (err) => {
          if (!err || err.name !== 'AbortError') {
            safe(request)(info.url, info.method, 0);
          }
          throw err;
        });
      };
    }

    const X = w.XMLHttpRequest && XMLHttpRequest.prototype;
    if (X) {
      const xhrs = new WeakMap(), open = X.open, send = X.send;
      X.open = function (method, url) {
        try {
          xhrs.set(this, {method, url: absolute(url)});
        } catch (_) {}
        return open.apply(this, arguments);
      };
      X.send = function () {
        try {
          const info = xhrs.get(this);
          if (info && !ours(info.url)) {
            stir();
            let aborted = false;
            this.addEventListener('abort', () => { aborted = true; });
            this.addEventListener('loadend', safe(() => {
              if (!aborted) request(info.url, info.method, this.status);
            }));
          }
        } catch (_) {}
        return send.apply(this, arguments);
      };
    }

    // ---- the FS call surface ----

    // props keeps only what the server accepts: property names of letters,
    // digits and '_', values that survive JSON, five levels deep at most.
    function props(o, depth) {
      depth = depth || 0;
      if (!o || typeof o !== 'object' || depth > 5) return undefined;
      const out = {};
      for (const k of Object.keys(o)) {
        if (!PROP_NAME.test(k)) continue;
        const v = o[k];
        if (v && typeof v === 'object' && !Array.isArray(v) &&
          !(v instanceof Date)) {
          const sub = props(v, depth + 1);
          if (sub) out[k] = sub;
          continue;
        }
        try {
          const s = JSON.stringify(v);
          if (s !== undefined && s.length <= 8192) out[k] = JSON.parse(s);
        } catch (_) {}
      }
      return Object.keys(out).length ? out : undefined;
    }

    function identify(uid, user) {
      if (uid === false) return anonymize();
      if (uid == null || uid === '') return;
      add('identify', {uid: String(uid), user: props(user)});
    }

    function anonymize() {
      device = newDevice();
    }

    function setProperties(o) {
      const p = props(o.properties);
      if (!p) return;
      if (o.type !== 'page') return add('uservar', {user: p});
      if (typeof p.pageName === 'string') page.name = cap(p.pageName);
      delete p.pageName;
      page.props = Object.assign({}, page.props, p);
      add('pagevar', {});
    }

    // session names this browser: its device key, which the server stores
    // on every event (DeviceKey), or a link to the live view with it.
    function session(format) {
      if (format === 'id') return device;
      return server + '/ui/live?device=' + encodeURIComponent(device);
    }

    function log(o) {
      const msg = typeof o === 'object' && o ? o.msg : o;
      const level = (o && o.level) || 'log';
      add('console', {text: cap(msg) || undefined, props: {level: String(level)}});
    }

    function shutdown() {
      if (!on) return;
      leave(true);
      on = false;
    }

    function restart() {
      on = !!org;
    }

    const ops = {
      trackEvent: (o) => o && o.name && add('custom',
        {name: cap(o.name), props: props(o.properties)}),
      setIdentity: (o) => o && (o.anonymous ? anonymize() :
        identify(o.uid, o.properties)),
      setProperties: (o) => o && setProperties(o),
      getSession: (o) => session(o && o.format),
      log,
      shutdown,
      restart,
    };

    const FS = function (op, opts) {
      try {
        const f = ops[op];
        return f ? f(opts) : undefined;
      } catch (_) {}
    };
    const old = {
      identify,
      setUserVars: (v) => setProperties({type: 'user', properties: v}),
      event: (name, p) => ops.trackEvent({name, properties: p}),
      log: (a, b) => log(b === undefined ? a : {level: a, msg: b}),
      shutdown,
      restart,
      anonymize,
      getCurrentSessionURL: () => session('url'),
    };
    for (const k of Object.keys(old)) FS[k] = safe(old[k]);
    FS._backstory = true;

    // ---- start ----

    function listen(target, type, fn, capture) {
      target.addEventListener(type, safe(fn), {capture: !!capture, passive: true});
    }

    function start() {
      w.FS = FS;
      unstash();
      add('navigate', {referrer: d.referrer || undefined});
      if (d.readyState === 'complete') setTimeout(safe(loaded), 0);
      else listen(w, 'load', () => setTimeout(safe(loaded), 0));

      listen(d, 'click', onClick, true);
      listen(d, 'change', (e) => {
        const el = elementOf(e.target);
        if (!el || excluded(el)) return;
        stir();
        add('change', {selector: selectorOf(el), text: labelOf(el)});
      }, true);
      for (const type of ['copy', 'paste']) {
        listen(d, type, (e) => {
          const el = elementOf(e.target);
          if (el && !excluded(el)) add(type, {selector: selectorOf(el)});
        }, true);
      }
      for (const type of ['mousedown', 'keydown', 'touchstart', 'wheel', 'mousemove']) {
        listen(d, type, activeNow, true);
      }
      listen(w, 'scroll', () => {
        activeNow();
        scrolled();
      });
      listen(w, 'popstate', navigated);
      listen(w, 'hashchange', navigated);
      listen(w, 'error', (e) => {
        if (!e || !e.message) return;
        failed((e.error && e.error.name) || 'Error', e.message, e.filename);
      });
      listen(w, 'unhandledrejection', (e) => {
        const r = e && e.reason;
        failed('UnhandledRejection', r && r.message ? r.message : r);
      });
      listen(d, 'visibilitychange', () => {
        if (d.visibilityState === 'hidden') {
          if (loadPending) loadPending();
          add('background');
          page.lastAct = 0;
          leave(false);
        } else {
          add('foreground');
        }
      });
      listen(w, 'pagehide', () => {
        if (loadPending) loadPending();
        stir();
        leave(true);
      });

      // Calls made before the script loaded, in order: [method, arguments],
      // method '' for FS(...) itself.
      const q = (prior && Array.isArray(prior.q)) ? prior.q : [];
      for (const [m, args] of q) {
        try {
          if (m) FS[m].apply(null, args);
          else FS.apply(null, args);
        } catch (_) {}
      }
    }

    start();
  }
})();
