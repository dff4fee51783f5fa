package demo

import (
	"math"
	"strconv"

	"github.com/backstory-dev/backstory/internal/event"
)

// state is where a shopper is in the shop, or gone when the session ends.
type state int

const (
	gone state = iota
	atHome
	atMarket
	atProduct
	atCart
	atCheckout
	atComplete
)

// Bounds on one session, so that it always fits well inside a day.
const (
	maxSessionMs = 50 * 60 * 1000
	maxPages     = 24
)

// run plans the whole session: a landing page, then one page after
// another until the shopper leaves. Each page decides the next.
func (j *journey) run() {
	st := j.landing()
	for st != gone && j.at < maxSessionMs && len(j.pages) < maxPages {
		switch st {
		case atHome:
			st = j.home()
		case atMarket:
			st = j.market()
		case atProduct:
			st = j.product()
		case atCart:
			st = j.cart()
		case atCheckout:
			st = j.checkout()
		case atComplete:
			st = j.complete()
		}
	}
}

// landing picks where the session starts. Shoppers with a full cart
// often come back to it; search and social traffic lands on products.
func (j *journey) landing() state {
	switch r := j.rng.Float64(); {
	case len(j.shop.cart) > 0 && r < 0.3:
		return atCart
	case r < 0.55:
		return atHome
	case r < 0.8:
		return atMarket
	}
	j.fruit = j.rng.IntN(len(fruits))
	return atProduct
}

func (j *journey) chance(p float64) bool { return j.rng.Float64() < p }

func (j *journey) home() state {
	j.visit("/", "Home", 101, false)
	if j.chance(0.04) {
		j.wait(200, 900)
		j.requestFailed("GET", "/api/recommendations", 503)
	}
	for n := 1 + j.rng.IntN(3); n > 0; n-- {
		j.wait(300, 2500)
		j.seen(fruitEls[j.rng.IntN(len(fruits))].featured)
	}
	if j.chance(0.06) {
		j.wait(1000, 4000)
		j.click(heroImage, clickMods{dead: true})
	}

	j.wait(2000, 20000)
	switch r := j.rng.Float64(); {
	case r < 0.18:
		return gone
	case r < 0.33:
		j.fruit = j.rng.IntN(len(fruits))
		j.click(fruitEls[j.fruit].featured, clickMods{})
		return atProduct
	case r < 0.7:
		j.click(shopNow, clickMods{})
	default:
		j.click(navMarket, clickMods{})
	}
	return atMarket
}

func (j *journey) market() state {
	j.visit("/market", "Market", 102, false)
	for n := 2 + j.rng.IntN(4); n > 0; n-- {
		j.wait(200, 2500)
		j.seen(fruitEls[j.rng.IntN(len(fruits))].card)
	}
	j.wait(1500, 8000)
	if j.chance(0.2) {
		j.change(sortBy)
		j.wait(800, 4000)
	}
	if j.chance(0.03) {
		j.jsError("TypeError",
			"Cannot read properties of undefined (reading 'price')")
	}

	for n := 1 + j.rng.IntN(5); n > 0; n-- {
		f := j.rng.IntN(len(fruits))
		j.wait(1000, 9000)
		switch r := j.rng.Float64(); {
		case r < 0.25:
			// The picture looks like a link but is not one.
			j.click(fruitEls[f].pic, clickMods{dead: true})
		case r < 0.25+0.15*j.shop.intent:
			j.addToCart(f, fruitEls[f].add, 1)
		default:
			j.seen(fruitEls[f].card)
		}
	}

	j.wait(1000, 6000)
	switch r := j.rng.Float64(); {
	case r < 0.4:
		j.fruit = j.rng.IntN(len(fruits))
		j.click(fruitEls[j.fruit].name, clickMods{})
		return atProduct
	case len(j.shop.cart) > 0 && r < 0.4+0.5*j.shop.intent:
		j.click(navCart, clickMods{})
		return atCart
	case r < 0.75:
		return gone
	}
	j.click(navHome, clickMods{})
	return atHome
}

