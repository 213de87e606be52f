package notify

// ListenerPID is the PostgreSQL backend process of b's listening
// connection, for tests that break it.
func (b *PgBroker) ListenerPID() uint32 { return b.pid.Load() }
