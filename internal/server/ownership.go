package server

import (
	"net/http"

	"shencha/internal/review"
)

func (s *Server) ownership(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.cfg.Store.Ownership(r.Context(), actor(r), id, clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, 200, v)
	return nil
}

func (s *Server) recordStake(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in review.NewStake
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	st, err := s.cfg.Store.RecordStake(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, 201, st)
	return nil
}
