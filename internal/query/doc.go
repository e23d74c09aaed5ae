// Package query turns the filter surfaces of the query API into the backend-neutral tree of
// package filter: the Heliograph filter language ([Parse], printed back by [Format]) and
// Helicone filter trees and sort objects ([ParseHeliconeFilter], [ParseHeliconeSort]). The
// package does no I/O and holds no state, so every function is safe for concurrent use.
//
// # Filter language
//
// An expression compares fields with values and combines the comparisons with and, or, not
// and parentheses:
//
//	kind = data and property.environment = "production" and latency > 200ms and time > -1h
//
// The grammar, in EBNF. Keywords and field names are case-insensitive, and spaces, tabs and
// line breaks separate tokens:
//
//	filter     = [ or_expr ] .
//	or_expr    = and_expr { "or" and_expr } .
//	and_expr   = unary { "and" unary } .
//	unary      = "not" unary | primary .
//	primary    = "(" or_expr ")" | "all" | comparison .
//	comparison = field ( compare_op value
//	                   | [ "not" ] "in" "(" value { "," value } ")"
//	                   | [ "not" ] ( "like" | "ilike" ) value
//	                   | [ "not" ] ( "exists" | "empty" ) ) .
//	compare_op = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~" .
//	field      = name | prefix key | prefix string .
//	prefix     = "property." | "prop." | "properties." | "score." | "scores." .
//	value      = string | word .
//	string     = `"` { character | escape } `"` | "'" { character | escape } "'" .
//	escape     = `\"` | `\'` | `\\` | `\/` | `\n` | `\r` | `\t` | `\u` hex hex hex hex .
//	word       = ( letter | "_" ) { letter | digit | "_" | "." | ":" | "-" }
//	           | [ "-" | "+" | "." ] digit { letter | digit | "_" | "." | ":" | "-" | "+" } .
//
// A name, a prefix with its key, and a bare value are each one word. A quoted key follows the
// dot with no space between, as in property."uni.workflow.id". An unquoted key is the rest of
// the word, dots included, so property.a.b is the key "a.b", because property keys are flat.
// Property keys are lower-cased because ingest stores them lower-cased. Score keys keep their
// case.
//
// Precedence is not, then and, then or. The words and, or, not, in, like, ilike, exists,
// empty and all are reserved and must be quoted to be used as text values. Nesting of
// parentheses and not is limited to [MaxDepth] levels and the source to [MaxLength] bytes.
//
// Operators: = and != compare values, < <= > >= order numbers and times, ~ and !~ are
// case-insensitive substring tests, like and ilike take SQL LIKE patterns with % and _,
// in tests membership in a list, exists tests that a field has a value, "not exists" that it
// has none ([filter.OpNull]), and empty that a text field is empty or missing. "not in",
// "not like", "not ilike" and "not empty" negate.
//
// Every field has a type that fixes its operators and the form of its values. A value of the
// wrong form is an error at the value. Text fields take any string or bare word. Integer
// fields take integers. Durations (latency, ttft) take milliseconds as a bare integer or a
// number with a unit, 200ms, 1.5s, 2m or 1h. Cost takes US dollars. Scores take numbers,
// and true or false as 1 or 0. Times take RFC 3339, a date (2025-01-01, UTC midnight), now,
// or an offset from now such as -1h, -30m, -7d or -2w. Body fields take only ~, !~, like
// and ilike. The field names, aliases and types are listed in docs/filter-language.md.
//
// Errors are *[SyntaxError] values that carry the byte offset of the offending token.
//
// # Helicone filters
//
// [ParseHeliconeFilter] reads the filter tree of Helicone's request query API, and
// [ParseHeliconeSort] its sort object. Errors are *[FilterError] values that carry the JSON
// path of the offending value.
package query
