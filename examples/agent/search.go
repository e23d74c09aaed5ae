package agent

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/heliograph/heliograph/sdk"
)

// Article is a help-centre article.
type Article struct {
	ID    string
	Title string
	Text  string
}

// Match is an article found by a search, with its cosine similarity to the query.
type Match struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

// helpArticles are the articles the agent's index holds.
var helpArticles = []Article{
	{"shipping-times", "Shipping times", "Orders are shipped within two days and tracking " +
		"starts once the parcel leaves the warehouse."},
	{"late-delivery", "When a delivery is late", "If your delivery is delayed, check the " +
		"tracking page; when you are still waiting after a week we ship the parcel again."},
	{"refunds", "How refunds work", "A refund reaches your card within five days of the " +
		"return; cancel an order before it ships for an instant refund."},
	{"password-reset", "Reset your password", "Use the login page to reset the password " +
		"of your account; the email arrives within minutes."},
	{"damaged-items", "Broken or damaged items", "If a teapot or kettle arrived broken, " +
		"send a photo and we replace it; poor quality items can be returned."},
}

// embeddingTopics are the dimensions of the toy embedding: each word of a text adds one to
// the dimension of its topic.
var embeddingTopics = []map[string]bool{
	set("delivery", "deliveries", "shipping", "shipped", "ship", "ships", "tracking",
		"parcel", "where"),
	set("late", "delayed", "waiting", "still"),
	set("refund", "refunds", "return", "returned", "money", "cancel", "card"),
	set("password", "login", "account", "email"),
	set("teapot", "kettle", "tea", "sampler", "broken", "damaged", "quality", "photo"),
	set("unhappy", "disappointed", "angry", "useless", "awful"),
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// Embed returns the embedding of text: per topic, the number of its words that belong to
// the topic. Real applications call an embedding model; this one is small enough to check
// by hand.
func Embed(text string) []float64 {
	v := make([]float64, len(embeddingTopics))
	for _, w := range words(text) {
		for i, topic := range embeddingTopics {
			if topic[w] {
				v[i]++
			}
		}
	}
	return v
}

// VectorIndex is an in-memory vector index searched by cosine similarity. It is read-only
// after creation and safe for concurrent use.
type VectorIndex struct {
	articles []Article
	vectors  [][]float64
}

// NewVectorIndex embeds the title and text of each article.
func NewVectorIndex(articles []Article) *VectorIndex {
	ix := &VectorIndex{articles: articles, vectors: make([][]float64, len(articles))}
	for i, a := range articles {
		ix.vectors[i] = Embed(a.Title + " " + a.Text)
	}
	return ix
}

// Search returns the k articles most similar to query, best first. Articles with equal
// scores keep their index order.
func (ix *VectorIndex) Search(query []float64, k int) []Match {
	matches := make([]Match, len(ix.articles))
	for i, a := range ix.articles {
		matches[i] = Match{ID: a.ID, Title: a.Title, Score: cosine(query, ix.vectors[i])}
	}
	slices.SortStableFunc(matches, func(x, y Match) int { return cmp.Compare(y.Score, x.Score) })
	return matches[:min(k, len(matches))]
}

// cosine returns the cosine similarity of a and b, or 0 when either is the zero vector.
func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// SearchDocs is the tool "search_docs": it embeds query and searches the article index for
// the k best matches. The tool call is logged with the query and k as its input. The search
// inside it is logged as a vector database search of "docs_index", with the query vector
// as the request and the matches with their scores as the response.
func (a *Agent) SearchDocs(ctx context.Context, query string, k int) ([]Match, error) {
	tool := sdk.Tool{ToolName: "search_docs", Input: map[string]any{"query": query, "top_k": k}}
	return sdk.Wrap(ctx, a.cfg.Logger, tool,
		func(ctx context.Context, rec *sdk.Recorder) ([]Match, error) {
			matches, err := a.searchIndex(ctx, query, k)
			if err != nil {
				return nil, err
			}
			results := map[string]any{"status": "success", "count": len(matches)}
			if len(matches) > 0 {
				results["top_id"] = matches[0].ID
			}
			rec.AppendResults(results)
			return matches, nil
		})
}

// searchIndex runs and logs the vector search.
func (a *Agent) searchIndex(ctx context.Context, query string, k int) ([]Match, error) {
	vector := Embed(query)
	req := sdk.VectorDB{
		Operation:    "search",
		Text:         query,
		Vector:       vector,
		TopK:         k,
		DatabaseName: "docs_index",
		Fields:       map[string]any{"metric": "cosine"},
	}
	return sdk.Wrap(ctx, a.cfg.Logger, req,
		func(ctx context.Context, rec *sdk.Recorder) ([]Match, error) {
			if err := a.pause(ctx); err != nil {
				return nil, err
			}
			matches := a.index.Search(vector, k)
			rec.AppendResults(map[string]any{"matches": matches})
			return matches, nil
		})
}
