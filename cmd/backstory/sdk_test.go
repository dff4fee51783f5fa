package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestNodeSDK runs the official FullStory Node server SDK (npm
// @fullstory/server-api-client, which speaks only HTTPS) against `serve`
// started with --tls-cert and --tls-key and a certificate made here.
// CI installs the SDK (npm ci in test/node-sdk) and sets
// BACKSTORY_REQUIRE_NODE_SDK=1, so there a missing SDK fails the test.
func TestNodeSDK(t *testing.T) {
	dir := filepath.Join("..", "..", "test", "node-sdk")
	_, nodeErr := exec.LookPath("node")
	_, sdkErr := os.Stat(filepath.Join(dir, "node_modules", "@fullstory", "server-api-client"))
	if nodeErr != nil || sdkErr != nil {
		if os.Getenv("BACKSTORY_REQUIRE_NODE_SDK") != "" {
			t.Fatalf("node or the SDK is missing (node: %v, sdk: %v); run npm ci in test/node-sdk", nodeErr, sdkErr)
		}
		t.Skip("skipped: needs node and `npm ci` in test/node-sdk (CI does both)")
	}

	tmp := t.TempDir()
	certFile, keyFile := writeCert(t, tmp)
	addr := freeAddr(t)
	key := "bsk_sdk_test_admin"
	t.Setenv("BACKSTORY_ADMIN_KEY", key)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{Data: filepath.Join(tmp, "data"), Addr: addr,
			TLSCert: certFile, TLSKey: keyFile, MemoryLimit: "512MB", LogLevel: "warn"})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	waitReady(t, "https://"+addr+"/healthz", certFile, done)

	cmd := exec.Command("node", "--test", "sdk.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_ENV=test", "FS_API_HOST=https://"+addr,
		"NODE_EXTRA_CA_CERTS="+certFile, "BACKSTORY_API_KEY="+key)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node SDK tests failed: %v\n%s", err, out)
	}
	t.Logf("node SDK tests:\n%s", out)
}

// writeCert makes a self-signed certificate for 127.0.0.1.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "backstory test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls url until the server answers, or serve exits.
func waitReady(t *testing.T, url, certFile string, done chan error) {
	t.Helper()
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v", err)
		default:
		}
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become ready")
}
