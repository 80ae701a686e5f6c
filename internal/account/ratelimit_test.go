package account

import "testing"

// TestClientKey: per-client limits count an IPv6 client by its /64 (one
// subscriber's network, whose addresses it can rotate through at will), an
// IPv4 client by its address, and an IPv4-mapped IPv6 address as IPv4.
func TestClientKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ip, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"},
		{"2001:DB8:1:2::a%eth0", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"", "unknown"},
		{"not an ip", "unknown"},
	} {
		if got := clientKey(c.ip); got != c.want {
			t.Errorf("clientKey(%q) = %q, want %q", c.ip, got, c.want)
		}
	}
}
