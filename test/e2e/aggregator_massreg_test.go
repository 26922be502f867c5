package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testIssuer is an OpenID provider on loopback: its keys in a JWKS file
// the aggregator reads, and an /authorize that signs in whoever the test
// says is at the keyboard and sends them back to redirect_uri with an ID
// token and the state (the query form of the callback).
type testIssuer struct {
	srv      *httptest.Server
	key      *ecdsa.PrivateKey
	jwksPath string
	audience string
	mu       sync.Mutex
	nhs      string // the patient signing in
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss := &testIssuer{key: k, jwksPath: filepath.Join(t.TempDir(), "jwks.json"), audience: "massreg-app"}
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k1", Algorithm: string(jose.ES256), Use: "sig"}}})
	if err := os.WriteFile(iss.jwksPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	iss.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/authorize" || q.Get("response_type") != "id_token" || q.Get("client_id") != iss.audience {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		iss.mu.Lock()
		nhs := iss.nhs
		iss.mu.Unlock()
		back := url.Values{"id_token": {iss.idToken(t, nhs)}, "state": {q.Get("state")}}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
	}))
	t.Cleanup(iss.srv.Close)
	return iss
}

func (iss *testIssuer) signsIn(nhs string) {
	iss.mu.Lock()
	iss.nhs = nhs
	iss.mu.Unlock()
}

func (iss *testIssuer) idToken(t *testing.T, nhs string) string {
	now := time.Now()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: iss.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Error(err)
		return ""
	}
	raw, err := jwt.Signed(s).Claims(map[string]any{"iss": iss.srv.URL, "aud": iss.audience, "sub": "login-" + nhs,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "identity_proofing_level": "P9", "nhs_number": nhs}).Serialize()
	if err != nil {
		t.Error(err)
	}
	return raw
}

func (iss *testIssuer) flags() []string {
	return []string{"--patient-issuer", iss.srv.URL, "--patient-jwks", iss.jwksPath, "--patient-audience", iss.audience}
}

// massreg is a world of two customers' servers and the aggregator over
// them, with acme's named patients, smsCount more of acme's, and beta's.
type massreg struct {
	t        *testing.T
	agg      *aggregator
	iss      *testIssuer
	acme     *server
	nhs      map[string]string // patient name → NHS number
	sms      []string          // the NHS numbers of the SMS patients
	tokens   map[string]string // customer → access token at the aggregator
	tokensMu sync.Mutex
	mail     *mailInbox
}

const smsCount = 500

func newMassreg(t *testing.T) *massreg {
	m := &massreg{t: t, nhs: map[string]string{}, tokens: map[string]string{}}
	m.acme = startServer(t, "R4", t.TempDir())
	beta := startServer(t, "R4", t.TempDir())
	named := map[string]string{
		"adult": `"birthDate":"1980-02-03"`, "child": `"birthDate":"` + time.Now().AddDate(-10, 0, 0).Format("2006-01-02") + `"`,
		"dead": `"birthDate":"1950-01-01","deceasedBoolean":true`, "nobirth": `"gender":"male"`, "signedin": `"birthDate":"1975-05-05"`,
	}
	var entries []string
	i := 0
	for name, extra := range named {
		m.nhs[name] = validNHS(i)
		i++
		entries = append(entries, patientEntry(name, m.nhs[name], extra))
	}
	for k := range smsCount {
		n := validNHS(100 + k)
		m.sms = append(m.sms, n)
		entries = append(entries, patientEntry(fmt.Sprintf("sms%d", k), n, `"birthDate":"1990-01-01"`))
	}
	transaction(t, m.acme, entries)
	put(t, m.acme, "DocumentReference/letter", `{"resourceType":"DocumentReference","id":"letter","status":"current",
		"identifier":[{"system":"urn:acme:letters","value":"L-1"}],"subject":{"reference":"Patient/adult"},
		"content":[{"attachment":{"contentType":"text/plain","data":"aGVsbG8="}}]}`)
	m.nhs["beta"] = validNHS(50)
	put(t, beta, "Patient/pb", `{"resourceType":"Patient","id":"pb","identifier":[{"system":"`+nhsSystem+`","value":"`+m.nhs["beta"]+`"}],"birthDate":"1960-01-01"}`)
	put(t, beta, "DocumentReference/bdoc", `{"resourceType":"DocumentReference","id":"bdoc","status":"current",
		"identifier":[{"system":"urn:beta:letters","value":"B-1"}],"subject":{"reference":"Patient/pb"},
		"content":[{"attachment":{"contentType":"text/plain","data":"aGVsbG8="}}]}`)
	m.iss = newTestIssuer(t)
	m.mail = newMailInbox(t)
	sources := []aggSource{{"acme-r4", "acme", m.acme}, {"beta-r4", "beta", beta}}
	m.agg = startAggregator(t, t.TempDir(), sources, append(m.iss.flags(), "--smtp-url", m.mail.url)...)
	m.agg.waitCaughtUp(t, sources)
	return m
}

