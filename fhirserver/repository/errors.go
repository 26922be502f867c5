package repository

import (
	"errors"
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// StorageError turns the storage's sentinel errors into client answers;
// other errors stay server faults. what names the target in the message.
func StorageError(err error, what string) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return outcome.NotFound("%s is not known", what)
	case errors.Is(err, storage.ErrGone):
		return outcome.New(http.StatusGone, outcome.CodeDeleted, "", "%s has been deleted", what)
	case errors.Is(err, storage.ErrExists):
		return outcome.New(http.StatusConflict, outcome.CodeDuplicate, "", "%s already exists", what)
	case errors.Is(err, storage.ErrVersionConflict):
		return outcome.New(http.StatusPreconditionFailed, outcome.CodeConflict, "", "If-Match does not name the current version of %s", what)
	case errors.Is(err, storage.ErrInvalidKey):
		return outcome.BadRequest(outcome.CodeValue, "", "%s is not a valid type and id", what)
	case errors.Is(err, storage.ErrBadCursor):
		return outcome.BadRequest(outcome.CodeValue, "_cursor", "the cursor was not issued by this server")
	case errors.Is(err, storage.ErrDiskFull):
		oe := outcome.New(http.StatusServiceUnavailable, outcome.Code("transient"), "",
			"the server's disk is full: writes are refused until space is freed; reads go on")
		oe.RetryAfter = 30
		return oe
	case errors.Is(err, storage.ErrClosed), errors.Is(err, storage.ErrFailed):
		oe := outcome.New(http.StatusServiceUnavailable, outcome.Code("transient"), "", "the store is not available; retry later")
		oe.RetryAfter = 5
		return oe
	}
	return err
}

// Gone is the answer for a resource whose current version is its deletion.
func Gone(typ, id string) error {
	return outcome.New(http.StatusGone, outcome.CodeDeleted, "", "%s/%s has been deleted", typ, id)
}
