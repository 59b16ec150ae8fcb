// Package examples holds runnable programs, one a folder, that show LogCrest
// as a user meets it: quickstart (the tour: levels, fields, a flow that
// succeeds and one that fails) and one small orders server per framework
// (chi, echo, gin, nethttp) with a route for each outcome. examples_test.go
// builds each server, requests every route, stops it with SIGINT and reads
// the files it left. Nothing here is meant to be imported.
package examples
