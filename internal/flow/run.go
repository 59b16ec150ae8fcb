package flow

import "context"

// Run runs fn as a step named name: Step, then fn with the step's context,
// then End. It returns fn's error unchanged; a panic in fn is recorded and
// raised again with its original value.
func Run(ctx context.Context, name string, fn func(context.Context) error, opts ...Option) (err error) {
	ctx, s := Step(ctx, name, opts...)
	defer s.End(&err)
	return fn(ctx)
}

// Call runs fn as a step named name, like Run, and returns its result and
// error unchanged. With LogResult, a successful result is recorded as the
// "result" field of the exit record (JSON-encoded as zerolog's
// Event.Interface does).
func Call[T any](ctx context.Context, name string, fn func(context.Context) (T, error), opts ...Option) (v T, err error) {
	ctx, s := Step(ctx, name, opts...)
	defer s.End(&err)
	v, err = fn(ctx)
	if err == nil && s.logResult {
		s.SetResult(v)
	}
	return v, err
}

// RunFlow runs fn as a flow labelled label: Flow, then fn with the flow's
// context, then End, which writes flow_end. It returns fn's error unchanged;
// a panic in fn ends the flow failed and is raised again with its original
// value.
func RunFlow(ctx context.Context, label string, fn func(context.Context) error, opts ...Option) (err error) {
	ctx, s := Flow(ctx, label, opts...)
	defer s.End(&err)
	return fn(ctx)
}
