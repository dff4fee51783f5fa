package demo

import "encoding/json"

// SegmentDef is a saved segment to create with the demo data: its name
// and its definition in the segment definition format.
type SegmentDef struct {
	Name       string
	Definition json.RawMessage
}

// Segments returns the demo's saved segments. Each asks a question the
// demo data answers with a fair number of people: shoppers who added
// fruit to the cart but never ordered, and phone users who rage-clicked.
func Segments() []SegmentDef {
	return []SegmentDef{
		{Name: "Added to cart, no order", Definition: json.RawMessage(cartNoOrder)},
		{Name: "Rage clickers on mobile", Definition: json.RawMessage(mobileRage)},
	}
}

const cartNoOrder = `{
  "name": "Added to cart, no order",
  "timeRange": {"last": "30d"},
  "match": "all",
  "criteria": [
    {"did": {"type": "custom",
             "where": [{"field": "name", "op": "eq", "value": "Product Added"}]}},
    {"didNot": {"type": "custom",
                "where": [{"field": "name", "op": "eq", "value": "Order Completed"}]}}
  ]
}`

const mobileRage = `{
  "name": "Rage clickers on mobile",
  "timeRange": {"last": "30d"},
  "match": "all",
  "criteria": [
    {"user": {"field": "device", "op": "eq", "value": "Mobile"}},
    {"did": {"type": "click",
             "where": [{"field": "rage", "op": "eq", "value": true}]}}
  ]
}`
