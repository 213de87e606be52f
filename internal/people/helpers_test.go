package people_test

import (
	"errors"

	"github.com/gridwork/gridwork/internal/apperr"
)

func asList(err error, l *apperr.List) bool { return errors.As(err, l) }
