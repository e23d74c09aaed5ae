package cli

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// holdProxy forwards TCP connections from a loopback port to a target address. While held,
// it closes the connections it forwards and keeps new ones waiting, like a server that is
// down behind a port that still accepts. Resume forwards them to a new target. The proxy
// records every byte sent from the target to the clients.
type holdProxy struct {
	ln net.Listener

	mu       sync.Mutex
	target   string
	released chan struct{} // closed while not held
	conns    []net.Conn
	received bytes.Buffer
}

func newHoldProxy(t *testing.T, target string) *holdProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdProxy{ln: ln, target: target, released: make(chan struct{})}
	close(p.released)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.closeConns()
	})
	return p
}

// URL returns the proxy's base URL.
func (p *holdProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *holdProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *holdProxy) forward(client net.Conn) {
	p.mu.Lock()
	released := p.released
	p.mu.Unlock()
	<-released

	p.mu.Lock()
	target := p.target
	p.mu.Unlock()
	server, err := net.Dial("tcp", target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	go func() {
		_, _ = io.Copy(server, client)
		server.Close()
	}()
	_, _ = io.Copy(io.MultiWriter(client, p), server)
	client.Close()
}

// Write records bytes sent from the target.
func (p *holdProxy) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.received.Write(b)
}

// count returns how often s occurs in the bytes sent from the target.
func (p *holdProxy) count(s string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Count(p.received.String(), s)
}

// hold drops every forwarded connection and keeps new ones waiting until resume.
func (p *holdProxy) hold() {
	p.mu.Lock()
	p.released = make(chan struct{})
	p.mu.Unlock()
	p.closeConns()
}

// resume forwards the waiting and later connections to target.
func (p *holdProxy) resume(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
	close(p.released)
}

func (p *holdProxy) closeConns() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// waitFor polls cond until it holds, and fails the test when it does not within a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