func patientEntry(id, nhs, extra string) string {
	return `{"resource":{"resourceType":"Patient","id":"` + id + `","identifier":[{"system":"` + nhsSystem + `","value":"` + nhs + `"}],` + extra +
		`},"request":{"method":"PUT","url":"Patient/` + id + `"}}`
}

// transaction writes the entries to s in one transaction.
func transaction(t *testing.T, s *server, entries []string) {
	t.Helper()
	body := `{"resourceType":"Bundle","type":"transaction","entry":[` + strings.Join(entries, ",") + `]}`
	r, err := newClient(s.Base, s.token(false)).do(context.Background(), "POST", "", []byte(body), nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("transaction: %v %d %.500s", err, r.Status, r.Body)
	}
}

// token is the customer's access token at the aggregator (its generated
// client), or a patient's by token exchange when who is "patient:<nhs>".
func (m *massreg) token(who string) string {
	m.t.Helper()
	m.tokensMu.Lock()
	defer m.tokensMu.Unlock()
	if tok, ok := m.tokens[who]; ok {
		return tok
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	var id, secret string
	if nhs, ok := strings.CutPrefix(who, "patient:"); ok {
		form = url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}, "subject_token": {m.iss.idToken(m.t, nhs)}}
	} else {
		dir := filepath.Join(m.agg.DataDir, "credentials", "clients", who)
		idb, err1 := os.ReadFile(filepath.Join(dir, "client_id"))
		sb, err2 := os.ReadFile(filepath.Join(dir, "client_secret"))
		if err1 != nil || err2 != nil {
			m.t.Fatalf("the aggregator's client of %s: %v %v", who, err1, err2)
		}
		id, secret = strings.TrimSpace(string(idb)), strings.TrimSpace(string(sb))
	}
	req, _ := http.NewRequest("POST", m.agg.Base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.AccessToken == "" {
		m.t.Fatalf("token for %s: %d %s", who, res.StatusCode, b)
	}
	if !strings.HasPrefix(who, "patient:") {
		m.tokens[who] = out.AccessToken
	}
	return out.AccessToken
}

// op invokes a mass registration operation as who with the identifiers
// (system|value) under name; it returns the status and the parsed answer.
func (m *massreg) op(who, path, name string, ids ...string) (int, map[string]any) {
	m.t.Helper()
	var params []string
	for _, id := range ids {
		sys, val, _ := strings.Cut(id, "|")
		params = append(params, fmt.Sprintf(`{"name":%q,"valueIdentifier":{"system":%q,"value":%q}}`, name, sys, val))
	}
	body := `{"resourceType":"Parameters"}`
	if len(params) > 0 {
		body = `{"resourceType":"Parameters","parameter":[` + strings.Join(params, ",") + `]}`
	}
	r, err := newClient(m.agg.Base, m.token(who)).do(context.Background(), "POST", path, []byte(body), nil)
	if err != nil {
		m.t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		m.t.Fatalf("%s: %d %s", path, r.Status, r.Body)
	}
	return r.Status, out
}

// groups reads an answer's parameters as part name → value (the value's
// JSON for an object).
func groups(out map[string]any) []map[string]string {
	var res []map[string]string
	ps, _ := out["parameter"].([]any)
	for _, p := range ps {
		g := map[string]string{}
		parts, _ := p.(map[string]any)["part"].([]any)
		for _, pp := range parts {
			pm := pp.(map[string]any)
			for k, v := range pm {
				if k == "name" {
					continue
				}
				switch v := v.(type) {
				case string:
					g[pm["name"].(string)] = v
				case bool:
					g[pm["name"].(string)] = fmt.Sprint(v)
				default:
					b, _ := json.Marshal(v)
					g[pm["name"].(string)] = string(b)
				}
			}
		}
		res = append(res, g)
	}
	return res
}

func nhsID(n string) string { return nhsSystem + "|" + n }

