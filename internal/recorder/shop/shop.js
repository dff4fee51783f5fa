// The demo fruit shop: a small single-page app (home, market, cart) and a
// separate checkout page, with a few deliberate flaws to record: a button
// that does nothing, a coupon check that throws, and a payment service
// that declines every card.
(() => {
  const $ = (sel, el = document) => el.querySelector(sel);
  const fs = (...args) => window.FS && window.FS(...args);
  const base = new URL(document.baseURI).pathname;
  const cart = JSON.parse(localStorage.getItem('shop.cart') || '[]');
  const user = JSON.parse(localStorage.getItem('shop.user') || 'null');
  const money = (n) => '$' + n.toFixed(2);

  function showUser(u) {
    if (!u) return;
    $('.who').textContent = u.displayName;
    const btn = $('.sign-in');
    if (btn) {
      btn.textContent = 'Signed in';
      btn.disabled = true;
    }
  }

  function signIn() {
    const u = {uid: 'shopper-1042', displayName: 'Ana Lima',
      email: 'ana.lima@example.com', plan: 'gold'};
    localStorage.setItem('shop.user', JSON.stringify(u));
    fs('setIdentity', {uid: u.uid, properties: {displayName: u.displayName,
      email: u.email, plan: u.plan}});
    showUser(u);
  }

  function saveCart() {
    localStorage.setItem('shop.cart', JSON.stringify(cart));
    const n = $('.cart-count');
    if (n) n.textContent = String(cart.length);
  }

  const views = {
    '': (view) => {
      view.innerHTML = `<section class="hero">
        <h1>Fresh fruit, delivered.</h1>
        <p>Today's pick: <b>Mangocados</b>, ripe and ready.</p>
        <a class="cta cta-go-market" href="market" data-route>Shop the market</a>
      </section>`;
    },
    market: (view) => {
      view.innerHTML = '<h1>Market</h1><ul class="fruit-list"></ul>' +
        '<p class="note" role="status"></p>';
      fetch('api/products').then((r) => r.json()).then((products) => {
        $('.fruit-list', view).innerHTML = products.map((p) =>
          `<li class="fruit fruit-${p.id}"><span class="fruit-name">${p.name}</span>
           <span class="price">${money(p.price)}</span>
           <button type="button" class="btn add-to-cart" data-id="${p.id}">Add to cart</button></li>`
        ).join('');
        view.onclick = (e) => {
          const btn = e.target.closest('.add-to-cart');
          if (!btn) return;
          const p = products.find((x) => x.id === btn.dataset.id);
          cart.push(p);
          saveCart();
          $('.note', view).textContent = `Added ${p.name} to your cart.`;
          fs('trackEvent', {name: 'Product Added',
            properties: {product: p.name, price: p.price, quantity: 1}});
        };
      });
    },
    cart: (view) => {
      const total = cart.reduce((s, p) => s + p.price, 0);
      view.innerHTML = `<h1>Your cart</h1>
        <ul class="fruit-list">${cart.map((p) =>
          `<li class="fruit"><span class="fruit-name">${p.name}</span>
           <span class="price">${money(p.price)}</span></li>`).join('')}</ul>
        <p>Total: <b class="total">${money(total)}</b></p>
        <p class="actions">
          <button type="button" class="btn gift-wrap">Gift wrap</button>
          <a class="btn primary checkout" href="checkout">Checkout</a>
        </p>`;
    },
  };

  function render() {
    const path = location.pathname.slice(base.length);
    const view = $('#view');
    view.onclick = null;
    (views[path] || views[''])(view);
    document.title = (path ? path[0].toUpperCase() + path.slice(1) : 'Home') +
      ' · Fruit Shoppe';
  }

  function app() {
    document.addEventListener('click', (e) => {
      const a = e.target.closest('a[data-route]');
      if (!a || e.metaKey || e.ctrlKey) return;
      e.preventDefault();
      if (a.href !== location.href) history.pushState(null, '', a.href);
      render();
    });
    window.addEventListener('popstate', render);
    $('.sign-in').addEventListener('click', signIn);
    render();
  }

  function checkout() {
    const total = cart.reduce((s, p) => s + p.price, 0);
    $('.summary').textContent = `${cart.length} item(s), ${money(total)} in all.`;
    fs('setProperties', {type: 'page',
      properties: {pageName: 'Checkout', items: cart.length}});
    const status = $('.status');

    $('.apply-coupon').addEventListener('click', () => {
      status.textContent = 'Checking your coupon…';
      console.warn('coupon: the v1 coupon service is deprecated');
      // The flaw: the coupon service was never loaded on this page.
      couponService.check($('[name=coupon]').value);
    });

    $('form.order').addEventListener('submit', (e) => {
      e.preventDefault();
      status.textContent = 'Placing your order…';
      // Only the cart goes to the shop's API; nothing typed in the form.
      fetch('api/order', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({items: cart.map((p) => p.id)})})
        .then((r) => r.json())
        .then((answer) => { status.textContent = answer.message; });
    });
  }

  saveCart();
  showUser(user);
  if (document.body.dataset.page === 'checkout') checkout();
  else app();
})();
