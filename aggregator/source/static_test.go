package source

import (
	"strings"
	"testing"
)

func TestParseStatic(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    Static
		wantErr string // part of the error; "" = no error
	}{
		{in: "name=acme-gp,customer=acme,url=https://acme-gp.example,credentials-dir=/run/acme",
			want: Static{Name: "acme-gp", Customer: "acme", Origin: "https://acme-gp.example", CredentialsDir: "/run/acme"}},
		{in: "credentials-dir=/c,url=http://127.0.0.1:8080/,customer=c,name=ns/ep",
			want: Static{Name: "ns/ep", Customer: "c", Origin: "http://127.0.0.1:8080", CredentialsDir: "/c"}},
		{in: "name=a,customer=c,url=https://a.example", wantErr: "key credentials-dir is missing"},
		{in: "name=a,customer=c,url=https://a.example,credentials-dir=/c,nom=x", wantErr: `unknown key "nom"`},
		{in: "name=a,name=b,customer=c,url=https://a.example,credentials-dir=/c", wantErr: "key name given twice"},
		{in: "name=,customer=c,url=https://a.example,credentials-dir=/c", wantErr: "key name has an empty value"},
		{in: "name=a b,customer=c,url=https://a.example,credentials-dir=/c", wantErr: `name "a b"`},
		{in: "name=a,customer=c,url=ftp://a.example,credentials-dir=/c", wantErr: "url:"},
		{in: "name=a,customer=c,url=https://a.example/fhir,credentials-dir=/c", wantErr: "want the origin alone"},
		{in: "name=a,customer=c,url=a.example,credentials-dir=/c", wantErr: "url:"},
		{in: "name=a,customer,url=https://a.example,credentials-dir=/c", wantErr: `"customer" is not key=value`},
		{in: "", wantErr: "is not key=value"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStatic(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseStaticsRefusesDuplicateNames(t *testing.T) {
	a := "name=a,customer=c,url=https://a.example,credentials-dir=/a"
	b := "name=b,customer=c,url=https://b.example,credentials-dir=/b"
	if got, err := ParseStatics([]string{a, b}); err != nil || len(got) != 2 {
		t.Fatalf("two sources: %v %v", got, err)
	}
	_, err := ParseStatics([]string{a, b, strings.Replace(b, "b.example", "c.example", 1)})
	if err == nil || !strings.Contains(err.Error(), "name b is already used") {
		t.Fatalf("a duplicate name: %v", err)
	}
}

func TestStaticSpec(t *testing.T) {
	s := Static{Name: "a", Customer: "c", Origin: "https://a.example", CredentialsDir: "/a"}
	want := Spec{Name: "a", Customer: "c", Base: "https://a.example/fhir", TokenURL: "https://a.example/oauth2/token", ClientID: "id", ClientSecret: "secret"}
	if got := s.Spec("id", "secret"); got != want || got.API() != want.Base {
		t.Fatalf("got %+v", got)
	}
}

// FuzzParseStatic: any input either parses to a source whose every field
// is set and whose origin round-trips, or fails; it never panics.
func FuzzParseStatic(f *testing.F) {
	f.Add("name=acme-gp,customer=acme,url=https://acme-gp.example,credentials-dir=/run/acme")
	f.Add("name=a,customer=c,url=http://[::1]:80/,credentials-dir=x")
	f.Add("=,=,")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseStatic(in)
		if err != nil {
			return
		}
		if s.Name == "" || s.Customer == "" || s.Origin == "" || s.CredentialsDir == "" {
			t.Fatalf("%q parsed with an empty field: %+v", in, s)
		}
		if again, err := parseOrigin(s.Origin); err != nil || again != s.Origin {
			t.Fatalf("origin %q does not round-trip: %q %v", s.Origin, again, err)
		}
	})
}
