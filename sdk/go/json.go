package nenc

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// objectValue converts a Go map to the JSON object the wire carries. Values go
// through encoding/json, so anything it can marshal works (structs with json
// tags, []string, time.Time, ...); a nil map is {}. A value that cannot become
// JSON (a channel, a func, NaN) is an INVALID_ARGUMENT error naming its path.
func objectValue(object map[string]any, field string) (*structpb.Value, error) {
	if object == nil {
		return structpb.NewStructValue(&structpb.Struct{}), nil
	}
	data, err := json.Marshal(object)
	if err != nil {
		return nil, invalid(nonJSONPath(object, field), "cannot be sent as JSON ("+err.Error()+")")
	}
	value := &structpb.Value{}
	if err := protojson.Unmarshal(data, value); err != nil {
		return nil, invalid(field, "cannot be sent as JSON ("+err.Error()+")")
	}
	return value, nil
}

// nonJSONPath descends into maps and slices to the first value json.Marshal
// refuses, so the error can say "payload.items[2]" rather than "payload".
func nonJSONPath(value any, path string) string {
	switch v := value.(type) {
	case map[string]any:
		for _, key := range slices.Sorted(maps.Keys(v)) {
			if _, err := json.Marshal(v[key]); err != nil {
				return nonJSONPath(v[key], path+"."+key)
			}
		}
	case []any:
		for i, item := range v {
			if _, err := json.Marshal(item); err != nil {
				return nonJSONPath(item, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	return path
}

// plainValue converts a wire JSON value to Go: nil, bool, float64, string,
// []any or map[string]any, as encoding/json decodes into an interface.
func plainValue(value *structpb.Value) any {
	if value == nil {
		return nil
	}
	return value.AsInterface()
}

// decodeValue decodes a wire JSON value into dst, as json.Unmarshal would.
func decodeValue(value *structpb.Value, dst any) error {
	data := []byte("null")
	if value != nil {
		var err error
		if data, err = protojson.Marshal(value); err != nil {
			return err
		}
	}
	return json.Unmarshal(data, dst)
}
