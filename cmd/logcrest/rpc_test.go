package main

import (
	"strings"
	"testing"
)

// rpcRecords are records of the RPC adapters, written by hand in their
// shape (adapters/internal/rpcflow): a gRPC call whose handler failed
// with Unavailable at a client step, and a Connect call served under the
// HTTP middleware that answered NotFound (HTTP 200 with the code in the
// body): its flow is the HTTP request's, with the call's fields added.
const rpcRecords = `{"level":"info","logger":"orders","seq":1,"flow_type":"flow_start","rpc_system":"grpc","rpc_service":"shop.v1.Orders","rpc_method":"Get","request_id":"ord-9","peer":"127.0.0.1:8080","trace_id":"0000000000000000000000007ace0009","span_id":"0000000005ba0001","flow_id":"ord-9-000f3001","time":"2026-03-14T09:26:53.000000Z","message":"flow started"}
{"level":"info","logger":"orders","seq":2,"fn":"grpc /stock.v1.Stock/Reserve","parent_span_id":"0000000005ba0001","trace_id":"0000000000000000000000007ace0009","span_id":"0000000005ba0002","flow_id":"ord-9-000f3001","time":"2026-03-14T09:26:53.001000Z","message":"step started"}
{"level":"error","logger":"orders","seq":3,"fn":"grpc /stock.v1.Stock/Reserve","parent_span_id":"0000000005ba0001","ms":7.5,"status":"error","error":"stock is down","rpc_system":"grpc","rpc_service":"stock.v1.Stock","rpc_method":"Reserve","grpc_code":"Unavailable","grpc_status_code":14,"trace_id":"0000000000000000000000007ace0009","span_id":"0000000005ba0002","flow_id":"ord-9-000f3001","time":"2026-03-14T09:26:53.008500Z","message":"step failed"}
{"level":"error","logger":"orders","seq":4,"flow_type":"flow_end","flow_status":"failed","total_ms":9.2,"steps":1,"timeline":[{"fn":"grpc /stock.v1.Stock/Reserve","at_ms":1,"ms":7.5,"status":"error"}],"failed_at":"rpc_call","step":"1/1","flow_error":"rpc error: code = Unavailable desc = stock is down","rpc_system":"grpc","rpc_service":"shop.v1.Orders","rpc_method":"Get","request_id":"ord-9","peer":"127.0.0.1:8080","route":"/shop.v1.Orders/Get","grpc_code":"Unavailable","grpc_status_code":14,"trace_id":"0000000000000000000000007ace0009","span_id":"0000000005ba0001","flow_id":"ord-9-000f3001","time":"2026-03-14T09:26:53.009200Z","message":"flow failed"}
{"level":"info","logger":"stock","seq":1,"flow_type":"flow_end","flow_status":"success","total_ms":2.5,"steps":0,"timeline":[],"method":"POST","path":"/stock.v1.Stock/Find","request_id":"find-1","client_ip":"127.0.0.1","http_status":200,"bytes":41,"route":"/stock.v1.Stock/Find","rpc_system":"connect","rpc_service":"stock.v1.Stock","rpc_method":"Find","grpc_code":"NotFound","grpc_status_code":5,"trace_id":"0000000000000000000000007ace000a","span_id":"0000000005ba0003","flow_id":"find-1-000f3002","time":"2026-03-14T09:26:54.002500Z","message":"flow finished"}
`

// TestGoldenRPC: show names an RPC call's flow by its protocol and full
// method, its status code beside the outcome ("grpc /shop.v1.Orders/Get →
// Unavailable  FAILED"), and keeps the code out of the fields; a Connect
// call under the HTTP middleware shows the HTTP status and the code.
func TestGoldenRPC(t *testing.T) {
	for _, c := range []struct{ name, id string }{
		{"show_rpc_failed", "ord-9-000f3001"},
		{"show_rpc_joined", "find-1-000f3002"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCmd(t, rpcRecords, nil, "show", c.id, "-", "--width", "100")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			checkGolden(t, c.name, r.stdout)
		})
	}
}

// TestFlowsAndStatsNameRPCFlows: flows and stats name an RPC's flow as show
// does, "<rpc_system> <procedure>" (its flow_end has a route, the procedure,
// and no method), and --route takes that name; a Connect call under the
// HTTP middleware keeps its HTTP name.
func TestFlowsAndStatsNameRPCFlows(t *testing.T) {
	r := runCmd(t, rpcRecords, nil, "flows", "-")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("flows: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("flows printed %d lines, want 2:\n%s", len(lines), r.stdout)
	}
	for i, want := range []string{"grpc /shop.v1.Orders/Get", "POST /stock.v1.Stock/Find"} {
		if !strings.Contains(lines[i], "  "+want+" ") {
			t.Errorf("flows line %d = %q, want it to name the flow %q", i+1, lines[i], want)
		}
	}
	r = runCmd(t, rpcRecords, nil, "flows", "--route", "grpc /shop.v1.Orders/*", "-")
	if got := strings.Count(r.stdout, "\n"); r.code != 0 || got != 1 || !strings.Contains(r.stdout, "ord-9-000f3001") {
		t.Errorf("flows --route 'grpc /shop.v1.Orders/*': exit %d, %d lines, want the gRPC flow alone:\n%s%s", r.code, got, r.stdout, r.stderr)
	}
	r = runCmd(t, rpcRecords, nil, "stats", "-")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("stats: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	rows := map[string]bool{}
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && (f[0] == "grpc" || f[0] == "POST") {
			rows[f[0]+" "+f[1]] = true
		}
		if strings.HasPrefix(l, " ") {
			t.Errorf("stats row %q begins with a space (a name without its method)", l)
		}
	}
	for _, want := range []string{"grpc /shop.v1.Orders/Get", "POST /stock.v1.Stock/Find"} {
		if !rows[want] {
			t.Errorf("stats has no row %q:\n%s", want, r.stdout)
		}
	}
}
