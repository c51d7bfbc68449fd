package watch

import (
	"context"
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// watchNetwork reports when an address leaves a network interface (rtnetlink
// RTM_DELADDR, rtnetlink(7)): the laptop left a network, and connections
// bound to that address are dead though TCP may take a minute to notice.
// New addresses alone are not reported: IPv6 renews them often, and a
// network that comes up after another went away reports the removal. The
// channel coalesces; it is closed when ctx ends.
func watchNetwork(ctx context.Context) (<-chan struct{}, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "rtnetlink")
	out := make(chan struct{}, 1)
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	go func() {
		defer close(out)
		buf := make([]byte, 16<<10)
		for {
			n, err := f.Read(buf)
			if err != nil {
				return
			}
			if removedAddress(buf[:n]) {
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out, nil
}

// removedAddress reports whether a batch of netlink messages holds an
// RTM_DELADDR (each message starts with a 16-byte nlmsghdr: length, type…).
func removedAddress(b []byte) bool {
	for len(b) >= unix.SizeofNlMsghdr {
		length := binary.NativeEndian.Uint32(b[0:4])
		typ := binary.NativeEndian.Uint16(b[4:6])
		if typ == unix.RTM_DELADDR {
			return true
		}
		step := (int(length) + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if length < unix.SizeofNlMsghdr || step > len(b) {
			return false
		}
		b = b[step:]
	}
	return false
}
