package recorder

import (
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
)

// ShopPath is where `serve --demo` serves the demo shop.
const ShopPath = "/demo/shop/"

//go:embed shop
var shopFiles embed.FS

var shopPages = template.Must(template.ParseFS(shopFiles, "shop/*.html"))

// product is one fruit on the market page.
type product struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

var products = []product{
	{"mango", "Mango", 2.5},
	{"kiwi", "Kiwi", 0.8},
	{"dragonfruit", "Dragon fruit", 4.2},
	{"bananas", "Bananas (6)", 1.9},
}

// Shop serves the demo fruit shop under prefix (which ends in "/") with
// the snippet for org installed, pointing at the Backstory server at
// serverURL; "" is the server serving the shop, whatever its address.
//
// The shop is a single-page app (prefix, prefix+"market", prefix+"cart")
// and a separate checkout page (prefix+"checkout"), plus its API:
// GET api/products, and POST api/order, which declines every card.
func Shop(orgID, prefix, serverURL string) http.Handler {
	data := struct {
		Base    string
		Snippet template.HTML
	}{prefix, template.HTML(Snippet(orgID, serverURL))}
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			shopPages.ExecuteTemplate(w, name, data)
		}
	}
	static := http.FileServerFS(shopFiles)
	routes := map[string]http.Handler{
		"":         page("index.html"),
		"market":   page("index.html"),
		"cart":     page("index.html"),
		"checkout": page("checkout.html"),
		"shop.js":  static,
		"shop.css": static,
		"api/products": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, products)
		}),
		"api/order": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				writeJSON(w, http.StatusMethodNotAllowed,
					map[string]string{"message": "POST an order"})
				return
			}
			writeJSON(w, http.StatusPaymentRequired,
				map[string]string{"message": "Your card was declined."})
		}),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		h := routes[rest]
		if !ok || h == nil {
			http.NotFound(w, r)
			return
		}
		if h == static {
			r = r.Clone(r.Context())
			r.URL.Path = "/shop/" + rest
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
