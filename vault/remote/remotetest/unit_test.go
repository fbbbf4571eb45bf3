package remotetest

import (
	"reflect"
	"testing"
)

func TestParseList(t *testing.T) {
	const table = `NAME       DIGEST                                                              SIZE (BYTES)    ROLE
----       ------                                                              ------------    ----
team-v3    5c9d8ce3e0d4a6a3b0e0c63ee1a2d8d0e6a1c9d9e2f9c5a0f8e5e9d3b7c1a2b4    28              targets/releases/team
v1         81b9783a13d6822dfb3d1413ae5654228b04fa8790c5d6a5b79ba889f184cce5    10              targets
`
	tests := []struct {
		name    string
		out     string
		want    []Target
		wantErr bool
	}{
		{"table", table, []Target{
			{"team-v3", "5c9d8ce3e0d4a6a3b0e0c63ee1a2d8d0e6a1c9d9e2f9c5a0f8e5e9d3b7c1a2b4", 28, "targets/releases/team"},
			{"v1", "81b9783a13d6822dfb3d1413ae5654228b04fa8790c5d6a5b79ba889f184cce5", 10, "targets"},
		}, false},
		{"warning before the table", "time=... level=warning msg=\"x\"\n" + table, []Target{
			{"team-v3", "5c9d8ce3e0d4a6a3b0e0c63ee1a2d8d0e6a1c9d9e2f9c5a0f8e5e9d3b7c1a2b4", 28, "targets/releases/team"},
			{"v1", "81b9783a13d6822dfb3d1413ae5654228b04fa8790c5d6a5b79ba889f184cce5", 10, "targets"},
		}, false},
		{"empty repository", "\nNo targets present in this repository.\n\n", nil, false},
		{"error output", "* fatal: unauthorized\n", nil, true},
		{"bad size", "NAME DIGEST SIZE ROLE\nv1 abc ten targets\n", nil, true},
		{"short line", "NAME DIGEST SIZE ROLE\nv1 abc\n", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(tc.out)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGrant(t *testing.T) {
	tests := []struct {
		name   string
		user   User
		scopes []string
		want   []Access
	}{
		{"push and pull", DefaultUser, []string{"repository:registry.test/a:push,pull"},
			[]Access{{"repository", "registry.test/a", []string{"push", "pull"}}}},
		{"host with a port", DefaultUser, []string{"repository:127.0.0.1:5000/a:pull"},
			[]Access{{"repository", "127.0.0.1:5000/a", []string{"pull"}}}},
		{"pull-only user", User{PullOnly: true}, []string{"repository:r/a:push,pull"},
			[]Access{{"repository", "r/a", []string{"pull"}}}},
		{"admin", DefaultUser, []string{"repository:r/a:*"},
			[]Access{{"repository", "r/a", []string{"*"}}}},
		{"two scopes in one parameter", DefaultUser, []string{"repository:r/a:pull repository:r/b:pull"},
			[]Access{{"repository", "r/a", []string{"pull"}}, {"repository", "r/b", []string{"pull"}}}},
		{"malformed", DefaultUser, []string{"repository", "repository:r"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := grant(tc.user, tc.scopes); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
