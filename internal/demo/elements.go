package demo

import (
	"fmt"
	"strings"
)

// element is something a shopper clicks, changes or sees: its text and
// its path in the capture's selector token form.
type element struct {
	text     string
	selector string
}

// selectorTok writes an element path in the token form the capture
// script stores: each node is its tag, then ".class" per class, then
// "=attr=value" per attribute, with every character outside
// [A-Za-z0-9_] percent-encoded. Nodes are written CSS-like here, e.g.
// "a.nav-link[href=/market]".
func selectorTok(nodes ...string) string {
	toks := make([]string, 0, 2*len(nodes))
	for _, n := range nodes {
		toks = append(toks, nodeToks(n)...)
	}
	return strings.Join(toks, " ")
}

// nodeToks splits one CSS-like node into its tokens.
func nodeToks(node string) []string {
	node, attrs, _ := strings.Cut(node, "[")
	parts := strings.Split(node, ".")

	toks := []string{parts[0]}
	for _, class := range parts[1:] {
		toks = append(toks, "."+escapeTok(class))
	}
	if attrs != "" {
		for _, a := range strings.Split(strings.TrimSuffix(attrs, "]"), "][") {
			name, value, hasValue := strings.Cut(a, "=")
			tok := "=" + escapeTok(name)
			if hasValue {
				tok += "=" + escapeTok(value)
			}
			toks = append(toks, tok)
		}
	}
	return toks
}

// escapeTok percent-encodes every byte outside [A-Za-z0-9_].
func escapeTok(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z',
			c >= '0' && c <= '9', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// The layout every page shares.
var (
	root   = []string{"html", "body", "div.app"}
	header = append(root[:3:3], "header.navbar", "nav.container")
)

func in(base []string, nodes ...string) []string {
	return append(base[:len(base):len(base)], nodes...)
}

func el(text string, path []string) element {
	return element{text: text, selector: selectorTok(path...)}
}

// Elements of the header and of each page.
var (
	navHome   = el("Backstory Fruit Shop", in(header, "a.brand[href=/]"))
	navMarket = el("Market", in(header, "a.nav-link.go-market[href=/market]"))
	navCart   = el("My Cart", in(header, "a.nav-link.cart[href=/cart]", "span"))

	homeMain = in(root, "main.home")
	shopNow  = el("Shop now", in(homeMain, "section.hero", "div.container",
		"a.btn.btn-lg.btn-primary.cta-shop[href=/market]"))
	heroImage = el("", in(homeMain, "section.hero", "img.hero-pic"))

	marketMain = in(root, "main.market", "div.container", "div.fruit-list")
	sortBy     = el("Sort by", in(root, "main.market", "div.toolbar",
		"select.form-control.sort-by[name=sort]"))

	productMain = in(root, "main.product", "div.container")
	productAdd  = el("Add to cart", in(productMain, "div.buy-box",
		"button.btn.btn-primary.add-to-cart[type=button]"))
	productQty = el("Quantity", in(productMain, "div.buy-box",
		"input.form-control.qty[type=number]"))
	productImage = el("", in(productMain, "div.gallery", "img.product-pic"))
	backToMarket = el("Back to market", in(productMain, "a.back[href=/market]"))

	cartMain   = in(root, "main.cart", "div.container")
	goCheckout = el("Checkout", in(cartMain, "div.cart-summary",
		"a.btn.btn-primary.go-checkout[href=/checkout]"))
	removeItem = el("Remove", in(cartMain, "table.cart-items", "tbody", "tr",
		"td", "button.btn.btn-link.remove"))
	keepShopping = el("Continue shopping", in(cartMain,
		"a.btn.btn-default.go-market[href=/market]"))

	checkoutMain = in(root, "main.checkout", "div.container")
	purchase     = el("Purchase", in(checkoutMain, "form.checkout-form",
		"button.btn.btn-block.btn-primary.purchase[type=submit]"))
	orderSummary = el("Your order", in(checkoutMain, "aside.order-summary",
		"h3.text-mono"))
	promoApply = el("Apply", in(checkoutMain, "aside.order-summary",
		"form.promo", "button.btn.btn-default.apply"))

	completeMain = in(root, "main.order-complete", "div.container")
	shopAgain    = el("Continue shopping", in(completeMain,
		"a.btn.btn-primary.go-market[href=/market]"))
)

// checkoutFields are the inputs of the checkout form, in tab order. The
// text is the field's label: values are masked and never captured.
var checkoutFields = func() []element {
	names := []struct{ label, name, typ string }{
		{"Full name", "name", "text"},
		{"Email", "email", "email"},
		{"Street address", "address", "text"},
		{"City", "city", "text"},
		{"Postal code", "postcode", "text"},
		{"Card number", "card", "tel"},
		{"Expiry", "expiry", "text"},
		{"CVC", "cvc", "password"},
	}
	out := make([]element, len(names))
	for i, f := range names {
		input := fmt.Sprintf("input.form-control[name=%s][type=%s]", f.name, f.typ)
		out[i] = el(f.label, in(checkoutMain, "form.checkout-form", "div.form-group", input))
	}
	return out
}()

// fruitElements are the elements that belong to one fruit.
type fruitElements struct {
	featured element // the card on the home page
	card     element // the card on the market page
	pic      element // the market picture, which is not a link
	name     element // the market title, a link to the product page
	add      element // the market "Add to cart" button
	related  element // the card under "You may also like"
}

var fruitEls = func() []fruitElements {
	out := make([]fruitElements, len(fruits))
	for i, f := range fruits {
		card := "div.fruit-card.fruit-" + f.slug
		out[i] = fruitElements{
			featured: el(f.name, in(homeMain, "section.featured", "div.row", card)),
			card:     el(f.name, in(marketMain, card)),
			pic:      el("", in(marketMain, card, "img.fruit-pic")),
			name: el(f.name, in(marketMain, card, "h3",
				"a.fruit-name[href=/product/"+f.slug+"]")),
			add: el("Add to cart", in(marketMain, card, "div.fruit-footer",
				"button.btn.btn-primary.btn-sm.add-to-cart[type=button]")),
			related: el(f.name, in(productMain, "section.related", card)),
		}
	}
	return out
}()
