package config

// StateDir is imapdir's directory for state kept outside the Maildir:
// $XDG_STATE_HOME/imapdir, or ~/.local/state/imapdir when XDG_STATE_HOME
// is unset (the XDG base directory specification's default); ok is false
// when neither is known.
func StateDir(env Env) (dir string, ok bool) { return stateDir(env) }
