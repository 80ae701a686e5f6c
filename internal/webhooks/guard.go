package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// errRefusedAddress is a connection to an address endpoints may not be on.
var errRefusedAddress = errors.New("the endpoint's address is loopback, link-local or private")

// sharedAddressSpace is carrier-grade NAT (RFC 6598): not public either.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddress reports whether ip is one an endpoint may be on: not
// loopback, link-local, private, unspecified, multicast or shared.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
func publicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() && !ip.IsLinkLocalMulticast() &&
		!ip.IsInterfaceLocalMulticast() && !ip.IsMulticast() && !ip.IsUnspecified() && !sharedAddressSpace.Contains(ip) &&
		!(ip.Is4() && ip.As4()[0] == 0)
}

// checkURL refuses what no endpoint URL may be: not absolute http(s),
// with credentials or a fragment, too long; and, unless private addresses
// are allowed, a host that does not resolve or resolves to any address
// publicAddress refuses.
func checkURL(ctx context.Context, raw string, allowPrivate bool) (*url.URL, string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil || u.Fragment != "" || len(raw) > 2000 {
		return nil, "must be an absolute http(s) URL without credentials or fragment, at most 2000 characters"
	}
	if allowPrivate {
		return u, ""
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		lookupCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if addrs, err = net.DefaultResolver.LookupNetIP(lookupCtx, "ip", host); err != nil || len(addrs) == 0 {
			return nil, fmt.Sprintf("host %q does not resolve", host)
		}
	}
	for _, ip := range addrs {
		if !publicAddress(ip) {
			return nil, "must not point at a loopback, link-local or private address"
		}
	}
	return u, ""
}

// sender is the HTTP client of deliveries. Unless private addresses are
// allowed, its dialer checks the address it actually connects to, after
// resolution: a name that resolved to a public address when the endpoint
// was created and to an internal one now (DNS rebinding) is refused. It
// uses no proxy (a proxy would connect for it, past the check) and
// follows no redirect (the receiver must answer itself).
type sender struct{ http *http.Client }

func newSender(allowPrivate bool) *sender {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddress(ap.Addr()) {
				return errRefusedAddress
			}
			return nil
		}
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
	}
	return &sender{http: &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}
