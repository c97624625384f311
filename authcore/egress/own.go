package egress

import (
	"fmt"
	"net"
	"net/netip"
)

// ownAddrs returns the machine's own interface addresses from source
// (net.InterfaceAddrs when nil). It runs on every guarded dial: dials are
// rare (back-channel logout) and reading the addresses costs
// microseconds, so a new or changed address is known at once.
func ownAddrs(source func() ([]net.Addr, error)) ([]netip.Addr, error) {
	if source == nil {
		source = net.InterfaceAddrs
	}
	addrs, err := source()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if ip, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, ip.Unmap())
		}
	}
	return out, nil
}

// checkOwn refuses ip when it is one of the machine's own addresses: a
// public address of this host reaches its own listeners (the admin path,
// metrics, the console) exactly as loopback does. When the addresses
// cannot be read it refuses too (fail closed).
func (g *Guard) checkOwn(ip netip.Addr) error {
	own, err := ownAddrs(g.InterfaceAddrs)
	if err != nil {
		return fmt.Errorf("%w: the machine's own addresses cannot be read: %v", ErrBlocked, err)
	}
	ip = ip.Unmap().WithZone("")
	for _, o := range own {
		if o == ip {
			return fmt.Errorf("%w: %s is an address of this machine", ErrBlocked, ip)
		}
	}
	return nil
}
