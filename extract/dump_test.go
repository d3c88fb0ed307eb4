package extract

import (
	"encoding/json"
	"os"
	"testing"
)

// TestDump writes the extraction of the file named by GONGFU_DUMP_IN to
// GONGFU_DUMP_OUT, for scoring with shared/checks/score_extract.py.
func TestDump(t *testing.T) {
	in, out := os.Getenv("GONGFU_DUMP_IN"), os.Getenv("GONGFU_DUMP_OUT")
	if in == "" || out == "" {
		t.Skip("set GONGFU_DUMP_IN and GONGFU_DUMP_OUT to dump an extraction")
	}
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Document(in, data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(res.Plan, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Log(w)
	}
}
