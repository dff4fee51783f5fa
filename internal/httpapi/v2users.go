package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/backstory-dev/backstory/internal/capture"
	"github.com/backstory-dev/backstory/internal/event"
	"github.com/backstory-dev/backstory/internal/store"
)

// userBody is a v2 user create or update body.
type userBody struct {
	UID         *string                    `json:"uid"`
	DisplayName *string                    `json:"display_name"`
	Email       *string                    `json:"email"`
	Properties  map[string]json.RawMessage `json:"properties"`
	Schema      struct {
		Properties map[string]string `json:"properties"`
	} `json:"schema"`
}

func (b userBody) input() (capture.UserInput, error) {
	props, err := capture.TypeProps(b.Properties, b.Schema.Properties)
	if err != nil {
		return capture.UserInput{}, err
	}
	if b.UID != nil && *b.UID == "" {
		return capture.UserInput{}, event.Invalid("uid: an empty uid is not allowed; leave it out for an anonymous user")
	}
	return capture.UserInput{UID: b.UID, DisplayName: b.DisplayName,
		Email: b.Email, Props: props}, nil
}

// userJSON is a person as the v2 API shows it.
func userJSON(p event.Person) map[string]any {
	out := map[string]any{
		"id":         strconv.FormatInt(int64(p.IndvID), 10),
		"properties": propsOut(p.Props),
		"created":    rfc3339ms(p.Created),
		"updated":    rfc3339ms(p.Updated),
	}
	for k, v := range map[string]*string{"uid": p.UID, "display_name": p.DisplayName, "email": p.Email} {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// propsOut shows stored properties under their plain names.
func propsOut(p event.Props) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range p {
		if pk, ok := event.ParsePropKey(k); ok {
			out[pk.Name] = v
		}
	}
	return out
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	s.idempotent(w, r, func(body []byte) (int, any, error) {
		var b userBody
		if err := unmarshal(body, &b); err != nil {
			return 0, nil, err
		}
		in, err := b.input()
		if err != nil {
			return 0, nil, err
		}
		p, err := s.Capture.UpsertUser(r.Context(), callerOf(r.Context()).Org, in)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, userJSON(p), nil
	})
}

func (s *Server) userID(w http.ResponseWriter, r *http.Request) (event.IndvID, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, event.NotFound("user %q does not exist", chi.URLParam(r, "id")))
		return 0, false
	}
	return event.IndvID(id), true
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.userID(w, r)
	if !ok {
		return
	}
	p, err := s.People.Person(r.Context(), callerOf(r.Context()).Org, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("user %d does not exist", id))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(p))
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.userID(w, r)
	if !ok {
		return
	}
	var b userBody
	if err := decodeJSON(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	in, err := b.input()
	if err != nil {
		writeError(w, err)
		return
	}
	p, err := s.Capture.UpdateUser(r.Context(), callerOf(r.Context()).Org, id, in)
	if errors.Is(err, store.ErrNotFound) {
		err = event.NotFound("user %d does not exist", id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(p))
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	limit, err := queryLimit(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	f := store.PeopleFilter{UID: q.Get("uid"), Email: q.Get("email"), Limit: limit + 1}
	if tok := pageToken(r); tok != "" {
		cur, err := s.readToken(tok, "user")
		if err != nil {
			writeError(w, err)
			return
		}
		after, _ := strconv.ParseInt(cur, 10, 64)
		f.After = event.IndvID(after)
	}
	ps, err := s.People.FindPeople(r.Context(), callerOf(r.Context()).Org, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{}
	if len(ps) > limit {
		ps = ps[:limit]
		out["next_page_token"] = s.makeToken("user", strconv.FormatInt(int64(ps[limit-1].IndvID), 10))
		out["nextPaginationToken"] = out["next_page_token"]
	}
	list := make([]map[string]any, len(ps))
	for i, p := range ps {
		list[i] = userJSON(p)
	}
	out["results"] = list
	out["total_records"] = strconv.Itoa(len(list))
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.userID(w, r)
	if !ok {
		return
	}
	org := callerOf(r.Context()).Org
	if _, err := s.People.Person(r.Context(), org, id); errors.Is(err, store.ErrNotFound) {
		writeError(w, event.NotFound("user %d does not exist", id))
		return
	}
	if err := s.People.DeletePerson(r.Context(), org, id); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) deleteUserByUID(w http.ResponseWriter, r *http.Request) {
	uid := r.URL.Query().Get("uid")
	if uid == "" {
		writeError(w, event.Errorf(event.CodeRequired, "uid: required"))
		return
	}
	org := callerOf(r.Context()).Org
	ps, err := s.People.FindPeople(r.Context(), org, store.PeopleFilter{UID: uid, Limit: 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(ps) == 0 {
		writeError(w, event.NotFound("no user has this uid"))
		return
	}
	if err := s.People.DeletePerson(r.Context(), org, ps[0].IndvID); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
