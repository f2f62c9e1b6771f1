package store

import (
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
)

// riverDriver is the job queue driver type both databases share.
type riverDriver = riverdriver.Driver[*sql.Tx]
