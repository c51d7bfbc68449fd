package imapstore

// SetBeforeDelete sets the hook DeleteMailbox runs between its emptiness
// check and the deletion.
func SetBeforeDelete(s *Store, f func()) { s.beforeDelete = f }
