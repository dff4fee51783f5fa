package httpapi

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/recorder"
)

// mountRecorder serves the browser recorder script and, when the server
// runs with the demo, the demo shop with the snippet installed.
func (s *Server) mountRecorder(r chi.Router) {
	script := recorder.ScriptHandler()
	r.Get(recorder.ScriptPath, script.ServeHTTP)
	r.Head(recorder.ScriptPath, script.ServeHTTP)
	if s.DemoShopOrg == "" {
		return
	}
	shop := recorder.Shop(string(s.DemoShopOrg), recorder.ShopPath, "")
	r.Handle(recorder.ShopPath+"*", shop)
	r.Get(strings.TrimSuffix(recorder.ShopPath, "/"), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, recorder.ShopPath, http.StatusFound)
	})
}
