package segment

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that every definition it
// accepts compiles to SQL DuckDB runs, and that it reads back what it
// writes.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		specExample,
		`{}`,
		`{"timeRange":{"since":"2024-03-10T02:30:00"},"timezone":"America/New_York"}`,
		defOf(userCrit("user_plan_str", "in", `["pro","free"]`)),
		defOf(userCrit("created", "between", `["2024-01-01","2024-02-01"]`)),
		defOf(did("click", where("selector", "matches", `"div > a.btn[href='#/x']"`))),
		defOf(did("", where("evt_order.total_real", "gte", "8.5"))),
		defOf(`{"match":"any","criteria":[` + did("", where("rage", "eq",
			"true")) + `,{"didNot":{"type":"custom"}}]}`),
		defOf(`{"did":{},"count":{"op":"between","values":[1,3]}}`),
		defOf(`{"sequence":[{"type":"navigate"},{"type":"click"},{}],` +
			`"within":"30m","sameSession":true}`),
		defOf(userCrit("email", "matches", `"(?i)^a.*@example\\.org$"`)),
	} {
		f.Add([]byte(seed))
	}
	db := openDB(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		c, err := Compile(d, CompileOptions{Org: testOrg,
			Now: time.Date(2024, 5, 31, 12, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("Parse accepted %s but Compile failed: %v", data, err)
		}
		members(t, db, c)
		matchedEvents(t, db, c)

		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("Parse(%s) = %v after reading %s", out, err, data)
		}
	})
}
