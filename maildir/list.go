package maildir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxListDepth bounds the fs layout's directory walk.
const maxListDepth = 64

// Listing is the result of Layout.List.
type Listing struct {
	// Names are the mailbox names of the folders found, sorted.
	Names []string
	// Parts are the names' components, in the same order as Names. Use
	// them when a component may contain '/' (Names then holds the
	// ambiguous joined form).
	Parts [][]string
	// Unmapped are folder directories (with tmp/, new/ and cur/) whose
	// directory name this layout would not produce, so they have no
	// mailbox name (e.g. "inbox" in the fs layout, or "a%zz"). They are
	// reported, never touched.
	Unmapped []string
}

// List finds every folder under root for this layout. Hidden directories
// (names starting with '.', e.g. .notmuch) are skipped in the fs layout,
// listed as Unmapped when they are Maildir folders;
// in maildir++ only the root and its ".name" directories are folders, in
// dots only the root's directories not starting with '.'.
// Directories that are not folders are not listed but, in the fs layout,
// are searched for nested folders. Symbolic links are not followed.
func (l Layout) List(ctx context.Context, root string) (Listing, error) {
	if err := l.valid(); err != nil {
		return Listing{}, err
	}
	var lst Listing
	var err error
	if l.Nested() {
		err = l.walkFS(ctx, root, root, 0, &lst)
	} else {
		err = l.listPP(ctx, root, &lst)
	}
	if err != nil {
		return Listing{}, err
	}
	sort.Slice(lst.Parts, func(i, j int) bool {
		return strings.Join(lst.Parts[i], "/") < strings.Join(lst.Parts[j], "/")
	})
	for _, p := range lst.Parts {
		lst.Names = append(lst.Names, strings.Join(p, "/"))
	}
	sort.Strings(lst.Unmapped)
	return lst, nil
}

// add records folder dir under its name, or as unmapped.
func (l Layout) add(root, dir string, lst *Listing) {
	if !isMaildir(dir) {
		return
	}
	parts, err := l.Parts(root, dir)
	if err != nil {
		lst.Unmapped = append(lst.Unmapped, dir)
		return
	}
	lst.Parts = append(lst.Parts, parts)
}

func (l Layout) listPP(ctx context.Context, root string, lst *Listing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.InboxIsRoot() {
		l.add(root, filepath.Clean(root), lst)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("maildir: list %s: %w", root, err)
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() && l.InboxIsRoot() == (n[0] == '.') && n != ".." {
			l.add(root, filepath.Join(root, n), lst)
		}
	}
	return nil
}

func (l Layout) walkFS(ctx context.Context, root, dir string, depth int, lst *Listing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > maxListDepth {
		return fmt.Errorf("maildir: list %s: deeper than %d levels", dir, maxListDepth)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("maildir: list %s: %w", dir, err)
	}
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || n == SubCur || n == SubNew || n == SubTmp {
			continue
		}
		// Hidden directories are no folders, except the subfolders of
		// the legacy layout, which all are.
		// A hidden directory that is a Maildir folder (".dot" with its
		// cur/, new/, tmp/) is no name the layout gives (it writes
		// "%2Edot"): it is unmapped, reported, not searched.
		sub := filepath.Join(dir, n)
		if hidden := l.subPrefix() != "" && depth > 0; (n[0] == '.') != hidden || n == "." || n == ".." {
			if n != "." && n != ".." && isMaildir(sub) {
				lst.Unmapped = append(lst.Unmapped, sub)
			}
			continue
		}
		l.add(root, sub, lst)
		if err := l.walkFS(ctx, root, sub, depth+1, lst); err != nil {
			return err
		}
	}
	return nil
}
