package httpapi

import "github.com/go-chi/chi/v5"

// mountUI serves the web UI under /ui/.
func (s *Server) mountUI(r chi.Router) {}