// TestMassRegistration runs the mass registration flows over real
// processes — two customers' fhirservers, bin/aggregator following them, a
// test OpenID issuer — in one world (docs/mass-registration.md).
func TestMassRegistration(t *testing.T) {
	m := newMassreg(t)
	t.Run("kiosk", m.kiosk)
	t.Run("sms", m.smsFlow)
	t.Run("refusals", m.refusals)
	t.Run("access", m.access)
	t.Run("limits", m.limits)
	t.Run("read receipts", m.readReceipts)
	t.Run("capability", m.capability)
	t.Run("process-message", m.processMessage)
}

// kiosk: status-query → invitation → join URL → the issuer → registered;
// status-query says so and the token is spent.
func (m *massreg) kiosk(t *testing.T) {
	nhs := m.nhs["adult"]
	st, out := m.op("acme", "/Patient/$status-query", "patientIdentifier", nhsID(nhs))
	g := groups(out)
	if st != 200 || len(g) != 1 || g[0]["registered"] != "false" || g[0]["deceased"] != "false" || g[0]["dateOfBirth"] != "1980-02-03" {
		t.Fatalf("status before: %d %v", st, out)
	}
	st, out = m.op("acme", "/Organization/$generate-invitation-tokens", "patientIdentifier", nhsID(nhs))
	g = groups(out)
	if st != 200 || len(g) != 1 || g[0]["token"] == "" || len(g[0]["code"]) != 8 || g[0]["expiry"] == "" {
		t.Fatalf("invitation: %d %v", st, out)
	}
	join := m.agg.Base + "/join?" + url.Values{"t1": {g[0]["code"]}, "t2": {g[0]["token"]}, "e": {"jane@example.org"}}.Encode()
	status, page := getPage(t, join)
	href := between(page, `href="`, `"`)
	if status != 200 || !strings.HasPrefix(href, m.iss.srv.URL+"/authorize?") {
		t.Fatalf("join page: %d %s", status, page)
	}
	m.iss.signsIn(nhs)
	// The link goes to the issuer, which sends the patient back to the
	// callback with an ID token: the client follows both.
	status, page = getPage(t, htmlUnescape(href))
	if status != 200 || !strings.Contains(page, "You are registered") {
		t.Fatalf("after sign-in: %d %s", status, page)
	}
	_, out = m.op("acme", "/Patient/$status-query", "patientIdentifier", nhsID(nhs))
	if g := groups(out); g[0]["registered"] != "true" {
		t.Errorf("status after: %v", out)
	}
	if status, page = getPage(t, join); status != http.StatusConflict {
		t.Errorf("the spent join URL: %d %s", status, page)
	}
	if status, _ = getPage(t, htmlUnescape(href)); status != http.StatusConflict {
		t.Errorf("signing in again through the spent invitation: %d", status)
	}
	_, out = m.op("acme", "/Organization/$generate-invitation-tokens", "patientIdentifier", nhsID(nhs))
	if g := groups(out); g[0]["token"] != "" || !strings.Contains(g[0]["outcome"], "registered:") {
		t.Errorf("an invitation for a registered patient: %v", g)
	}
}

// smsFlow: 500 patients invited in one call, each token different.
func (m *massreg) smsFlow(t *testing.T) {
	ids := make([]string, len(m.sms))
	for i, n := range m.sms {
		ids[i] = nhsID(n)
	}
	st, out := m.op("acme", "/Organization/$generate-invitation-tokens", "patientIdentifier", ids...)
	g := groups(out)
	if st != 200 || len(g) != smsCount {
		t.Fatalf("%d, %d patientTokens", st, len(g))
	}
	seen := map[string]bool{}
	for i, p := range g {
		if p["token"] == "" || seen[p["token"]] || !strings.Contains(p["patientIdentifier"], m.sms[i]) {
			t.Fatalf("patientTokens %d: %v", i, p)
		}
		seen[p["token"]] = true
	}
}

// refusals: no invitation for the under-16, the deceased, the patient
// without a birth date, the registered (signed in by token exchange) and
// the unknown; each says why.
func (m *massreg) refusals(t *testing.T) {
	m.token("patient:" + m.nhs["signedin"]) // the first sign-in registers
	cases := []struct{ name, reason string }{
		{"child", "under-16"}, {"dead", "deceased"}, {"nobirth", "no-birth-date"}, {"signedin", "registered"},
		{"beta", "unknown"}, {"nobody", "unknown"},
	}
	var ids []string
	for _, c := range cases {
		n := m.nhs[c.name]
		if n == "" {
			n = validNHS(999)
		}
		ids = append(ids, nhsID(n))
	}
	st, out := m.op("acme", "/Organization/$generate-invitation-tokens", "patientIdentifier", ids...)
	g := groups(out)
	if st != 200 || len(g) != len(cases) {
		t.Fatalf("%d %v", st, out)
	}
	for i, c := range cases {
		if g[i]["token"] != "" || !strings.Contains(g[i]["outcome"], `"diagnostics":"`+c.reason+":") {
			t.Errorf("%s: %v, want refused for %s", c.name, g[i], c.reason)
		}
	}
}

