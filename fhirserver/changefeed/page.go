package changefeed

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Op is what a change did to a resource.
type Op string

const (
	// OpCreate: the resource had no live version before (new, or
	// re-created after a delete).
	OpCreate Op = "create"
	// OpUpdate: a new version replaced a live one.
	OpUpdate Op = "update"
	// OpDelete: a tombstone replaced a live version; the change has no
	// resource.
	OpDelete Op = "delete"
)

// Page is one answer of the feed.
type Page struct {
	// Changes are in commit order, oldest first; empty when nothing was
	// committed after the cursor (within the wait).
	Changes []Change
	// Next is the cursor to ask with next time: after the last change of
	// this page, or the cursor asked with when the page is empty. Store it
	// with the changes it covers (docs/storage.md, application metadata).
	Next string
}

// Change is one committed version of the source. The feed does not send
// the source's sequence numbers: the order of Changes and Page.Next are
// what a follower keeps.
type Change struct {
	Type string
	ID   string
	// VersionID is the source's versionId (tombstones count).
	VersionID int64
	Op        Op
	// LastUpdated is the source's commit time of this version.
	LastUpdated time.Time
	// Resource is the version as the source stored it; nil for a delete.
	Resource json.RawMessage
}

// feedBundle is the part of the history Bundle the client reads.
type feedBundle struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Response struct {
			Status       string `json:"status"`
			Etag         string `json:"etag"`
			LastModified string `json:"lastModified"`
		} `json:"response"`
	} `json:"entry"`
}

// parsePage reads one $changes answer. Type and id come from the last two
// segments of fullUrl (the server's base may not be the URL the client
// used), the version from the ETag W/"n", the op from the status: 201 a
// create, 200 an update, 410 a delete (docs/change-feed.md).
func parsePage(body []byte) (*Page, error) {
	var b feedBundle
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if b.ResourceType != "Bundle" || b.Type != "history" {
		return nil, fmt.Errorf("a %s of type %q, not a history Bundle", b.ResourceType, b.Type)
	}
	p := &Page{}
	next := false
	for _, l := range b.Link {
		if l.Relation != "next" {
			continue
		}
		u, err := url.Parse(l.URL)
		if err != nil {
			return nil, fmt.Errorf("next link %q: %w", l.URL, err)
		}
		p.Next, next = u.Query().Get("_cursor"), true
	}
	if !next {
		return nil, fmt.Errorf("no next link")
	}
	for i, e := range b.Entry {
		c, err := parseEntry(e.FullURL, e.Response.Status, e.Response.Etag, e.Response.LastModified, e.Resource)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		p.Changes = append(p.Changes, c)
	}
	return p, nil
}

func parseEntry(fullURL, status, etag, lastModified string, resource json.RawMessage) (Change, error) {
	var c Change
	segs := strings.Split(strings.TrimRight(fullURL, "/"), "/")
	if len(segs) < 2 || segs[len(segs)-2] == "" || segs[len(segs)-1] == "" {
		return c, fmt.Errorf("fullUrl %q does not end in type/id", fullURL)
	}
	c.Type, c.ID = segs[len(segs)-2], segs[len(segs)-1]
	switch code, _, _ := strings.Cut(status, " "); code {
	case "201":
		c.Op = OpCreate
	case "200":
		c.Op = OpUpdate
	case "410":
		c.Op = OpDelete
	default:
		return c, fmt.Errorf("status %q is not a create, update or delete", status)
	}
	v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(etag, `W/"`), `"`), 10, 64)
	if err != nil || v < 1 {
		return c, fmt.Errorf("etag %q is not a version", etag)
	}
	c.VersionID = v
	if c.LastUpdated, err = time.Parse(time.RFC3339Nano, lastModified); err != nil {
		return c, fmt.Errorf("lastModified %q: %w", lastModified, err)
	}
	if c.Op != OpDelete {
		if len(resource) == 0 || string(resource) == "null" {
			return c, fmt.Errorf("%s %s/%s without its resource", c.Op, c.Type, c.ID)
		}
		c.Resource = resource
	}
	return c, nil
}
