package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The load of issue 15's memory finding: 32 clients sharing one token each
// post a 10.5 MB transaction at the same moment.
const (
	memBundleBytes = 10_500_000
	memGivenNames  = 500_000
)

// runMemory measures peak memory (VmHWM) from the outside under the two
// bodies of issue 15 that took the server's RSS to gigabytes, each on a
// fresh process so the peak is that load's own, and prints table rows.
func runMemory(bin string, memClients int) error {
	root, err := os.MkdirTemp("", "benchserver-memory-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)

	tx := transactionBundle(memBundleBytes)
	p, _, err := start(bin, filepath.Join(root, "tx"))
	if err != nil {
		return err
	}
	before, err := p.statusKiB("VmHWM")
	if err != nil {
		p.stop()
		return err
	}
	statuses, took, err := postConcurrently(p, "/fhir", tx, memClients)
	if err != nil {
		p.stop()
		return err
	}
	peak, err := p.statusKiB("VmHWM")
	if err != nil {
		p.stop()
		return err
	}
	// What stays resident once the load is over: the runtime returns freed
	// pages over the following minutes, so this says how much of the peak
	// is still held.
	time.Sleep(5 * time.Second)
	after, err := p.rssKiB()
	p.stop()
	if err != nil {
		return err
	}
	fmt.Printf("| %d concurrent %.1f MB transactions (%d entries each), one token: peak RSS (VmHWM) | %.0f MB (idle before %.0f MB, RSS 5 s after %.0f MB; answers %s in %v) | ≤ 1 GB |\n",
		memClients, float64(len(tx))/1e6, bundleEntries(tx), mib(peak), mib(before), mib(after), statuses, took.Round(100*time.Millisecond))

	names := patientWithGivenNames(memGivenNames)
	p, _, err = start(bin, filepath.Join(root, "names"))
	if err != nil {
		return err
	}
	defer p.stop()
	before, err = p.statusKiB("VmHWM")
	if err != nil {
		return err
	}
	statuses, _, err = postConcurrently(p, "/fhir/Patient", names, 1)
	if err != nil {
		return err
	}
	if peak, err = p.statusKiB("VmHWM"); err != nil {
		return err
	}
	fmt.Printf("| one %.1f MB Patient with %d given names: peak RSS (VmHWM) | %.0f MB (idle before %.0f MB; answer %s) | refused before its tree is built |\n",
		float64(len(names))/1e6, memGivenNames, mib(peak), mib(before), statuses)
	return nil
}

func mib(kib int) float64 { return float64(kib) / 1024 }

// postConcurrently sends body from n clients at once with one token and
// returns how many answers had each status, e.g. "28×503 4×200".
func postConcurrently(p *proc, path string, body []byte, n int) (string, time.Duration, error) {
	tok, err := p.token()
	if err != nil {
		return "", 0, err
	}
	client := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var (
		mu     sync.Mutex
		counts = map[string]int{}
		wg     sync.WaitGroup
	)
	t0 := time.Now()
	for range n {
		wg.Go(func() {
			status := "error"
			req, err := http.NewRequestWithContext(context.Background(), "POST", p.base+path, bytes.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/fhir+json")
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Prefer", "return=minimal")
				var resp *http.Response
				if resp, err = client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = strconv.Itoa(resp.StatusCode)
				}
			}
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(t0)
	var parts []string
	for s, c := range counts {
		parts = append(parts, fmt.Sprintf("%d×%s", c, s))
	}
	slices.Sort(parts)
	return strings.Join(parts, " "), took, nil
}

// patient is one transaction entry's resource: the shape of a registration
// feed, about 1 KB of many small elements (the parse tree of small elements
// is what multiplies a body's size in memory).
const patient = `{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.36.146.595.217.0.1","value":"%[1]d"},{"system":"http://hospital.example/mrn","value":"MRN-%[1]d"}],"active":true,"name":[{"use":"official","family":"Chalmers","given":["Peter","James"]},{"use":"usual","given":["Jim"]},{"use":"maiden","family":"Windsor","given":["Peter","James"],"period":{"end":"2002"}}],"telecom":[{"system":"phone","value":"(03) 5555 6473","use":"work","rank":1},{"system":"phone","value":"(03) 3410 5613","use":"mobile","rank":2},{"system":"email","value":"p%[1]d@example.org","use":"home"}],"gender":"male","birthDate":"1974-12-25","address":[{"use":"home","type":"both","text":"534 Erewhon St PeasantVille, Rainbow, Vic  3999","line":["534 Erewhon St"],"city":"PleasantVille","district":"Rainbow","state":"Vic","postalCode":"3999","period":{"start":"1974-12-25"}}],"contact":[{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131","code":"N"}]}],"name":{"family":"du Marché","given":["Bénédicte"]},"gender":"female"}]}`

// transactionBundle builds a transaction of Patient creates of at least
// size bytes.
func transactionBundle(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-%012d","resource":`, i)
		fmt.Fprintf(&b, patient, i)
		b.WriteString(`,"request":{"method":"POST","url":"Patient"}}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func bundleEntries(tx []byte) int { return bytes.Count(tx, []byte(`"fullUrl"`)) }

// patientWithGivenNames is the 2 MB body of issue 15 that took RSS from
// 147 to 448 MB: one name with n given names.
func patientWithGivenNames(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Patient","name":[{"family":"Doe","given":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"A"`)
	}
	b.WriteString(`]}]}`)
	return b.Bytes()
}
