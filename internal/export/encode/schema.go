package encode

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/backstory-dev/backstory/internal/event"
)

// parquetSchema builds the file schema: one optional column per field,
// in field order. parquet.Group would sort the columns by name, so the
// root is an orderedGroup instead.
func parquetSchema(fields []Field) (*parquet.Schema, error) {
	seen := make(map[string]bool, len(fields))
	root := make(orderedGroup, len(fields))
	for i, f := range fields {
		if seen[f.Name] {
			return nil, fmt.Errorf("encode: parquet: duplicate column %q",
				f.Name)
		}
		seen[f.Name] = true

		leaf, err := parquetLeaf(f)
		if err != nil {
			return nil, err
		}
		root[i] = &namedField{Node: parquet.Optional(leaf), name: f.Name}
	}
	return parquet.NewSchema("export", root), nil
}

// parquetLeaf is the column type of a field's kind.
func parquetLeaf(f Field) (parquet.Node, error) {
	switch f.Kind {
	case event.KindInt, event.KindFlag:
		return parquet.Leaf(parquet.Int64Type), nil
	case event.KindFloat:
		return parquet.Leaf(parquet.DoubleType), nil
	case event.KindBool:
		return parquet.Leaf(parquet.BooleanType), nil
	case event.KindTime:
		return parquet.Timestamp(parquet.Microsecond), nil
	case event.KindString, event.KindJSON:
		// Most string columns repeat a few values (types, browsers,
		// pages); the dictionary falls back to plain when it grows.
		return parquet.Encoded(parquet.String(), &parquet.RLEDictionary), nil
	}
	return nil, fmt.Errorf("encode: parquet: column %q has unknown kind %d",
		f.Name, f.Kind)
}

// orderedGroup is a parquet group node whose columns keep their order.
type orderedGroup []parquet.Field

func (g orderedGroup) Fields() []parquet.Field { return g }

func (orderedGroup) ID() int                     { return 0 }
func (orderedGroup) Optional() bool              { return false }
func (orderedGroup) Repeated() bool              { return false }
func (orderedGroup) Required() bool              { return true }
func (orderedGroup) Leaf() bool                  { return false }
func (orderedGroup) Encoding() encoding.Encoding { return nil }
func (orderedGroup) Compression() compress.Codec { return nil }
func (orderedGroup) GoType() reflect.Type        { return rowMapType }
func (orderedGroup) Type() parquet.Type          { return groupType }

func (g orderedGroup) String() string {
	var sb strings.Builder
	_ = parquet.PrintSchema(&sb, "export", g)
	return sb.String()
}

// groupType is the type parquet-go gives every group node.
var groupType = parquet.Group{}.Type()

// rowMapType is the Go type the group stands for. It only matters to
// parquet-go's reflection paths, which this package does not use.
var rowMapType = reflect.TypeFor[map[string]any]()

// namedField gives a column node its name in the group.
type namedField struct {
	parquet.Node
	name string
}

func (f *namedField) Name() string { return f.name }

func (f *namedField) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	return reflect.Value{}
}
