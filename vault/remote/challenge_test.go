package remote

import (
	"reflect"
	"testing"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Challenge
		bad  bool
	}{
		{"notary-server", `Bearer realm="https://127.0.0.1:1/token",service="notary-rig",scope="repository:a/b:pull"`,
			[]Challenge{{"Bearer", map[string]string{"realm": "https://127.0.0.1:1/token", "service": "notary-rig", "scope": "repository:a/b:pull"}}}, false},
		{"insufficient scope", `Bearer realm="r",service="s",scope="repository:a:push,pull",error="insufficient_scope"`,
			[]Challenge{{"Bearer", map[string]string{"realm": "r", "service": "s", "scope": "repository:a:push,pull", "error": "insufficient_scope"}}}, false},
		{"spaces and tokens", `bearer  realm = "r" , Service=s`,
			[]Challenge{{"bearer", map[string]string{"realm": "r", "service": "s"}}}, false},
		{"two challenges", `Basic realm="x", Bearer realm="y",scope="z"`,
			[]Challenge{{"Basic", map[string]string{"realm": "x"}}, {"Bearer", map[string]string{"realm": "y", "scope": "z"}}}, false},
		{"escaped quote", `Bearer realm="a\"b"`, []Challenge{{"Bearer", map[string]string{"realm": `a"b`}}}, false},
		{"bare scheme", `Negotiate`, []Challenge{{"Negotiate", map[string]string{}}}, false},
		{"empty", ``, nil, true},
		{"unterminated", `Bearer realm="abc`, nil, true},
		{"no value", `Bearer realm=`, nil, true},
		{"duplicate", `Bearer realm="a",realm="b"`, nil, true},
		{"junk", `Bearer "x"`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChallenges(tt.in)
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if !tt.bad && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{`Bearer realm="https://h/token",service="s",scope="repository:a/b:pull"`,
		`Basic realm="x", Bearer realm="y"`, `Bearer realm="a\"b"`, `x y=,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseChallenges(s)
		if err == nil && len(cs) == 0 {
			t.Fatal("no challenges and no error")
		}
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatal("empty scheme accepted")
			}
		}
	})
}
