package cli

import "strconv"

// spreadsheetSafe prefixes with an apostrophe every cell that a spreadsheet would evaluate as
// a formula: text starting with =, +, -, @, a tab or a carriage return. Numbers such as -1 keep
// their form. It changes cells in place and returns them.
func spreadsheetSafe(cells []string) []string {
	for i, c := range cells {
		if c == "" {
			continue
		}
		switch c[0] {
		case '=', '+', '-', '@', '\t', '\r':
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				cells[i] = "'" + c
			}
		}
	}
	return cells
}
