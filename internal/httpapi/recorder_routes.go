package httpapi

import "github.com/go-chi/chi/v5"

// mountRecorder serves the browser recorder script and the demo shop.
func (s *Server) mountRecorder(r chi.Router) {}
