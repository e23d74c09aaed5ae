package record_test

import (
	"net/http"
	"testing"

	"github.com/heliograph/heliograph/internal/record"
)

func TestDecodeKindAndModel(t *testing.T) {
	override := header("Helicone-Model-Override", "forced")
	tests := []struct {
		name          string
		req, resp     string
		h             http.Header
		kind, model   string
		reqModel      string
		responseModel string
	}{
		{"llm response model wins", `{"model":"gpt-4o"}`, `{"model":"gpt-4o-2024-08-06"}`, nil,
			record.KindLLM, "gpt-4o-2024-08-06", "gpt-4o", "gpt-4o-2024-08-06"},
		{"llm request model", `{"model":"claude-x"}`, `{"content":[]}`, nil,
			record.KindLLM, "claude-x", "claude-x", ""},
		{"llm no model", `{"messages":[]}`, `{}`, nil, record.KindLLM, "unknown", "", ""},
		{"llm google modelVersion", `{}`, `{"candidates":[],"modelVersion":"gemini-2.0"}`,
			nil, record.KindLLM, "gemini-2.0", "", "gemini-2.0"},
		{"llm override", `{"model":"a"}`, `{"model":"b"}`, override,
			record.KindLLM, "forced", "a", "b"},
		{"unknown _type is llm", `{"_type":"unknown","model":"m"}`, `{}`, nil,
			record.KindLLM, "m", "m", ""},
		{"other _type is llm", `{"_type":"custom","model":"m"}`, `{}`, nil,
			record.KindLLM, "m", "m", ""},
		{"tool from request", `{"_type":"tool","toolName":"search","input":{"q":"x"}}`,
			`{"hits":3,"_type":"tool","toolName":"search"}`, nil,
			record.KindTool, "tool:search", "", ""},
		{"tool python response unknown name", `{"_type":"tool","toolName":"search"}`,
			`{"hits":3,"_type":"unknown","toolName":"unknown"}`, nil,
			record.KindTool, "tool:search", "", ""},
		{"tool name from response", `{"_type":"tool"}`, `{"toolName":"lookup"}`, nil,
			record.KindTool, "tool:lookup", "", ""},
		{"tool without name", `{"_type":"tool"}`, `{"toolName":"unknown"}`, nil,
			record.KindTool, "tool:unknown", "", ""},
		{"tool type from response", `{"input":1}`,
			`{"_type":"tool","toolName":"calc"}`, nil, record.KindTool, "tool:calc", "", ""},
		{"tool override", `{"_type":"tool","toolName":"search"}`, `{}`, override,
			record.KindTool, "forced", "", ""},
		{"vector db", `{"_type":"vector_db","operation":"search","model":"emb"}`, `{}`, nil,
			record.KindVectorDB, "vector_db", "emb", ""},
		{"vector db from response", `{}`, `{"_type":"vector_db"}`, nil,
			record.KindVectorDB, "vector_db", "", ""},
		{"data from request", `{"_type":"data","name":"etl"}`, `{"rows":2}`, nil,
			record.KindData, "data:etl", "", ""},
		{"data name from response", `{"_type":"data"}`, `{"name":"load","_type":"data"}`, nil,
			record.KindData, "data:load", "", ""},
		{"data python without name", `{"_type":"data"}`,
			`{"rows":2,"_type":"unknown","toolName":"unknown"}`, nil,
			record.KindData, "data:unknown", "", ""},
		{"data on response only without name", `{}`, `{"_type":"data"}`, nil,
			record.KindData, "data:unknown", "", ""},
		{"data override", `{"_type":"data","name":"etl"}`, `{}`, override,
			record.KindData, "forced", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := mustDecode(t, logBody(tt.req, `"json":`+tt.resp, ""), tt.h)
			if rec.Kind != tt.kind {
				t.Errorf("Decode: Kind = %q, want %q", rec.Kind, tt.kind)
			}
			if rec.Model != tt.model {
				t.Errorf("Decode: Model = %q, want %q", rec.Model, tt.model)
			}
			if rec.RequestModel != tt.reqModel {
				t.Errorf("Decode: RequestModel = %q, want %q", rec.RequestModel, tt.reqModel)
			}
			if rec.ResponseModel != tt.responseModel {
				t.Errorf("Decode: ResponseModel = %q, want %q", rec.ResponseModel,
					tt.responseModel)
			}
		})
	}
}

func TestDecodeKindFromTextResponse(t *testing.T) {
	// A JS SDK tool log with a string response: the response json carries the copied
	// _type and toolName, and textBody the text.
	body := logBody(`{"input":1}`, `"textBody":"found 3","json":{"_type":"tool",`+
		`"toolName":"grep"}`, "")
	rec := mustDecode(t, body, nil)
	if rec.Kind != record.KindTool || rec.Model != "tool:grep" {
		t.Errorf("Decode: Kind, Model = %q, %q, want tool, tool:grep", rec.Kind, rec.Model)
	}
}
