package http

import (
	"net/http"

	"gongfu"
)

// apiSettings returns a plan's reporting frequency, deadline day and light
// thresholds.
func (s *Server) apiSettings(w http.ResponseWriter, r *http.Request) error {
	planID, err := pathID(r, "planID")
	if err != nil {
		return err
	}
	settings, err := s.Store.FindPlanSettings(r.Context(), planID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settings)
}

// apiSetSettings lets a coordinator change them; fields left out keep
// their current values.
func (s *Server) apiSetSettings(w http.ResponseWriter, r *http.Request) error {
	planID, u, err := s.planAction(r, actPlanSettings)
	if err != nil {
		return err
	}
	settings, err := s.Store.FindPlanSettings(r.Context(), planID)
	if err != nil {
		return err
	}
	if err := decodeJSON(w, r, &settings); err != nil {
		return err
	}
	if err := s.Store.SetPlanSettings(gongfu.WithActor(r.Context(), u), planID, settings); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, settings)
}
