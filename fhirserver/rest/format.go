package rest

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// bodyKind is what a request body's Content-Type says it holds.
type bodyKind uint8

const (
	bodyFHIRJSON  bodyKind = iota + 1 // a FHIR resource in JSON
	bodyJSONPatch                     // RFC 6902 JSON Patch
	bodyForm                          // form-encoded search parameters
)

// mediaFamily classifies a media type (without parameters, lower case).
type mediaFamily uint8

const (
	mediaOther mediaFamily = iota
	mediaJSON
	mediaXML
	mediaAny // */* or application/*
	mediaJSONPatch
	mediaForm
	mediaTurtle
)

func classify(mt string) mediaFamily {
	switch mt {
	case "application/fhir+json", "application/json", "application/json+fhir", "text/json", "json":
		return mediaJSON
	case "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml", "xml":
		return mediaXML
	case "*/*", "application/*":
		return mediaAny
	case "application/json-patch+json":
		return mediaJSONPatch
	case "application/x-www-form-urlencoded":
		return mediaForm
	case "application/fhir+turtle", "text/turtle", "ttl", "turtle":
		return mediaTurtle
	}
	return mediaOther
}

// fhirVersionOK reports whether a fhirVersion media-type parameter names this
// server's release. The spec writes it as major.minor ("4.0", "3.0"); a full
// release ("4.0.1") is accepted too.
func fhirVersionOK(param, release string) bool {
	if param == "" {
		return true
	}
	return param == release || param == majorMinor(release)
}

func majorMinor(release string) string {
	if i := strings.IndexByte(release, '.'); i >= 0 {
		if j := strings.IndexByte(release[i+1:], '.'); j >= 0 {
			return release[:i+1+j]
		}
	}
	return release
}

// negotiateResponse decides whether the client can take JSON: from _format
// when given (it overrides Accept, so browsers can ask for a format), else
// from Accept. XML is named as unsupported rather than silently replaced,
// so a client that cannot read JSON learns why.
func negotiateResponse(format string, accept string, release string) *outcome.Error {
	if format != "" {
		mt, params, err := mime.ParseMediaType(format)
		if err != nil {
			mt = strings.ToLower(strings.TrimSpace(format))
		}
		switch classify(mt) {
		case mediaJSON:
			if !fhirVersionOK(params["fhirversion"], release) {
				return outcome.New(http.StatusNotAcceptable, outcome.CodeNotSupported, "",
					"_format asks for FHIR version %s; this server speaks %s", params["fhirversion"], release)
			}
			return nil
		case mediaXML:
			return outcome.New(http.StatusNotAcceptable, outcome.CodeNotSupported, "",
				"the XML format is not supported yet; use _format=json or Accept: application/fhir+json")
		default:
			return outcome.New(http.StatusNotAcceptable, outcome.CodeNotSupported, "",
				"_format %q is not supported; this server answers application/fhir+json", format)
		}
	}
	switch accept {
	case "", "*/*", "application/fhir+json", "application/json":
		return nil // what nearly every client sends: no parsing on the hot path
	}
	if strings.TrimSpace(accept) == "" {
		return nil
	}
	sawXML, sawWrongVersion, sawOther, sawRefused := false, "", false, false
	for _, rangeText := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(rangeText))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f <= 0 {
				sawRefused = true // "not this one", e.g. application/fhir+json;q=0
				continue
			}
		}
		switch classify(mt) {
		case mediaJSON:
			if fhirVersionOK(params["fhirversion"], release) {
				return nil
			}
			sawWrongVersion = params["fhirversion"]
		case mediaAny:
			return nil
		case mediaXML:
			sawXML = true
		default:
			sawOther = true
		}
	}
	switch {
	case sawWrongVersion != "":
		return outcome.New(http.StatusNotAcceptable, outcome.CodeNotSupported, "",
			"Accept asks for FHIR version %s; this server speaks %s", sawWrongVersion, release)
	case sawXML:
		return outcome.New(http.StatusNotAcceptable, outcome.CodeNotSupported, "",
			"the XML format is not supported yet; accept application/fhir+json instead")
	case sawOther || sawRefused:
		// Only formats this server does not have (text/plain, text/html)
		// or JSON explicitly refused with q=0: answering JSON anyway would
		// hand the client what it said it cannot take. Browsers and curl
		// send */* as well and never get here.
		return outcome.New(http.StatusNotAcceptable, outcome.CodeNotSupported, "",
			"Accept %q allows no format this server answers; accept application/fhir+json", accept)
	}
	return nil
}

// bodyContentType checks a request body's Content-Type. An absent header is
// read as FHIR JSON: it is what every real client means.
func bodyContentType(contentType, release string) (bodyKind, *outcome.Error) {
	if strings.TrimSpace(contentType) == "" {
		return bodyFHIRJSON, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
			"Content-Type %q cannot be parsed: %v", contentType, err)
	}
	if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return 0, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
			"charset %q is not supported; FHIR JSON is UTF-8", cs)
	}
	switch classify(mt) {
	case mediaJSON:
		if !fhirVersionOK(params["fhirversion"], release) {
			return 0, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
				"the body is FHIR version %s; this server speaks %s", params["fhirversion"], release)
		}
		return bodyFHIRJSON, nil
	case mediaJSONPatch:
		return bodyJSONPatch, nil
	case mediaForm:
		return bodyForm, nil
	case mediaXML:
		return 0, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
			"the XML format is not supported yet; send application/fhir+json")
	}
	return 0, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
		"Content-Type %q is not supported; send application/fhir+json", mt)
}
