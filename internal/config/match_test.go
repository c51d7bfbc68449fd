package config

import "testing"

func TestMatch(t *testing.T) {
	cases := []struct {
		patterns []string
		name     string
		want     bool
	}{
		{[]string{"*"}, "INBOX", true},
		{[]string{"*"}, "Archive/2024", true},
		{[]string{"%"}, "Archive/2024", false},
		{[]string{"%"}, "Archive", true},
		{[]string{"Archive/%"}, "Archive/2024", true},
		{[]string{"Archive/%"}, "Archive/2024/Q1", false},
		{[]string{"Archive/*"}, "Archive/2024/Q1", true},
		{[]string{"Archive/*"}, "Archive", false},
		{[]string{"*", "!Junk"}, "Junk", false},
		{[]string{"*", "!Junk"}, "Junk/Old", true}, // "!Junk" names one mailbox only
		{[]string{"*", "!Junk*"}, "Junk/Old", false},
		{[]string{"!Junk", "*"}, "Junk", true}, // last match wins
		{[]string{"*", "!Archive/*", "Archive/2024"}, "Archive/2024", true},
		{[]string{"*", "!Archive/*", "Archive/2024"}, "Archive/2023", false},
		{[]string{"!Junk"}, "INBOX", false}, // nothing matched positively
		{nil, "INBOX", false},
		{[]string{"inbox"}, "INBOX", true},
		{[]string{"INBOX/*"}, "inbox/sub", true},
		{[]string{"Inbox2"}, "INBOX2", false}, // only the INBOX level is case-insensitive
		{[]string{"Entw*rfe"}, "Entwürfe", true},
		{[]string{"S%t"}, "Sent", true},
		{[]string{"a*b*c"}, "aXXbYYc", true},
		{[]string{"a*b*c"}, "aXXbYY", false},
		{[]string{"a%c"}, "a/c", false},
	}
	for _, c := range cases {
		if got := Match(c.patterns, c.name); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.patterns, c.name, got, c.want)
		}
	}
}
