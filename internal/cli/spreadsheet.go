package cli

// spreadsheetSafe prefixes with an apostrophe every cell that a spreadsheet would evaluate as
// a formula: text starting with =, +, -, @, a tab or a carriage return. Plain decimal numbers
// such as -1, -0.5 and -1e-05, the forms the numeric columns are written in, keep their form.
// Text that only a looser number parser accepts, such as -Infinity, -Inf, -0x1p3 or -1_000,
// gets the apostrophe. It changes cells in place and returns them.
func spreadsheetSafe(cells []string) []string {
	for i, c := range cells {
		if c == "" {
			continue
		}
		switch c[0] {
		case '=', '+', '-', '@', '\t', '\r':
			if !isPlainDecimal(c) {
				cells[i] = "'" + c
			}
		}
	}
	return cells
}

// isPlainDecimal reports whether s is a decimal number in the form that strconv.FormatInt and
// strconv.FormatFloat with 'g' write: an optional sign, digits, an optional fraction and an
// optional exponent, such as -12, 0.25 or 1e-05.
func isPlainDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	i, ok := skipDigits(s, i)
	if !ok {
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i, ok = skipDigits(s, i+1); !ok {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i, ok = skipDigits(s, i); !ok {
			return false
		}
	}
	return i == len(s)
}

// skipDigits returns the index after the ASCII digits that start at s[i], and whether there
// was at least one.
func skipDigits(s string, i int) (int, bool) {
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i, i > start
}
