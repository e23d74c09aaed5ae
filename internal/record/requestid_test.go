package record_test

import (
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e", true},
		{"3F1C0F4E-8A51-4B7E-9A2C-5D2A1B3C4D5E", true},
		{"3f1c0f4e-8a51-1b7e-8a2c-5d2a1b3c4d5e", true},
		{"3f1c0f4e-8a51-5b7e-ba2c-5d2a1b3c4d5e", true},
		{"3f1c0f4e-8a51-3b7e-Ba2c-5d2a1b3c4d5e", true},
		{"3f1c0f4e-8a51-0b7e-9a2c-5d2a1b3c4d5e", false},
		{"3f1c0f4e-8a51-6b7e-9a2c-5d2a1b3c4d5e", true},
		{"01938f6e-4a2b-7c3d-8e4f-5a6b7c8d9e0f", true},
		{"3f1c0f4e-8a51-8b7e-9a2c-5d2a1b3c4d5e", true},
		{"3f1c0f4e-8a51-9b7e-9a2c-5d2a1b3c4d5e", false},
		{"3f1c0f4e-8a51-fb7e-9a2c-5d2a1b3c4d5e", false},
		{"3f1c0f4e-8a51-4b7e-7a2c-5d2a1b3c4d5e", false},
		{"3f1c0f4e-8a51-4b7e-ca2c-5d2a1b3c4d5e", false},
		{"00000000-0000-0000-0000-000000000000", false},
		{"3f1c0f4e8a514b7e9a2c5d2a1b3c4d5e", false},
		{"3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5", false},
		{"3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5e0", false},
		{"3f1c0f4e_8a51-4b7e-9a2c-5d2a1b3c4d5e", false},
		{"3f1c0f4g-8a51-4b7e-9a2c-5d2a1b3c4d5e", false},
		{"{3f1c0f4e-8a51-4b7e-9a2c-5d2a1b3c4d5}", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := record.ValidRequestID(tt.id); got != tt.want {
				t.Errorf("ValidRequestID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestNewRequestID(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		id := record.NewRequestID()
		if !validLowerV4(id) {
			t.Fatalf("NewRequestID() = %q, want a lower-case version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewRequestID() returned %q twice", id)
		}
		seen[id] = true
	}
}