// access: a customer learns nothing of a patient not linked to it — the
// answer is the unknown identifier's — while its own customer sees it; a
// patient token may call none of the operations.
func (m *massreg) access(t *testing.T) {
	_, out := m.op("acme", "/Patient/$status-query", "patientIdentifier", nhsID(m.nhs["beta"]), nhsID(validNHS(999)))
	g := groups(out)
	for i, p := range g {
		if len(p) != 2 || p["registered"] != "false" {
			t.Errorf("acme about beta's or nobody's patient (%d): %v", i, p)
		}
	}
	if strings.TrimPrefix(g[0]["patientIdentifier"], nhsID(m.nhs["beta"])) == "" {
		t.Errorf("identifiers not echoed: %v", g)
	}
	_, out = m.op("beta", "/Patient/$status-query", "patientIdentifier", nhsID(m.nhs["beta"]))
	if g := groups(out); g[0]["dateOfBirth"] != "1960-01-01" {
		t.Errorf("beta about its own patient: %v", g)
	}
	for _, path := range []string{"/Patient/$status-query", "/Organization/$generate-invitation-tokens", "/DocumentReference/$read-receipt-query"} {
		name := "patientIdentifier"
		if strings.HasPrefix(path, "/DocumentReference") {
			name = "documentIdentifier"
		}
		if st, out := m.op("patient:"+m.nhs["adult"], path, name, nhsID(m.nhs["adult"])); st != http.StatusForbidden {
			t.Errorf("a patient token at %s: %d %v", path, st, out)
		}
	}
}

// limits: more than the operation's maximum, or none, is a 400 naming the
// parameter.
func (m *massreg) limits(t *testing.T) {
	many := func(n int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("urn:x|%d", i)
		}
		return ids
	}
	for _, tc := range []struct {
		path, name string
		n, status  int
	}{
		{"/Patient/$status-query", "patientIdentifier", 5001, 400},
		{"/Patient/$status-query", "patientIdentifier", 5000, 200},
		{"/Patient/$status-query", "patientIdentifier", 0, 400},
		{"/Organization/$generate-invitation-tokens", "patientIdentifier", 501, 400},
		{"/DocumentReference/$read-receipt-query", "documentIdentifier", 5001, 400},
	} {
		st, out := m.op("acme", tc.path, tc.name, many(tc.n)...)
		b, _ := json.Marshal(out)
		if st != tc.status || st == 400 && !strings.Contains(string(b), tc.name) {
			t.Errorf("%s with %d: %d %.300s", tc.path, tc.n, st, b)
		}
	}
}

// readReceipts: a document is unread until its patient reads it with
// their own token; then read, with when; only its contributor may ask.
func (m *massreg) readReceipts(t *testing.T) {
	const letter = "urn:acme:letters|L-1"
	query := func(who string) map[string]string {
		st, out := m.op(who, "/DocumentReference/$read-receipt-query", "documentIdentifier", letter)
		if st != 200 {
			t.Fatalf("%d %v", st, out)
		}
		return groups(out)[0]
	}
	if g := query("acme"); g["read"] != "false" || g["readAt"] != "" {
		t.Fatalf("before: %v", g)
	}
	c := newClient(m.agg.Base, m.token("patient:"+m.nhs["adult"]))
	r, err := c.do(context.Background(), "GET", "/DocumentReference?identifier="+url.QueryEscape(letter), nil, nil)
	if err != nil || r.Status != 200 {
		t.Fatalf("search: %v %d %s", err, r.Status, r.Body)
	}
	entries, _ := jsonOf(t, r)["entry"].([]any)
	if len(entries) != 1 {
		t.Fatalf("the patient's search found %d letters", len(entries))
	}
	id := entries[0].(map[string]any)["resource"].(map[string]any)["id"].(string)
	if g := query("acme"); g["read"] != "false" {
		t.Errorf("a search made a read receipt: %v", g)
	}
	before := time.Now().UTC()
	if r, err = c.do(context.Background(), "GET", "/DocumentReference/"+id, nil, nil); err != nil || r.Status != 200 {
		t.Fatalf("read: %v %d %s", err, r.Status, r.Body)
	}
	g := query("acme")
	at, err := time.Parse(time.RFC3339Nano, g["readAt"])
	if g["read"] != "true" || err != nil || at.Before(before.Add(-time.Second)) {
		t.Errorf("after the read: %v (%v)", g, err)
	}
	if g := query("beta"); g["read"] != "false" || g["readAt"] != "" {
		t.Errorf("beta about acme's letter: %v", g)
	}
}

