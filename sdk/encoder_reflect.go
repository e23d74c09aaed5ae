package sdk

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
	errorType         = reflect.TypeFor[error]()
)

// typeInfo is what the encoder needs to know about one Go type.
type typeInfo struct {
	// custom is true for types encoded through their own methods (MarshalJSON,
	// MarshalText, Error) or as time.Time.
	custom bool
	fields []fieldInfo
}

// fieldInfo describes one encoded struct field.
type fieldInfo struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	quoted    bool
}

// typeCache holds per-type encoding facts. It belongs to one Logger and is safe for
// concurrent use.
type typeCache struct {
	m sync.Map // reflect.Type -> *typeInfo
}

func (c *typeCache) info(t reflect.Type) *typeInfo {
	if ti, ok := c.m.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{
		custom: t == timeType || t.Implements(marshalerType) ||
			t.Implements(textMarshalerType) || t.Implements(errorType),
	}
	if t.Kind() == reflect.Struct && !ti.custom {
		ti.fields = structFields(t)
	}
	actual, _ := c.m.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// structFields lists the encoded fields of t following encoding/json's tag rules.
// Fields of embedded structs without a tag name are promoted; a name seen at a shallower
// level hides deeper ones.
// NOTE: two fields with the same name at the same level are both dropped by
// encoding/json; here the first one is kept.
func structFields(t reflect.Type) []fieldInfo {
	type level struct {
		t     reflect.Type
		index []int
	}
	var out []fieldInfo
	seen := map[string]bool{}
	current := []level{{t: t}}
	visited := map[reflect.Type]bool{}
	for len(current) > 0 {
		var next []level
		names := map[string]bool{}
		for _, lv := range current {
			if visited[lv.t] {
				continue
			}
			visited[lv.t] = true
			for i := range lv.t.NumField() {
				f := lv.t.Field(i)
				index := append(slices.Clip(lv.index), i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, level{t: ft, index: index})
					continue
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if seen[name] || names[name] {
					continue
				}
				names[name] = true
				out = append(out, fieldInfo{
					name:      name,
					index:     index,
					omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
					omitZero:  strings.Contains(","+opts+",", ",omitzero,"),
					quoted:    strings.Contains(","+opts+",", ",string,"),
				})
			}
		}
		for n := range names {
			seen[n] = true
		}
		current = next
	}
	return out
}

// reflect encodes values that the fast paths of value do not cover.
func (e *encoder) reflect(v reflect.Value) {
	if !v.IsValid() {
		e.raw("null")
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		if v.IsNil() {
			e.raw("null")
			return
		}
	}
	ti := e.types.info(v.Type())
	if ti.custom && v.CanInterface() {
		e.value(v.Interface())
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32:
		e.float(v.Float(), 32)
	case reflect.Float64:
		e.float(v.Float(), 64)
	case reflect.String:
		e.str(v.String())
	case reflect.Interface:
		e.reflect(v.Elem())
	case reflect.Pointer:
		e.pointer(v)
	case reflect.Struct:
		e.structValue(v, ti)
	case reflect.Map:
		e.mapValue(v)
	case reflect.Slice, reflect.Array:
		e.list(v)
	default:
		// Channels, functions, complex numbers and unsafe pointers have no JSON form.
		e.sanitised++
		e.quote(v.Type().String())
	}
}

func (e *encoder) pointer(v reflect.Value) {
	if !e.push(containerRef{ptr: v.Pointer()}) {
		return
	}
	e.reflect(v.Elem())
	e.pop()
}

func (e *encoder) structValue(v reflect.Value, ti *typeInfo) {
	if !e.enter() {
		return
	}
	defer e.leave()
	e.buf = append(e.buf, '{')
	n := 0
	for i := range ti.fields {
		f := &ti.fields[i]
		fv, err := v.FieldByIndexErr(f.index)
		if err != nil {
			continue // the field sits behind a nil embedded pointer
		}
		if f.omitEmpty && isEmptyValue(fv) || f.omitZero && fv.IsZero() {
			continue
		}
		if n > 0 {
			e.buf = append(e.buf, ',')
		}
		n++
		e.key(f.name)
		if f.quoted {
			e.quotedScalar(fv)
			continue
		}
		e.reflect(fv)
	}
	e.buf = append(e.buf, '}')
}

// quotedScalar implements the ",string" tag option for scalar fields.
func (e *encoder) quotedScalar(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		inner := encoder{maxField: e.maxField, maxDepth: 1, types: e.types}
		inner.str(v.String())
		e.sanitised += inner.sanitised
		e.str(string(inner.buf))
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr, reflect.Float32, reflect.Float64:
		e.buf = append(e.buf, '"')
		e.reflect(v)
		e.buf = append(e.buf, '"')
	default:
		e.reflect(v)
	}
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr, reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type mapEntry struct {
	key string
	val reflect.Value
}

func (e *encoder) mapValue(v reflect.Value) {
	if !e.enter() {
		return
	}
	defer e.leave()
	if !e.push(containerRef{ptr: v.Pointer()}) {
		return
	}
	defer e.pop()

	entries := make([]mapEntry, 0, v.Len())
	iter := v.MapRange()
	for iter.Next() {
		entries = append(entries, mapEntry{key: e.mapKey(iter.Key()), val: iter.Value()})
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	e.buf = append(e.buf, '{')
	for i, me := range entries {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.key(me.key)
		e.reflect(me.val)
	}
	e.buf = append(e.buf, '}')
}

// mapKey converts a map key to its JSON object key as encoding/json does; keys of other
// kinds are printed with fmt and counted.
func (e *encoder) mapKey(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	if k.CanInterface() {
		if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
			if out, ok := callMarshalText(tm); ok {
				return string(out)
			}
		}
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10)
	}
	e.sanitised++
	if k.CanInterface() {
		return fmt.Sprint(k.Interface())
	}
	return k.Type().String()
}

func (e *encoder) list(v reflect.Value) {
	elem := v.Type().Elem()
	if v.Kind() == reflect.Slice && elem.Kind() == reflect.Uint8 && !e.types.info(elem).custom {
		e.bytes(v.Bytes())
		return
	}
	if !e.enter() {
		return
	}
	defer e.leave()
	if v.Kind() == reflect.Slice && v.Len() > 0 {
		if !e.push(containerRef{ptr: v.Pointer(), n: v.Len()}) {
			return
		}
		defer e.pop()
	}
	e.buf = append(e.buf, '[')
	for i := range v.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.reflect(v.Index(i))
	}
	e.buf = append(e.buf, ']')
}
