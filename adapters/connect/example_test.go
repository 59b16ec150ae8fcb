package logcrestconnect_test

import (
	"context"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	logcrestconnect "github.com/logcrest/logcrest/adapters/connect"
)

// One interceptor for a handler (every call a flow) and a client (every
// call from inside a flow a step of it).
func Example() {
	i := logcrestconnect.NewInterceptor(logcrestconnect.WithSkip(logcrestconnect.SkipHealthAndReflection))
	mux := http.NewServeMux()
	mux.Handle("/stock.v1.Stock/Reserve", connect.NewUnaryHandler("/stock.v1.Stock/Reserve",
		func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(wrapperspb.String("reserved " + req.Msg.GetValue())), nil
		},
		connect.WithInterceptors(i)))

	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](
		http.DefaultClient, "http://stock.internal/stock.v1.Stock/Reserve", connect.WithInterceptors(i))
	_ = client
	// Output:
}
