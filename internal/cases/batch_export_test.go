package cases

// QueuedWrites is how many writes wait for the group committer, so that
// tests can line writes up in one batch in a known order.
func QueuedWrites(s *Service) int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.queue)
}
