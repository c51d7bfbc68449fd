package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func (st *runState) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of imapdir",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(st.stdout(), versionString())
			return err
		},
	}
}

// versionString is "imapdir VERSION (go VERSION)" from the build info:
// the module version for `go install …@vX`, else the VCS revision.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "imapdir (unknown version)"
	}
	v := info.Main.Version
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		v = "devel " + rev[:min(12, len(rev))] + dirty
	}
	return fmt.Sprintf("imapdir %s (%s)", v, info.GoVersion)
}
