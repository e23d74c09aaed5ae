module github.com/heliograph/heliograph/sdk

go 1.26.0
