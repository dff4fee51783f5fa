package demo

import "github.com/backstory-dev/backstory/internal/event"

// checkout plans the checkout page: the form, then one or more attempts
// to pay. Some shoppers give up halfway through the form.
func (j *journey) checkout() state {
	j.visit("/checkout", "Checkout", 105, true)
	j.wait(1500, 6000)
	if j.chance(0.12) {
		// The order summary heading looks clickable; nothing happens.
		for n := 1 + j.rng.IntN(3); n > 0; n-- {
			j.click(orderSummary, clickMods{dead: true})
			j.wait(700, 2500)
		}
	}

	for i, field := range checkoutFields {
		j.wait(1500, 9000)
		j.change(field)
		if i == 4 && j.chance(0.25) {
			return gone
		}
	}
	if j.chance(0.1) {
		j.wait(1000, 4000)
		j.click(promoApply, clickMods{dead: true})
	}
	return j.pay(1)
}

// pay plans one click on Purchase and what follows it: an order, a
// declined card, a payment outage or an item out of stock.
func (j *journey) pay(attempt int) state {
	j.wait(1000, 5000)
	switch r := j.rng.Float64(); {
	case r < 0.7:
		return j.paid()
	case r < 0.82:
		return j.declined(attempt)
	case r < 0.93:
		return j.outage(attempt)
	}
	return j.outOfStock()
}

func (j *journey) paid() state {
	j.click(purchase, clickMods{})
	j.wait(600, 2500)

	items, total := j.shop.cartTotals()
	j.custom("Order Completed", false, event.Props{
		"order_id_str": propStr(j.shop.nextOrderID()),
		"total_real":   propReal(total),
		"items_int":    propInt(items),
	})
	j.orders = append(j.orders, total)
	j.shop.cart = nil
	return atComplete
}

// declined is a handled error: the shop shows a message and the shopper
// may fix the card and try again.
func (j *journey) declined(attempt int) state {
	j.click(purchase, clickMods{})
	j.wait(500, 2000)
	j.checkoutError(false, "CARD_DECLINED", "Your card was declined.")

	if attempt < 3 && j.chance(0.55) {
		j.wait(3000, 15000)
		j.change(checkoutFields[5])
		j.wait(1000, 4000)
		j.change(checkoutFields[7])
		return j.pay(attempt + 1)
	}
	return gone
}

// outage is the payment service failing: the click is an error click,
// the request fails, the page throws, and the shop logs the error. On
// phones, where the button gives no feedback, people rage.
func (j *journey) outage(attempt int) state {
	mods := clickMods{err: true}
	if j.chance(3 * j.dev.rageRate) {
		j.rage(purchase, mods)
	} else {
		j.click(purchase, mods)
	}
	j.wait(200, 1200)
	j.requestFailed("POST", "/api/orders", []int64{500, 502, 503}[j.rng.IntN(3)])
	j.at += 1 + j.rng.Int64N(20)
	j.jsError("Error", "Payment service unavailable")
	j.at += 1 + j.rng.Int64N(20)
	j.checkoutError(true, "PAYMENT_UNAVAILABLE",
		"We could not reach the payment service. Please try again.")

	if attempt < 3 && j.chance(0.45) {
		return j.pay(attempt + 1)
	}
	return gone
}

func (j *journey) outOfStock() state {
	j.click(purchase, clickMods{})
	j.wait(300, 1500)
	j.requestFailed("POST", "/api/orders", 409)
	j.at += 1 + j.rng.Int64N(20)

	f := fruits[j.shop.cart[j.rng.IntN(len(j.shop.cart))].fruit]
	j.checkoutError(false, "OUT_OF_STOCK", f.name+" is out of stock.")
	if j.chance(0.4) {
		j.wait(2000, 8000)
		j.click(navCart, clickMods{})
		return atCart
	}
	return gone
}

// checkoutError plans the shop's "Checkout Error" event; atError logs it
// at error level.
func (j *journey) checkoutError(atError bool, code, message string) {
	j.custom("Checkout Error", atError, event.Props{
		"code_str":    propStr(code),
		"message_str": propStr(message),
	})
}
