package main_test

import (
	"bytes"
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
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "station"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestTLSAndSessionsSurviveRestart(t *testing.T) {
	data := t.TempDir()
	add := exec.Command(stationBin, "user", "add", "--data", data, "--name", "sun.li", "--role", "operator")
	add.Stdin = strings.NewReader("5678\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	cert, key := selfSigned(t)
	addr := freeAddr(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(stationBin, "serve", "--data", data, "--addr", addr, "--tls-cert", cert, "--tls-key", key)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	url := "https://" + addr
	wait := func() {
		for i := 0; i < 200; i++ {
			if r, err := client.Get(url + "/healthz"); err == nil {
				r.Body.Close()
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatal("the TLS station did not come up")
	}
	cmd := start()
	wait()
	res, err := client.Post(url+"/api/v1/session", "application/json", strings.NewReader(`{"username":"sun.li","pin":"5678"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("sign-in over TLS: %v %v", res, err)
	}
	res.Body.Close()
	if sc := res.Header.Get("Set-Cookie"); !strings.Contains(strings.ToLower(sc), "; secure") {
		t.Errorf("session cookie over TLS is not Secure: %q", sc)
	}
	// Plain HTTP on the TLS port is refused.
	if r, err := http.Get("http://" + addr + "/healthz"); err == nil && r.StatusCode == 200 {
		t.Error("the TLS station answered plain HTTP")
	}
	cmd.Process.Kill()
	cmd.Wait()
	start()
	wait()
	res, err = client.Get(url + "/api/v1/session")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the session did not survive a restart: %v %v", res, err)
	}
	res.Body.Close()
}
