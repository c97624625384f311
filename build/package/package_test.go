//go:build packaging

// Package packaging tests the Debian packages make package built: run by
// make test-package (go test -tags packaging ./build/package/), which
// sets LATCHKEY_DIST and LATCHKEY_PKG_VERSION.
package packaging

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// deb is the path of one package built for this version.
func deb(t *testing.T, name string) string {
	t.Helper()
	dist, ver := os.Getenv("LATCHKEY_DIST"), os.Getenv("LATCHKEY_PKG_VERSION")
	if dist == "" || ver == "" {
		t.Fatal("LATCHKEY_DIST and LATCHKEY_PKG_VERSION are unset: run make test-package")
	}
	p := filepath.Join(dist, name+"_"+ver+"_amd64.deb")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%v: run make package", err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// contents maps each path of a package to its "mode owner/group" column.
func contents(t *testing.T, pkg string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(run(t, "dpkg-deb", "--contents", pkg), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 {
			m[strings.TrimPrefix(f[5], ".")] = f[0] + " " + f[1]
		}
	}
	return m
}

// TestServerPackage: the fields, files, modes and conffiles of
// latchkey-server, and its maintainer scripts.
func TestServerPackage(t *testing.T) {
	pkg := deb(t, "latchkey-server")
	info := run(t, "dpkg-deb", "--info", pkg)
	for _, want := range []string{"Package: latchkey-server", "Version: " + os.Getenv("LATCHKEY_PKG_VERSION"),
		"Architecture: amd64", "conffiles", "postinst", "prerm", "postrm"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb --info lacks %q:\n%s", want, info)
		}
	}
	if strings.Contains(info, "Depends:") {
		t.Errorf("the static server package depends on something:\n%s", info)
	}
	files := contents(t, pkg)
	for path, mode := range map[string]string{
		"/usr/bin/latchkey-server":                        "-rwxr-xr-x root/root",
		"/usr/lib/systemd/system/latchkey-server.service": "-rw-r--r-- root/root",
		"/etc/latchkey/latchkey.yaml":                     "-rw-r----- root/root",
		"/usr/share/doc/latchkey-server/copyright":        "-rw-r--r-- root/root",
	} {
		if files[path] != mode {
			t.Errorf("%s: %q, want %q", path, files[path], mode)
		}
	}
	root := t.TempDir()
	run(t, "dpkg-deb", "-x", pkg, root)
	if out, err := exec.Command("ldd", filepath.Join(root, "usr/bin/latchkey-server")).CombinedOutput(); err == nil || !strings.Contains(string(out), "not a dynamic executable") {
		t.Errorf("ldd of the packaged server: %v %s", err, out)
	}
	conf := run(t, "dpkg-deb", "--field", pkg, "Package") // the field exists
	if strings.TrimSpace(conf) != "latchkey-server" {
		t.Errorf("Package field %q", conf)
	}
	ctrl := t.TempDir()
	run(t, "dpkg-deb", "--control", pkg, ctrl)
	if b, _ := os.ReadFile(filepath.Join(ctrl, "conffiles")); strings.TrimSpace(string(b)) != "/etc/latchkey/latchkey.yaml" {
		t.Errorf("conffiles = %q", b)
	}
	post, _ := os.ReadFile(filepath.Join(ctrl, "postinst"))
	for _, want := range []string{"useradd --system", "chgrp latchkey /etc/latchkey/latchkey.yaml"} {
		if !bytes.Contains(post, []byte(want)) {
			t.Errorf("postinst lacks %q", want)
		}
	}
	run(t, "sh", "-n", filepath.Join(ctrl, "postinst"))
}

// TestDesktopPackage: latchkey holds the desktop binary, its .desktop
// entry and icon, and depends on the GTK and WebKitGTK runtime.
func TestDesktopPackage(t *testing.T) {
	pkg := deb(t, "latchkey")
	deps := run(t, "dpkg-deb", "--field", pkg, "Depends")
	for _, want := range []string{"libgtk-3-0", "libwebkit2gtk-4.0-37"} {
		if !strings.Contains(deps, want) {
			t.Errorf("Depends %q lacks %s", deps, want)
		}
	}
	files := contents(t, pkg)
	for path, mode := range map[string]string{
		"/usr/bin/latchkey":                        "-rwxr-xr-x root/root",
		"/usr/share/applications/latchkey.desktop": "-rw-r--r-- root/root",
		"/usr/share/pixmaps/latchkey.png":          "-rw-r--r-- root/root",
	} {
		if files[path] != mode {
			t.Errorf("%s: %q, want %q", path, files[path], mode)
		}
	}
	root := t.TempDir()
	run(t, "dpkg-deb", "-x", pkg, root)
	entry, _ := os.ReadFile(filepath.Join(root, "usr/share/applications/latchkey.desktop"))
	for _, want := range []string{"Exec=latchkey", "Icon=latchkey", "Type=Application"} {
		if !bytes.Contains(entry, []byte(want)) {
			t.Errorf("the .desktop entry lacks %s", want)
		}
	}
}

// TestServerFromPackage unpacks latchkey-server into a scratch root and
// runs its binary with its own config file against a temporary data
// directory, as systemd would with Type=notify: it reports READY=1 over
// $NOTIFY_SOCKET, answers discovery, and stops on SIGTERM.
func TestServerFromPackage(t *testing.T) {
	root := t.TempDir()
	run(t, "dpkg-deb", "-x", deb(t, "latchkey-server"), root)
	sock := filepath.Join(t.TempDir(), "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(filepath.Join(root, "usr/bin/latchkey-server"), "serve",
		"--config", filepath.Join(root, "etc/latchkey/latchkey.yaml"), "--data", t.TempDir(), "--addr", addr)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
	}()
	notify.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 512)
	n, _, err := notify.ReadFromUnix(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "READY=1") {
		t.Fatalf("sd_notify: %q %v\n%s", buf[:n], err, log.String())
	}
	// Ready means answering: no retry.
	resp, err := http.Get("http://" + addr + "/.well-known/openid-configuration")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery after READY=1: %v %v\n%s", resp, err, log.String())
	}
	resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, log.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15 s after SIGTERM")
	}
	n, _, err = notify.ReadFromUnix(buf)
	if err != nil || string(buf[:n]) != "STOPPING=1" {
		t.Errorf("sd_notify at shutdown: %q %v", buf[:n], err)
	}
}

// TestUnitVerifies: systemd-analyze verify accepts the unit as installed
// (--root: the scratch root, where its ExecStart exists) with no warning
// at all (an unknown value is only a warning there), and the unit holds
// the hardening the package promises.
func TestUnitVerifies(t *testing.T) {
	root := t.TempDir()
	run(t, "dpkg-deb", "-x", deb(t, "latchkey-server"), root)
	unit := filepath.Join(root, "usr/lib/systemd/system/latchkey-server.service")
	// The units it depends on (sysinit.target, network-online.target...)
	// come from this machine's systemd, as on the machine it installs on.
	run(t, "cp", "-rn", "/usr/lib/systemd/system/.", filepath.Join(root, "usr/lib/systemd/system"))
	out, err := exec.Command("systemd-analyze", "verify", "--root="+root, "/usr/lib/systemd/system/latchkey-server.service").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	b, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=notify", "User=latchkey", "StateDirectory=latchkey", "ProtectSystem=strict",
		"ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes", "\nCapabilityBoundingSet=\n",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "Restart=on-failure",
		"ExecStart=/usr/bin/latchkey-server serve --config /etc/latchkey/latchkey.yaml"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
}