// capability: each operation is in the CapabilityStatement under its
// type, and its OperationDefinition is served.
func (m *massreg) capability(t *testing.T) {
	status, body := getPage(t, m.agg.Base+"/fhir/metadata")
	for _, def := range []string{"Patient-status-query", "Organization-generate-invitation-tokens", "DocumentReference-read-receipt-query"} {
		if status != 200 || !strings.Contains(body, "/fhir/OperationDefinition/"+def) {
			t.Errorf("metadata does not list %s", def)
		}
		r, err := newClient(m.agg.Base, m.token("acme")).do(context.Background(), "GET", "/OperationDefinition/"+def, nil, nil)
		if err != nil || r.Status != 200 || !strings.Contains(string(r.Body), `"OperationDefinition"`) {
			t.Errorf("OperationDefinition/%s: %v %d %s", def, err, r.Status, r.Body)
		}
	}
}

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }

// processMessage: a Patient sent with $process-message becomes acme's
// merged Patient through the pipeline; its invitation mail arrives at the
// SMTP server and its join URL registers the patient.
func (m *massreg) processMessage(t *testing.T) {
	nhs := validNHS(60)
	body := `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient",
		"identifier":[{"system":"` + nhsSystem + `","value":"` + nhs + `"}],"name":[{"family":"Message"}],"birthDate":"1985-03-04",
		"telecom":[{"system":"email","value":"msg@example.org"}]}}]}`
	r, err := newClient(m.agg.Base, m.token("acme")).do(context.Background(), "POST", "/Patient/$process-message", []byte(body), nil)
	if err != nil || r.Status != 200 || !strings.Contains(string(r.Body), `"queued"`) {
		t.Fatalf("$process-message: %v %d %s", err, r.Status, r.Body)
	}
	_, out := m.op("acme", "/Patient/$status-query", "patientIdentifier", nhsID(nhs))
	if g := groups(out); g[0]["dateOfBirth"] != "1985-03-04" || g[0]["registered"] != "false" {
		t.Fatalf("the new patient's status: %v", g)
	}
	var data string
	deadline := time.Now().Add(30 * time.Second)
	for data == "" {
		if time.Now().After(deadline) {
			t.Fatal("no invitation mail within 30s")
		}
		data = m.mail.first("msg@example.org")
		time.Sleep(20 * time.Millisecond)
	}
	link := between(data, "Open ", "\r\n")
	status, page := getPage(t, link)
	href := between(page, `href="`, `"`)
	if status != 200 || href == "" {
		t.Fatalf("the mail's join URL %s: %d %s", link, status, page)
	}
	m.iss.signsIn(nhs)
	if status, page = getPage(t, htmlUnescape(href)); status != 200 {
		t.Fatalf("sign-in from the mail: %d %s", status, page)
	}
	_, out = m.op("acme", "/Patient/$status-query", "patientIdentifier", nhsID(nhs))
	if g := groups(out); g[0]["registered"] != "true" {
		t.Errorf("after joining from the mail: %v", g)
	}
}

// mailInbox is a real SMTP server on loopback (emersion/go-smtp) keeping
// the messages it is sent.
type mailInbox struct {
	url string
	mu  sync.Mutex
	got map[string][]string // recipient → messages
}

func newMailInbox(t *testing.T) *mailInbox {
	in := &mailInbox{got: map[string][]string{}}
	srv := gosmtp.NewServer(in)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	in.url = "smtp://" + l.Addr().String()
	return in
}

func (in *mailInbox) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &inboxSession{in: in}, nil
}

func (in *mailInbox) first(to string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.got[to]) == 0 {
		return ""
	}
	return in.got[to][0]
}

type inboxSession struct {
	in *mailInbox
	to []string
}

func (s *inboxSession) Reset()                                 { s.to = nil }
func (s *inboxSession) Logout() error                          { return nil }
func (s *inboxSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	for _, to := range s.to {
		s.in.got[to] = append(s.in.got[to], string(b))
	}
	return err
}