func (j *journey) product() state {
	f := fruits[j.fruit]
	j.visit("/product/"+f.slug, "Product", 103, false)
	j.page().props = event.Props{"category_str": propStr(f.category)}
	j.wait(2000, 15000)
	if j.chance(0.08) {
		j.click(productImage, clickMods{dead: true})
		j.wait(500, 3000)
	}

	qty := int64(1)
	if j.chance(0.3) {
		j.change(productQty)
		qty = 2 + j.rng.Int64N(3)
		j.wait(800, 4000)
	}
	if j.chance(0.03 + 0.5*j.shop.intent) {
		j.addToCart(j.fruit, productAdd, qty)
	}
	for n := j.rng.IntN(3); n > 0; n-- {
		// Shoppers scroll down to "You may also like".
		j.wait(800, 5000)
		j.seen(fruitEls[j.rng.IntN(len(fruits))].related)
	}

	j.wait(1500, 10000)
	switch r := j.rng.Float64(); {
	case len(j.shop.cart) > 0 && r < 0.15+0.55*j.shop.intent:
		j.click(navCart, clickMods{})
		return atCart
	case r < 0.65:
		j.click(backToMarket, clickMods{})
		return atMarket
	}
	return gone
}

// addToCart clicks an "Add to cart" button. On phones the button is
// sometimes slow to answer, and the shopper hammers it.
func (j *journey) addToCart(f int, button element, qty int64) {
	if j.chance(j.dev.rageRate) {
		j.rage(button, clickMods{})
		j.wait(300, 1500)
	}
	j.click(button, clickMods{})
	j.at += 2 + j.rng.Int64N(30)
	j.custom("Product Added", false, event.Props{
		"product_str":  propStr(fruits[f].name),
		"price_real":   propReal(fruits[f].price),
		"quantity_int": propInt(qty),
	})
	j.shop.cart = append(j.shop.cart, cartLine{fruit: f, qty: qty})
}

func (j *journey) cart() state {
	j.visit("/cart", "Cart", 104, false)
	j.wait(2000, 12000)
	if len(j.shop.cart) == 0 {
		if j.chance(0.5) {
			j.click(keepShopping, clickMods{})
			return atMarket
		}
		return gone
	}
	if len(j.shop.cart) > 1 && j.chance(0.12) {
		j.click(removeItem, clickMods{})
		j.shop.cart = j.shop.cart[:len(j.shop.cart)-1]
		j.wait(1000, 5000)
	}

	switch r := j.rng.Float64(); {
	case r < 0.25+0.55*j.shop.intent:
		items, total := j.shop.cartTotals()
		j.click(goCheckout, clickMods{})
		j.at += 2 + j.rng.Int64N(30)
		j.custom("Checkout Started", false, event.Props{
			"items_int":  propInt(items),
			"total_real": propReal(total),
		})
		return atCheckout
	case r < 0.9:
		return gone // abandoned, the cart stays for a later session
	}
	j.click(keepShopping, clickMods{})
	return atMarket
}

func (j *journey) complete() state {
	j.visit("/order-complete", "Order Complete", 106, false)
	j.wait(3000, 20000)
	if j.chance(0.2) {
		j.click(shopAgain, clickMods{})
		return atMarket
	}
	return gone
}

// cartTotals counts the items in the cart and their price.
func (s *shopper) cartTotals() (items int64, total float64) {
	for _, l := range s.cart {
		items += l.qty
		total += float64(l.qty) * fruits[l.fruit].price
	}
	return items, math.Round(total*100) / 100
}

// nextOrderID names the shopper's next order, unique within a data set.
func (s *shopper) nextOrderID() string {
	s.orders++
	return "ord-" + strconv.FormatInt(int64(s.index), 36) + "-" +
		strconv.Itoa(s.orders)
}
