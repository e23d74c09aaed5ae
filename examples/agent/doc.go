// Package agent is a runnable example of the Heliograph Go SDK: a small support agent whose
// every step is logged to a Heliograph server under one session.
//
// [Agent.Run] is the root operation, logged as the data step "agent". It answers a customer
// by calling, in order:
//   - [Agent.QueryOrders]: a SQL query on a SQLite database through database/sql, logged as
//     the data step "orders_query";
//   - [Agent.FetchWeather]: a GET request to a weather API (see [NewWeatherServer]), logged
//     as the data step "weather_api" with the HTTP status and the response fields;
//   - [Agent.ClassifySentiment]: an inference of a logistic regression trained at start-up
//     on a few labelled sentences, logged as the data step "sentiment_model";
//   - [Agent.SearchDocs]: the tool "search_docs", which runs a cosine-similarity search over
//     an in-memory vector index, logged as the vector database "docs_index";
//   - [Agent.StreamAnswer]: a chat completion streamed as OpenAI server-sent events, read
//     through [sdk.Logger.WrapReader] so that the SDK records the time to first token.
//
// Each step extends the session path, so one run produces the paths "/agent",
// "/agent/orders_query", "/agent/weather_api", "/agent/sentiment_model",
// "/agent/search_docs", "/agent/search_docs/docs_index" and "/agent/answer".
// [Agent.StreamChunks] shows [sdk.WrapSeq] on the same chat stream as typed chunks.
//
// The command in the cmd directory runs the agent against the server named by
// HELIOGRAPH_ENDPOINT with the key in HELIOGRAPH_API_KEY:
//
//	HELIOGRAPH_ENDPOINT=http://127.0.0.1:8585 HELIOGRAPH_API_KEY=hg_... \
//		go run ./examples/agent/cmd
package agent
