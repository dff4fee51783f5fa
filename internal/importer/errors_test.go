package importer

import (
	"errors"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	const secret = "s3cret"
	tests := []struct {
		name   string
		input  string
		want   string
		record int
		column string
	}{
		{
			name:   "json bad time",
			input:  `[{"EventStart":"2020-08-27T06:20:26.900Z"},{"EventStart":"s3cret 27/08"}]`,
			want:   `record 2: column "EventStart": not an RFC 3339 time`,
			record: 2, column: "EventStart",
		},
		{
			name:   "json fractional int",
			input:  `[{"PageId":1.5}]`,
			want:   `record 1: column "PageId": not an integer`,
			record: 1, column: "PageId",
		},
		{
			name:   "json int as string",
			input:  `{"PageId":"s3cret"}`,
			want:   `record 1: column "PageId": not an integer`,
			record: 1, column: "PageId",
		},
		{
			name:   "json int too large",
			input:  `{"PageId":99999999999999999999}`,
			want:   `record 1: column "PageId": integer out of range`,
			record: 1, column: "PageId",
		},
		{
			name:   "json number for string",
			input:  `{"UserEmail":5}`,
			want:   `record 1: column "UserEmail": not a string`,
			record: 1, column: "UserEmail",
		},
		{
			name:   "json bad flag",
			input:  `{"EventModDead":2}`,
			want:   `record 1: column "EventModDead": not a flag (0, 1, true or false)`,
			record: 1, column: "EventModDead",
		},
		{
			name:   "csv bad int",
			input:  "IndvId,EventType\n1,click\ns3cret,click\n",
			want:   `record 2: column "IndvId": not an integer`,
			record: 2, column: "IndvId",
		},
		{
			name:   "csv bad time",
			input:  "EventType,UserCreated\r\nclick,s3cret\r\n",
			want:   `record 1: column "UserCreated": not an RFC 3339 time`,
			record: 1, column: "UserCreated",
		},
		{
			name:   "prop int not integral",
			input:  `{"evt_n_int":1.5}`,
			want:   `record 1: column "evt_n_int": not an integer`,
			record: 1, column: "evt_n_int",
		},
		{
			name:   "prop list element",
			input:  `{"evt_tags_strs":["s3cret",3]}`,
			want:   `record 1: column "evt_tags_strs": element 2: not a string`,
			record: 1, column: "evt_tags_strs",
		},
		{
			name:   "prop list not array",
			input:  `{"page_tags_strs":"s3cret"}`,
			want:   `record 1: column "page_tags_strs": not a JSON array`,
			record: 1, column: "page_tags_strs",
		},
		{
			name:   "prop bad date",
			input:  `{"user_seen_date":"s3cret"}`,
			want:   `record 1: column "user_seen_date": not an RFC 3339 time`,
			record: 1, column: "user_seen_date",
		},
		{
			name:   "prop bad bool",
			input:  "page_b_bool\ns3cret\n",
			want:   `record 1: column "page_b_bool": not a boolean`,
			record: 1, column: "page_b_bool",
		},
		{
			name:   "malformed json",
			input:  `[{"PageUrl":s3cret}]`,
			want:   `record 1: malformed JSON near offset 12`,
			record: 1,
		},
		{
			name:   "csv field count",
			input:  "IndvId,EventType\n1\n",
			want:   `record 1: has 1 fields, the header has 2`,
			record: 1,
		},
		{
			name:   "csv unterminated quote",
			input:  "EventType\nclick\n\"s3cret\n",
			want:   `record 2: malformed CSV: quoted field not closed`,
			record: 2,
		},
		{
			name:   "csv text after quote",
			input:  "EventType\n\"s3cret\"x\n",
			want:   `record 1: malformed CSV: text after a closing quote`,
			record: 1,
		},
		{
			name:   "csv duplicate header",
			input:  "IndvId,EventType,IndvId\n1,click,1\n",
			want:   `header: column "IndvId": appears twice`,
			column: "IndvId",
		},
		{
			name:  "csv unnamed header",
			input: "IndvId,,EventType\n",
			want:  `header: column 2 has no name`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readUntilError(t, tc.input)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error = %q, want %q", got, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q quotes the value", err)
			}

			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is %T, want *ParseError", err)
			}
			if pe.Record != tc.record || pe.Column != tc.column {
				t.Errorf("at record %d column %q, want %d %q",
					pe.Record, pe.Column, tc.record, tc.column)
			}
		})
	}
}

func TestErrorIsFinal(t *testing.T) {
	rd, err := NewReader(strings.NewReader(`{"PageId":"x"}` + "\n" + `{"PageId":2}`))
	if err != nil {
		t.Fatal(err)
	}
	_, first := rd.Next()
	_, second := rd.Next()
	if first == nil || first != second {
		t.Errorf("errors %v then %v, want the same error twice", first, second)
	}
}
