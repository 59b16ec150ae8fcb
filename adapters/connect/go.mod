module github.com/logcrest/logcrest/adapters/connect

go 1.25

replace github.com/logcrest/logcrest => ../..

require (
	connectrpc.com/connect v1.17.0
	github.com/go-chi/chi/v5 v5.1.0
	github.com/logcrest/logcrest v0.0.0-00010101000000-000000000000
	github.com/rs/zerolog v1.35.1
	google.golang.org/protobuf v1.34.2
)

require (
	github.com/fatih/color v1.17.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.21 // indirect
	golang.org/x/sys v0.40.0 // indirect
)
