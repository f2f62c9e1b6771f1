package server

import (
	"errors"
	"io"
	"net/http"

	"shencha/internal/auth"
)

// PasswordParams are the argon2id costs for passwords set through the API.
var PasswordParams = auth.Default

func errIs(err, target error) bool { return errors.Is(err, target) }

func copyBody(w io.Writer, r io.Reader) { io.Copy(w, r) }

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }
